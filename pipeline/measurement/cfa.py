"""Multi-group confirmatory factor analysis by maximum likelihood, as lavaan fits it.

Why our own: no well-kept Python SEM library constrains parameters across groups reliably (semopy's
`multigroup` fits every group on its own; its last release is from early 2024), and the ML fit function
of a CFA is short. Every choice below follows lavaan's defaults (`cfa(model, data, group=,
group.equal=)`), so the numbers agree with lavaan (tests/golden/make_golden_invariance.R):

- sample statistics per group with divisor n (likelihood "normal"), listwise deletion;
- the first item of each factor has loading 1 (marker); factor variances and covariances free per group;
  residual variances free per group (a negative one is allowed, as in lavaan);
- a mean structure in every group: intercepts free per group (configural, metric) or equal (scalar),
  factor means 0 in the first group and free in the others once intercepts are equal;
- F = sum_g n_g/N [log|S_g| ... ], chi-square = sum_g n_g F_g (lavaan's 2 N F_ML);
- with sampling weights (lavaan `sampling.weights`, normalisation "total"): weights scaled to sum to the
  number of rows used, weighted means and covariances (divisor: the sum of weights) per group, and a
  group counts as the sum of its weights. The statistic is the plain (not the robust, scaled) one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from pipeline.measurement.syntax import Model

STEPS = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts")}


@dataclass(frozen=True)
class GroupStats:
    name: str
    n: float          # rows (or the sum of the normalised weights)
    rows: int
    mean: np.ndarray
    cov: np.ndarray   # divisor n (ML)


def group_stats(data: pd.DataFrame, items, group: str | None = None, weights: str | None = None,
                levels=None) -> list[GroupStats]:
    """Sample statistics per group after listwise deletion on the items, the group and the weight.
    `levels`: the groups and their order (default: sorted); the first is lavaan's first group."""
    items = list(items)
    cols = items + ([group] if group else []) + ([weights] if weights else [])
    df = data[cols].dropna()
    x_all = df[items].to_numpy(float)
    w_all = df[weights].to_numpy(float) if weights else np.ones(len(df))
    if np.any(w_all < 0):
        raise ValueError("negative sampling weights")
    w_all = w_all / w_all.sum() * len(w_all)  # lavaan's normalisation "total"
    keys = df[group].astype(str).to_numpy() if group else np.full(len(df), "totaal", dtype=object)
    order = [str(v) for v in levels] if levels is not None else sorted(set(keys))
    out = []
    for name in order:
        sel = keys == name
        x, w = x_all[sel], w_all[sel]
        if not sel.any():
            continue
        n = float(w.sum())
        mean = w @ x / n
        d = x - mean
        out.append(GroupStats(name, n, int(sel.sum()), mean, (d * w[:, None]).T @ d / n))
    return out


@dataclass
class Fit:
    model: Model
    groups: list[GroupStats]
    step: str
    free_intercepts: tuple[str, ...]
    chisq: float
    df: int
    npar: int
    converged: bool
    estimates: dict = field(repr=False)  # per group: lambda, phi, theta, nu, alpha (arrays)

    @property
    def ntotal(self) -> float:
        return float(sum(g.n for g in self.groups))

    def baseline(self) -> tuple[float, int]:
        """lavaan's baseline: independent items with free variances and means in every group."""
        chisq = sum(g.n * (np.log(np.diag(g.cov)).sum() - np.linalg.slogdet(g.cov)[1]) for g in self.groups)
        p = len(self.model.items)
        return float(chisq), len(self.groups) * p * (p - 1) // 2

    def measures(self) -> dict:
        """chisq, df, cfi, rmsea and srmr with lavaan's definitions (fitMeasures)."""
        n, G = self.ntotal, len(self.groups)
        xb, dfb = self.baseline()
        x, df = self.chisq, self.df
        denom = max(x - df, xb - dfb, 0.0)
        cfi = 1.0 if denom == 0 else 1.0 - max(x - df, 0.0) / denom
        rmsea = float(np.sqrt(max(x / n / df - 1.0 / n, 0.0)) * np.sqrt(G)) if df > 0 else 0.0
        return {"chisq": float(x), "df": int(df), "npar": int(self.npar), "cfi": float(cfi), "rmsea": rmsea,
                "srmr": self.srmr()}

    def srmr(self) -> float:
        """lavaan's `srmr` (Bentler's, with the mean residuals): per group the root mean square of the
        covariance residuals over sqrt(s_ii s_jj) (lower triangle with diagonal) and of the mean residuals
        over sqrt(s_ii); groups weighted by n_g / N."""
        total, out = self.ntotal, 0.0
        for g, est in zip(self.groups, self.estimates["groups"]):
            sd = np.sqrt(np.diag(g.cov))
            r = (g.cov - est["sigma"]) / np.outer(sd, sd)
            low = r[np.tril_indices(len(sd))]
            m = (g.mean - est["mu"]) / sd
            out += g.n / total * np.sqrt((np.sum(low ** 2) + np.sum(m ** 2)) / (len(low) + len(m)))
        return float(out)


class _Spec:
    """Where every free parameter sits in each group's matrices; equal parameters share an index."""

    def __init__(self, model: Model, n_groups: int, equal: tuple[str, ...], free_intercepts=()):
        self.items, self.factors = list(model.items), list(model.names)
        p, m = len(self.items), len(self.factors)
        keys: dict = {}

        def idx(*key):
            return keys.setdefault(key, len(keys))

        self.groups = []
        for g in range(n_groups):
            lam, lam_fix = np.full((p, m), -1), np.zeros((p, m))
            for f, (fname, its) in enumerate(model.factors):
                for k, item in enumerate(its):
                    i = self.items.index(item)
                    if k == 0:
                        lam_fix[i, f] = 1.0  # marker
                    else:
                        lam[i, f] = idx("lam", i, f) if "loadings" in equal else idx("lam", i, f, g)
            phi = np.full((m, m), -1)
            for f in range(m):
                for h in range(f + 1):
                    phi[f, h] = phi[h, f] = idx("phi", f, h, g)
            theta = np.array([idx("theta", i, g) for i in range(p)])
            nu = np.array([idx("nu", i) if "intercepts" in equal and self.items[i] not in free_intercepts
                           else idx("nu", i, g) for i in range(p)])
            alpha = np.array([idx("alpha", f, g) if "intercepts" in equal and g > 0 else -1 for f in range(m)])
            self.groups.append({"lam": lam, "lam_fix": lam_fix, "phi": phi, "theta": theta, "nu": nu,
                                "alpha": alpha})
        self.keys = keys
        self.npar = len(keys)
        # the same, stacked over groups, for the batched objective
        st = {k: np.stack([gr[k] for gr in self.groups]) for k in ("lam", "lam_fix", "phi", "theta", "nu", "alpha")}
        self.stacked = st
        low = np.broadcast_to(np.tril(np.ones((m, m), bool)), st["phi"].shape)
        self.scatter = {k: (st[k].ravel()[mask.ravel()], mask) for k, mask in (
            ("lam", st["lam"] >= 0), ("phi", low), ("theta", st["theta"] >= 0), ("nu", st["nu"] >= 0),
            ("alpha", st["alpha"] >= 0))}

    def unpack(self, x: np.ndarray, g: int) -> dict:
        s = self.groups[g]
        lam = np.where(s["lam"] >= 0, x[np.maximum(s["lam"], 0)], s["lam_fix"])
        alpha = np.where(s["alpha"] >= 0, x[np.maximum(s["alpha"], 0)], 0.0)
        return {"lambda": lam, "phi": x[s["phi"]], "theta": x[s["theta"]], "nu": x[s["nu"]], "alpha": alpha}


def _start(spec: _Spec, model: Model, groups: list[GroupStats]) -> np.ndarray:
    """Start values from the pooled statistics: loadings from each factor's first principal component
    (scaled to its marker), residual variances half the item variances, intercepts the means."""
    x = np.zeros(spec.npar)
    total = sum(g.n for g in groups)
    cov = sum(g.n * g.cov for g in groups) / total
    lam0 = np.zeros((len(spec.items), len(spec.factors)))
    var0 = np.zeros(len(spec.factors))
    for f, (_, its) in enumerate(model.factors):
        ii = [spec.items.index(i) for i in its]
        val, vec = np.linalg.eigh(cov[np.ix_(ii, ii)])
        load = vec[:, -1] * np.sqrt(max(val[-1], 1e-8))
        if abs(load[0]) < 1e-8:
            load[0] = 1e-8
        lam0[ii, f] = load / load[0]
        var0[f] = load[0] ** 2
    for g, gs in enumerate(groups):
        s = spec.groups[g]
        for (i, f), k in np.ndenumerate(s["lam"]):
            if k >= 0:
                x[k] = lam0[i, f]
        m = len(spec.factors)
        for f in range(m):
            for h in range(m):
                x[s["phi"][f, h]] = var0[f] if f == h else 0.0
        x[s["theta"]] = np.diag(gs.cov) / 2
        x[s["nu"]] = gs.mean
    shared = [k for k in spec.keys if k[0] == "nu" and len(k) == 2]
    if shared:
        pooled = sum(g.n * g.mean for g in groups) / total
        for key in shared:
            x[spec.keys[key]] = pooled[key[1]]
    return x


def _warm_start(spec: _Spec, previous: "Fit", groups: list[GroupStats]) -> np.ndarray:
    """Start values from a fitted neighbouring model (the step before, or the model with one intercept
    fewer freed): each group's estimates put into this model's parameters, a shared parameter taking
    the n-weighted mean over the groups. Only where the optimiser starts; the optimum is the same."""
    x, weight = np.zeros(spec.npar), np.zeros(spec.npar)
    for g, (gs, est) in enumerate(zip(groups, previous.estimates["groups"])):
        s = spec.groups[g]
        pairs = [(s["lam"], est["lambda"]), (s["phi"], est["phi"]), (s["theta"], est["theta"]),
                 (s["nu"], est["nu"]), (s["alpha"], est["alpha"])]
        for idx, val in pairs:
            mask = idx >= 0
            np.add.at(x, idx[mask], gs.n * np.asarray(val)[mask])
            np.add.at(weight, idx[mask], gs.n)
    return x / np.where(weight > 0, weight, 1.0)


def _objective(x: np.ndarray, spec: _Spec, groups: list[GroupStats], consts) -> tuple[float, np.ndarray]:
    """F_ML and its gradient, all groups at once (batched matrices: the groups share their shapes)."""
    st = spec.stacked
    lam = np.where(st["lam"] >= 0, x[np.maximum(st["lam"], 0)], st["lam_fix"])       # (G, p, m)
    phi = x[st["phi"]]                                                                # (G, m, m)
    alpha = np.where(st["alpha"] >= 0, x[np.maximum(st["alpha"], 0)], 0.0)          # (G, m)
    lam_t = lam.transpose(0, 2, 1)
    sigma = lam @ phi @ lam_t
    p = sigma.shape[1]
    diag = np.arange(p)
    sigma[:, diag, diag] += x[st["theta"]]
    try:
        chol = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return 1e10, np.zeros_like(x)
    inv = np.linalg.inv(sigma)
    d = consts["mean"] - x[st["nu"]] - (lam @ alpha[:, :, None])[:, :, 0]             # (G, p)
    inv_d = (inv @ d[:, :, None])[:, :, 0]
    logdet = 2 * np.log(chol[:, diag, diag]).sum(axis=1)
    c = consts["c"]
    f = logdet + np.einsum("gij,gji->g", consts["cov"], inv) - consts["logdet_s"] - p + (d * inv_d).sum(axis=1)
    w = inv @ (sigma - consts["cov"] - d[:, :, None] * d[:, None, :]) @ inv
    u = -2 * inv_d
    cw = c[:, None, None]
    g_lam = cw * (2 * w @ lam @ phi + u[:, :, None] * alpha[:, None, :])
    g_phi = lam_t @ w @ lam
    g_phi = cw * (2 * g_phi - g_phi * np.eye(g_phi.shape[1]))
    parts = {"lam": g_lam, "phi": g_phi, "theta": c[:, None] * w[:, diag, diag], "nu": c[:, None] * u,
             "alpha": c[:, None] * (lam_t @ u[:, :, None])[:, :, 0]}
    idx = np.concatenate([spec.scatter[k][0] for k in parts])
    val = np.concatenate([parts[k][spec.scatter[k][1]] for k in parts])
    return float(c @ f), np.bincount(idx, weights=val, minlength=len(x))


def fit(model: Model, groups: list[GroupStats], step: str = "configural", free_intercepts=(),
        start: "Fit | None" = None) -> Fit:
    """Fit one step (`configural`, `metric`, `scalar`) of the invariance sequence; `free_intercepts`:
    items whose intercepts stay free in every group in the scalar step (lavaan `group.partial`);
    `start`: a fit of a neighbouring model of the same data to start from (faster, same optimum)."""
    equal = STEPS[step]
    spec = _Spec(model, len(groups), equal, tuple(free_intercepts))
    p = len(spec.items)
    total = sum(g.n for g in groups)
    consts = {"total": total, "logdet_s": np.array([np.linalg.slogdet(g.cov)[1] for g in groups]),
              "c": np.array([g.n / total for g in groups]), "mean": np.stack([g.mean for g in groups]),
              "cov": np.stack([g.cov for g in groups])}
    x0 = _start(spec, model, groups) if start is None else _warm_start(spec, start, groups)
    res = optimize.minimize(_objective, x0, args=(spec, groups, consts), jac=True, method="BFGS",
                            options={"gtol": 1e-7, "maxiter": 5000})
    x = res.x
    fval, grad = _objective(x, spec, groups, consts)
    converged = bool(np.max(np.abs(grad)) < 1e-5 and fval < 1e9)
    est = []
    for g in range(len(groups)):
        e = spec.unpack(x, g)
        e["sigma"] = e["lambda"] @ e["phi"] @ e["lambda"].T + np.diag(e["theta"])
        e["mu"] = e["nu"] + e["lambda"] @ e["alpha"]
        est.append(e)
    moments = len(groups) * (p * (p + 1) // 2 + p)
    return Fit(model, groups, step, tuple(free_intercepts), chisq=float(consts["total"] * fval),
               df=moments - spec.npar, npar=spec.npar, converged=converged, estimates={"groups": est})

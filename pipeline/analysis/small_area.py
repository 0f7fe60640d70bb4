"""Small-area estimates for directorates: the area-level Fay–Herriot model (Fay & Herriot 1979;
Rao & Molina 2015, ch. 6), fitted on the direct estimates and their design variances with register
auxiliaries known for every employee.

Why: a directorate's direct estimate rests on its own 10–60 respondents and is noisy; a directorate
with fewer than k has none. The model borrows strength from the register (who works where is known
for everyone): each directorate's EBLUP is a weighted mean of its direct estimate and the regression
prediction from its register profile, the weight on the direct estimate the larger the more precise it
is. Its mean squared error (MSE) is the Prasad–Rao estimator with the REML term of Datta & Lahiri
(2000): g1 + g2 + 2·g3. Checked against R's metafor::rma(method="REML") + blup() and a hand computation
(tests/golden/make_golden_sae.R).

Model: y_d = x_d'β + u_d + e_d, u_d ~ N(0, σ²_u), e_d ~ N(0, ψ_d) with ψ_d the design variance (taken
as known). Directorates whose direct estimate is not published (fewer than k respondents, or hidden by
disclosure control) do not enter the fit: their estimate is the synthetic part x_d'β̂ alone, or, with a
declared limit `max_direct_weight` > 0, a composite whose weight on their own answers stays below it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.disclosure.publish import Estimates, Result
from pipeline.results import Tidy
# the config part (what settings.py checks) lives apart, so checking the config imports no scipy
from pipeline.analysis.small_area_spec import AUXILIARIES, check  # noqa: F401



class TooFewAreas(ValueError):
    """Fewer directorates with a published direct estimate than the model needs: no model estimates."""


@dataclass(frozen=True)
class FayHerriot:
    """A fitted area-level model: β̂, its covariance (X'V⁻¹X)⁻¹, σ̂²_u and the fit's design."""
    beta: np.ndarray
    cov_beta: np.ndarray
    sigma2: float
    X: np.ndarray
    y: np.ndarray
    psi: np.ndarray
    iterations: int
    kappa: np.ndarray | float = 0.0

    @property
    def gamma(self) -> np.ndarray:
        """The weight of each fitted area's direct estimate: (σ² + κ_d)/(σ² + κ_d + ψ_d)."""
        return (self.sigma2 + self.kappa) / (self.sigma2 + self.kappa + self.psi)

    def eblup(self) -> tuple[np.ndarray, np.ndarray]:
        """(EBLUP, Prasad–Rao/Datta–Lahiri MSE) of the fitted areas (Rao & Molina 2015, (6.2.3), (6.2.33)):
        g1 = γψ, g2 = (1-γ)² x'(X'V⁻¹X)⁻¹x, g3 = ψ²/V³ · 2/ΣV⁻² with V = σ² + κ + ψ (2/ΣV⁻²: the
        asymptotic variance of the REML σ̂²); MSE = g1 + g2 + 2·g3."""
        g = self.gamma
        synthetic = self.X @ self.beta
        est = g * self.y + (1 - g) * synthetic
        v = self.sigma2 + self.kappa + self.psi
        g1 = g * self.psi
        g2 = (1 - g) ** 2 * np.einsum("ij,jk,ik->i", self.X, self.cov_beta, self.X)
        g3 = self.psi ** 2 / v ** 3 * (2.0 / np.sum(v ** -2.0))
        return est, g1 + g2 + 2 * g3

    def predict(self, X: np.ndarray, y=None, psi=None, weight=None, kappa=0.0) -> tuple[np.ndarray, np.ndarray]:
        """Estimate and MSE for areas OUTSIDE the fit: the synthetic x'β̂ (MSE σ̂² + κ + x'(X'V⁻¹X)⁻¹x), or
        with `weight` c > 0 the composite c·y + (1-c)·x'β̂ (MSE c²ψ + (1-c)²(σ̂² + κ + x'(X'V⁻¹X)⁻¹x); y is
        independent of β̂, which the other areas fit)."""
        X = np.atleast_2d(np.asarray(X, float))
        synthetic = X @ self.beta
        spread = self.sigma2 + np.asarray(kappa, float) + np.einsum("ij,jk,ik->i", X, self.cov_beta, X)
        if weight is None:
            return synthetic, spread
        c = np.asarray(weight, float)
        y, psi = np.nan_to_num(np.asarray(y, float)), np.nan_to_num(np.asarray(psi, float))
        return c * y + (1 - c) * synthetic, c ** 2 * psi + (1 - c) ** 2 * spread


def fit(y, psi, X, *, kappa=None, tol: float = 1e-10, max_iter: int = 200) -> FayHerriot:
    """REML fit of the Fay–Herriot model by Fisher scoring, σ̂²_u truncated at 0 (as metafor and
    sae::eblupFH). Score s = -½ tr(P) + ½ y'PPy, information I = ½ tr(PP), with
    P = V⁻¹ - V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹ (Rao & Molina 2015, 6.2.4).

    kappa: a known part of each area's spread around the regression besides σ²_u, V = σ² + κ_d + ψ_d.
    The target is the directorate's finite-population mean: with N_d staff it varies around the area's
    model mean by S²_w/N_d (S²_w the variance among staff within directorates), which matters for the
    smallest directorates. The likelihood is metafor's with vi = ψ + κ; only the weights γ differ."""
    y, psi, X = np.asarray(y, float), np.asarray(psi, float), np.atleast_2d(np.asarray(X, float))
    kap = np.zeros_like(psi) if kappa is None else np.broadcast_to(np.asarray(kappa, float), psi.shape).copy()
    total = psi + kap
    m, p = X.shape
    if m <= p + 1:
        raise TooFewAreas(f"Fay–Herriot: {m} areas for {p} coefficients and a variance")
    if np.any(~np.isfinite(psi)) or np.any(psi <= 0):
        raise ValueError("Fay–Herriot: every sampling variance must be positive")

    def projector(s2):
        vi = 1.0 / (s2 + total)
        XtVX = X.T @ (X * vi[:, None])
        A = np.linalg.inv(XtVX)
        P = np.diag(vi) - (X * vi[:, None]) @ A @ (X * vi[:, None]).T
        return P, A

    # start: the moment estimator of the residual variance beyond the mean sampling variance
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    s2 = max(float(np.sum((y - X @ ols) ** 2) / (m - p) - total.mean()), 0.0) or float(np.median(total))
    it = 0
    for it in range(1, max_iter + 1):
        P, _ = projector(s2)
        Py = P @ y
        score = -0.5 * np.trace(P) + 0.5 * Py @ Py
        info = 0.5 * np.sum(P * P)
        new = max(s2 + score / info, 0.0)
        done = abs(new - s2) <= tol * max(1.0, s2)
        s2 = new
        if done:
            break
    _, A = projector(s2)
    vi = 1.0 / (s2 + total)
    beta = A @ (X.T @ (vi * y))
    return FayHerriot(beta, A, float(s2), X, y, psi, it, kap)


def auxiliaries(register: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The register profile of each directorate (rows: directie_code; columns: `names`), from the
    processed register snapshot of the wave's year (`jong` follows groups.young_cutoff): every employee
    is known, so these are exact."""
    reg = register.assign(directie_code=register["directie_code"].astype(str))
    origin = reg["herkomst_oud"].astype("object")
    cols = {
        "aandeel_jong": (reg["jong"].astype("object") == "ja").astype(float).where(reg["jong"].notna()),
        "aandeel_niet_westers": (origin == "niet_westers").astype(float).where(origin.notna()),
        "aandeel_schaal_12plus": (pd.to_numeric(reg["salarisschaal"], errors="coerce") >= 12).astype(float),
        "aandeel_kort_in_dienst": (reg["dienstjarenband"].astype("object") == "<5").astype(float).where(
            reg["dienstjarenband"].notna()),
    }
    unknown = [n for n in names if n not in cols]
    if unknown:
        raise ValueError(f"unknown small-area auxiliaries {unknown} (known: {', '.join(AUXILIARIES)})")
    frame = pd.DataFrame({n: cols[n] for n in names}).assign(directie_code=reg["directie_code"])
    return frame.groupby("directie_code", sort=True).mean()


def directorate_estimates(direct: pd.DataFrame, allowed: pd.Series, aux: pd.DataFrame, *,
                          max_direct_weight: float = 0.0, bounds: tuple[float, float] | None = None,
                          level: float = 0.95, within: float | None = None,
                          sizes: pd.Series | None = None) -> pd.DataFrame:
    """Fay–Herriot estimates for every directorate of the register.

    direct: per directorate (`group`) the direct estimate `estimate`, its standard error `se` and
    respondents `n`; allowed: per group, whether its direct estimate may carry weight (published,
    or hidden only for its width). The fit uses the allowed directorates with a positive design
    variance; every other directorate of `aux` gets the synthetic part (weight 0), or a composite with
    weight min(γ_d, max_direct_weight) where it has a direct estimate with a variance.
    Returns group, estimate, se (root MSE), ci_low, ci_high (normal, clipped to `bounds`), gewicht
    (weight on the direct estimate), n (own respondents of the directorates in the fit, at least k), n_model
    (respondents of the directorates in the fit), m_model (directorates in the fit), sigma2.
    within, sizes: the variance among staff within directorates and each directorate's headcount
    (register): κ_d = within / N_d (see `fit`); without them κ = 0, the textbook model."""
    d = direct.assign(group=direct["group"].astype(str)).drop_duplicates("group").set_index("group")
    codes = [str(c) for c in aux.index]
    d = d.reindex(codes)
    ok = allowed.astype(bool).rename(index=str).reindex(codes, fill_value=False).to_numpy(dtype=bool)
    y = pd.to_numeric(d["estimate"], errors="coerce").to_numpy(float)
    psi = pd.to_numeric(d["se"], errors="coerce").to_numpy(float) ** 2
    n = pd.to_numeric(d["n"], errors="coerce").fillna(0).to_numpy(float)
    X = np.column_stack([np.ones(len(codes)), aux.to_numpy(float)])
    kappa = np.zeros(len(codes))
    if within is not None and sizes is not None:
        N = pd.to_numeric(sizes.rename(index=str).reindex(codes), errors="coerce").to_numpy(float)
        kappa = np.where(N > 0, float(within) / np.where(N > 0, N, 1.0), 0.0)
    usable = np.isfinite(X).all(axis=1)
    inside = ok & np.isfinite(y) & np.isfinite(psi) & (psi > 0) & usable
    model = fit(y[inside], psi[inside], X[inside], kappa=kappa[inside])
    est = np.full(len(codes), np.nan)
    mse = np.full(len(codes), np.nan)
    weight = np.zeros(len(codes))
    est[inside], mse[inside] = model.eblup()
    weight[inside] = model.gamma
    out_ = ~inside & usable
    has_direct = out_ & np.isfinite(y) & np.isfinite(psi) & (psi > 0)
    tau = model.sigma2 + kappa
    c = np.where(has_direct, np.minimum(tau / (tau + np.where(has_direct, psi, 1.0)), max_direct_weight),
                 0.0) if max_direct_weight > 0 else np.zeros(len(codes))
    est[out_], mse[out_] = model.predict(X[out_], y[out_], psi[out_], c[out_], kappa=kappa[out_])
    weight[out_] = c[out_]
    se = np.sqrt(mse)
    z = stats.norm.ppf(0.5 + level / 2)
    lo, hi = est - z * se, est + z * se
    if bounds is not None:
        est, lo, hi = (np.clip(a, *bounds) for a in (est, lo, hi))
    return pd.DataFrame({"group": codes, "estimate": est, "se": se, "ci_low": lo, "ci_high": hi, "gewicht": weight,
                         "n": np.where(inside, n, np.nan), "n_model": float(n[inside].sum()),
                         "m_model": int(inside.sum()), "sigma2": model.sigma2})


def declared(raw: dict) -> dict | None:
    """Config `small_area` with its defaults, None when the report declares none (no model estimates)."""
    cfg = raw.get("small_area")
    if cfg is None:
        return None
    return {"auxiliaries": list(cfg.get("auxiliaries") or AUXILIARIES),
            "max_direct_weight": float(cfg.get("max_direct_weight", 0.0))}


def within_variance(values, groups) -> float:
    """The pooled variance among respondents within directorates, Σ(y - ȳ_d)²/(n - D): S²_w of κ_d."""
    frame = pd.DataFrame({"y": pd.to_numeric(pd.Series(np.asarray(values)), errors="coerce"),
                          "g": np.asarray(groups).astype(str)}).dropna()
    dev = frame["y"] - frame.groupby("g")["y"].transform("mean")
    dof = len(frame) - frame["g"].nunique()
    return float((dev ** 2).sum() / dof) if dof > 0 else 0.0


def directorate_result(direct: pd.DataFrame, published: pd.DataFrame, aux: pd.DataFrame, *, k: int, indicator: str,
                       names: dict | None = None, max_direct_weight: float = 0.0,
                       bounds: tuple[float, float] | None = None, within: float | None = None,
                       sizes: pd.Series | None = None) -> Result:
    """The model estimate of every directorate of the register as a result for `publish`, rows
    `sae_level` in results.csv (se = root MSE). `direct`: the directorate table before disclosure
    control (estimate, se, n per group); `published`: the same table after it. A directorate's own
    answers carry weight only where its direct estimate passed disclosure control with at least k
    respondents (shown, or withheld only as too wide); elsewhere the estimate is the synthetic part (or
    a composite below `max_direct_weight`). The rule: the fit itself rests on at least k respondents."""
    pub = published.assign(group=published["group"].astype(str)).drop_duplicates("group").set_index("group")
    n = pd.to_numeric(pub["n"], errors="coerce")
    hidden = pub["onderdrukt"].fillna(False).astype(bool) if "onderdrukt" in pub else pd.Series(False, index=pub.index)
    allowed = ~hidden & (n >= k)
    est = directorate_estimates(direct, allowed, aux, max_direct_weight=max_direct_weight, bounds=bounds,
                                within=within, sizes=sizes)
    est.insert(0, "dimension", "directie_code")
    est.insert(2, "group_label", est["group"].map(names or {}).fillna(est["group"]))
    return Result(est.drop(columns=["sigma2"]), Estimates(n=("n_model",)),
                  tidy=(Tidy("sae_level", constants={"indicator": indicator}),))

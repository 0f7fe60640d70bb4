"""The programme's effect: staggered difference-in-differences over directorates (Callaway & Sant'Anna 2021).

Why not a change, and why not a two-way fixed-effects regression: a change since the baseline mixes the
programme with everything else that happened; a regression y ~ directorate + wave + exposed mixes
already-exposed directorates into the comparison and can weight effects negatively when directorates
start at different times and effects differ (Goodman-Bacon 2021). Here each comparison is a clean 2x2.

Data: a directorate panel, per wave each directorate's design-based mean of an outcome, with the
covariance matrix of all these means (`linked_directorate_panel`: the one place that asks the survey
engine, on the chapter's change stack, so this follows whatever the engine does). Units are directorates; a directorate's cohort g is the first year it is exposed
(`pipeline.exposure`), None when never. Unconditional estimator (no covariates), universal base period:

  ATT(g, t) = [Y_g(t) - Y_g(b)] - [Y_C(t) - Y_C(b)],   b = the last wave before g,

Y_g the mean over cohort g's directorates, C the controls observed in t and b and not exposed in either
(`not_yet_treated`: a later or no cohort; `never_treated`: no cohort). For t >= g this is an effect; for
t < b the same contrast is a lead (placebo: it should be 0 when paths ran parallel before the start).
Aggregates (CS "simple" and "dynamic"): averages of the ATT(g, t) weighted by the number of exposed
directorates in each; the placebo is the same average over all leads.

Variance: every estimate is linear in the directorate means, theta = sum c_dt Y_dt = c'Y. With
Y_dt = a_d + l_t + effect + eta_dt + eps_dt, eps the sampling error (covariance S of the means) and eta
a directorate-by-wave deviation from parallel paths (variance s2, estimated by moments from the
unexposed directorate-waves: the residuals of a two-way fit, truncated at 0),
Var theta = c'S c + s2 sum c_dt^2.
S is the design covariance in the frame of the published changes: the chapter's linked-panel stack
(`pipeline.analysis.linkage.stack_for_change`: each wave's strata, FPC and raking, plus the covariance
of the respondents two waves share), so a directorate's means in two waves covary where the same people
answered both, and directorates covary a little through the raking of a wave. An ATT of one exposed and
one control directorate over two waves is then exactly the published gap change between them (same
estimate, same SE). Without S (`cov=None`, a panel of `directorate_panel`) the waves count as
independent: conservative where people answer again. s2 is one variance for every directorate; a
finite directorate's deviation from parallel paths shrinks with its size, so for large exposed
directorates the interval is conservative (README, programme effect). Intervals and p: normal.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

CONTROLS = ("not_yet_treated", "never_treated")
UNIT = "directie_code"


def directorate_panel(designs: dict, outcome: str, unit: str = UNIT, min_n: int = 1) -> pd.DataFrame:
    """Per wave and directorate: the design-based mean `y`, its variance `v` (the engine's SE squared)
    and the respondents `n`; directorate-waves with fewer than `min_n` answers are left out (a
    directorate cell below k never enters an estimate)."""
    rows = []
    for wave, design in sorted(designs.items()):
        m = design.mean(outcome, by=unit)
        rows.append(pd.DataFrame({"unit": m[unit].astype(str).to_numpy(), "wave": int(wave),
                                  "y": m["estimate"].to_numpy(float), "v": m["se"].to_numpy(float) ** 2,
                                  "n": m["n"].to_numpy(float)}))
    panel = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["unit", "wave", "y", "v", "n"])
    keep = panel["y"].notna() & panel["v"].notna() & (panel["n"] >= min_n)
    return panel[keep].reset_index(drop=True)


def linked_directorate_panel(stacked, outcome: str, wave_col: str = "golf", unit: str = UNIT,
                             min_n: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """(panel, S): per wave and directorate the mean `y`, its variance `v` and respondents `n` as
    `directorate_panel`, and S, the covariance matrix of those means (rows and columns in the panel's
    order), from the stacked design of every wave (`stack_for_change`: the linked panel in the frame of
    the levels). Directorate-waves with fewer than `min_n` answers are left out."""
    m, cov = stacked.mean_covariance(outcome, by=[wave_col, unit])
    panel = pd.DataFrame({"unit": m[unit].astype(str).to_numpy(), "wave": m[wave_col].astype(int).to_numpy(),
                          "y": m["estimate"].to_numpy(float), "v": np.diag(cov).astype(float),
                          "n": m["n"].to_numpy(float)})
    keep = (panel["y"].notna() & panel["v"].notna() & (panel["n"] >= min_n)).to_numpy()
    return panel[keep].reset_index(drop=True), cov[np.ix_(keep, keep)]


def without(panel: pd.DataFrame, cov: np.ndarray | None, starts: dict) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The panel without the directorate-waves exposed under another exposure (`starts`: directorate ->
    first exposed year): e.g. training analysed only where no action plan runs, so that the plan's
    effect cannot enter a training contrast. A directorate keeps its waves before that start."""
    keep = np.array([not (starts.get(u) is not None and w >= starts[u]) for u, w in zip(panel["unit"], panel["wave"])],
                    dtype=bool)
    return panel[keep].reset_index(drop=True), None if cov is None else cov[np.ix_(keep, keep)]


@dataclass
class Cell:
    """One group-time contrast: cohort g, wave t against base wave b, as coefficients on the panel."""
    g: int
    t: int
    b: int
    treated: tuple[str, ...]
    controls: tuple[str, ...]
    coef: dict = field(repr=False)

    @property
    def e(self) -> int:
        return self.t - self.g

    @property
    def post(self) -> bool:
        return self.t >= self.g


def _cohort(cohorts: dict, unit: str):
    g = cohorts.get(unit)
    return None if g is None or (isinstance(g, float) and np.isnan(g)) else int(g)


def cells(panel: pd.DataFrame, cohorts: dict, control: str = "not_yet_treated") -> list[Cell]:
    """Every estimable ATT(g, t) (t >= g) and lead (t < b), with its treated and control directorates."""
    if control not in CONTROLS:
        raise ValueError(f"control must be one of {CONTROLS}, got {control!r}")
    waves = sorted(panel["wave"].unique())
    seen = {(u, int(w)) for u, w in zip(panel["unit"], panel["wave"])}
    units = sorted(panel["unit"].unique())
    coh = {u: _cohort(cohorts, u) for u in units}
    out = []
    for g in sorted({c for c in coh.values() if c is not None}):
        before = [w for w in waves if w < g]
        if not before:
            continue  # exposed before the first wave: no baseline
        b = before[-1]
        for t in waves:
            if t == b:
                continue
            treated = tuple(u for u in units if coh[u] == g and (u, t) in seen and (u, b) in seen)
            last = max(t, b)
            if control == "never_treated":
                ctrl = [u for u in units if coh[u] is None]
            else:
                ctrl = [u for u in units if coh[u] != g and (coh[u] is None or coh[u] > last)]
            ctrl = tuple(u for u in ctrl if (u, t) in seen and (u, b) in seen)
            if not treated or not ctrl:
                continue
            coef: dict = {}
            for group, sign in ((treated, 1.0), (ctrl, -1.0)):
                for u in group:
                    coef[(u, t)] = coef.get((u, t), 0.0) + sign / len(group)
                    coef[(u, b)] = coef.get((u, b), 0.0) - sign / len(group)
            out.append(Cell(g, t, b, treated, ctrl, coef))
    return out


def _cov(panel: pd.DataFrame, cov: np.ndarray | None) -> np.ndarray:
    """S, or the diagonal of the design variances when the waves count as independent."""
    return np.diag(panel["v"].to_numpy(float)) if cov is None else np.asarray(cov, dtype=float)


def heterogeneity(panel: pd.DataFrame, cohorts: dict, cov: np.ndarray | None = None) -> float:
    """Moment estimate of s2, the variance of directorate-by-wave deviations from parallel paths, from
    the unexposed directorate-waves: E[e'e] = tr(M S) + s2 tr(M) for the residuals e = M y of a two-way
    (directorate + wave) fit (S: the covariance of the means, diagonal without `cov`). Truncated at 0;
    0 when the fit leaves no residual degrees of freedom."""
    coh = {u: _cohort(cohorts, u) for u in panel["unit"].unique()}
    untreated = np.array([coh[u] is None or w < coh[u] for u, w in zip(panel["unit"], panel["wave"])], dtype=bool)
    d = panel[untreated]
    S = _cov(panel, cov)[np.ix_(untreated, untreated)]
    if d.empty:
        return 0.0
    X = np.hstack([pd.get_dummies(d["unit"]).to_numpy(float), pd.get_dummies(d["wave"]).to_numpy(float)[:, 1:]])
    U, sv, _ = np.linalg.svd(X, full_matrices=False)  # M = I - U_r U_r' (U_r: the column space of X)
    U = U[:, sv > sv[0] * 1e-10]
    y = d["y"].to_numpy(float)
    resid = y - U @ (U.T @ y)
    m_diag = 1.0 - (U ** 2).sum(axis=1)
    trace = float(m_diag.sum())
    if trace < 0.5:
        return 0.0
    trace_ms = float(np.trace(S) - np.trace(U.T @ S @ U))  # tr(M S), M = I - U U'
    s2 = (float(resid @ resid) - trace_ms) / trace
    return max(s2, 0.0)


def combine(chosen: list[Cell], weights=None) -> dict:
    """Coefficients of a weighted average of cells (default weights: their number of exposed directorates)."""
    w = np.array([len(c.treated) for c in chosen] if weights is None else weights, dtype=float)
    w = w / w.sum()
    coef: dict = {}
    for wi, c in zip(w, chosen):
        for k, v in c.coef.items():
            coef[k] = coef.get(k, 0.0) + wi * v
    return coef


def estimate(coef: dict, panel: pd.DataFrame, s2: float = 0.0, level: float = 0.95,
             cov: np.ndarray | None = None) -> dict:
    """Point, SE (c'S c plus s2 per directorate-wave; S the covariance of the means, `cov`, or their
    design variances alone), normal interval and p of sum c Y."""
    idx = {(u, int(w)): i for i, (u, w) in enumerate(zip(panel["unit"], panel["wave"]))}
    pos = np.array([idx[k] for k in coef])
    c = np.array(list(coef.values()))
    y = panel["y"].to_numpy(float)[pos]
    S = np.diag(panel["v"].to_numpy(float)[pos]) if cov is None else np.asarray(cov, dtype=float)[np.ix_(pos, pos)]
    est = float(c @ y)
    se = float(np.sqrt(max(float(c @ S @ c), 0.0) + s2 * float(c @ c)))
    z = stats.norm.ppf(0.5 + level / 2)
    p = float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else np.nan
    return {"estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se, "p": p,
            "n_min": float(panel["n"].to_numpy(float)[pos].min())}


def mde(se: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Minimal detectable effect of a two-sided test at `alpha` with `power`: (z_{1-a/2} + z_power) SE."""
    return float((stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) * se)


@dataclass
class Effect:
    """The effect analysis of one outcome under one exposure."""
    overall: dict | None                 # aggregate ATT over all t >= g (None: nothing estimable)
    placebo: dict | None                 # average of the leads (None: no wave before the base wave)
    events: pd.DataFrame                 # event time e -> estimate, se, interval, p (reference e omitted)
    cells: pd.DataFrame                  # the ATT(g, t) themselves
    treated: tuple[str, ...]             # exposed directorates entering an effect (t >= g)
    controls: tuple[str, ...]            # directorates serving as control in some effect cell
    post_waves: tuple[int, ...]          # waves after a start that enter an effect
    s2: float
    mde: float


def analyse(panel: pd.DataFrame, cohorts: dict, control: str = "not_yet_treated", alpha: float = 0.05,
            power: float = 0.8, cov: np.ndarray | None = None) -> Effect:
    """ATT(g, t), the aggregate effect, the event study with leads, the placebo and the MDE. `cov`: the
    covariance of the panel's means (`linked_directorate_panel`); None: waves as independent samples."""
    cs = cells(panel, cohorts, control)
    s2 = heterogeneity(panel, cohorts, cov)
    post = [c for c in cs if c.post]
    leads = [c for c in cs if c.t < c.b]
    table = pd.DataFrame([{"g": c.g, "t": c.t, "b": c.b, "e": c.e, "n_treated": len(c.treated),
                           "n_controls": len(c.controls), **estimate(c.coef, panel, s2, cov=cov)} for c in cs])
    events = []
    for e in sorted({c.e for c in cs}):
        mine = [c for c in cs if c.e == e]
        events.append({"e": e, "n_treated": sum(len(c.treated) for c in mine),
                       **estimate(combine(mine), panel, s2, cov=cov)})
    overall = estimate(combine(post), panel, s2, cov=cov) if post else None
    placebo = estimate(combine(leads), panel, s2, cov=cov) if leads else None
    return Effect(overall=overall, placebo=placebo, events=pd.DataFrame(events), cells=table,
                  treated=tuple(sorted({u for c in post for u in c.treated})),
                  controls=tuple(sorted({u for c in post for u in c.controls})),
                  post_waves=tuple(sorted({c.t for c in post})), s2=s2,
                  mde=mde(overall["se"], alpha, power) if overall else np.nan)


def twfe(panel: pd.DataFrame, cohorts: dict) -> float:
    """The plain two-way fixed-effects coefficient of `exposed` (y ~ directorate + wave + exposed), for
    comparison only: biased under staggered starts with effects that differ (see module doc)."""
    coh = {u: _cohort(cohorts, u) for u in panel["unit"].unique()}
    d = np.array([coh[u] is not None and w >= coh[u] for u, w in zip(panel["unit"], panel["wave"])], dtype=float)
    X = np.hstack([d[:, None], pd.get_dummies(panel["unit"]).to_numpy(float),
                   pd.get_dummies(panel["wave"]).to_numpy(float)[:, 1:]])
    beta = np.linalg.lstsq(X, panel["y"].to_numpy(float), rcond=None)[0]
    return float(beta[0])


# --- exposure as cohorts ---------------------------------------------------------------------------

def plan_cohorts(targets) -> dict[str, int]:
    """Directorate -> start year of its action plan, from the declared targets (`Settings.targets`)."""
    from pipeline.exposure import plan_starts
    return plan_starts([{"scope": list(t.scope), "start_year": t.start_year} for t in targets if t.scope])


def training_doses(snapshots: dict, records: dict, course: str, role: str) -> pd.DataFrame:
    """Per directorate and year the dose: the share of `role` holders with `course` completed (the
    training chapter's linkage of the learning system's export to the register)."""
    from pipeline.analysis.training import participation
    t = participation(snapshots, records, {course: course}, {role: role}, 1.0, by=UNIT)
    return t[[UNIT, "jaar", "n", "getraind", "aandeel"]].assign(jaar=t["jaar"].astype(int))


def training_cohorts(doses: pd.DataFrame, threshold: float) -> dict[str, int]:
    """Directorate -> first year its dose reaches `threshold` (`pipeline.exposure.dose_starts`)."""
    from pipeline.exposure import dose_starts
    return dose_starts({(str(u), int(y)): float(a) for u, y, a in zip(doses[UNIT], doses["jaar"], doses["aandeel"])},
                       threshold)


# --- the verdict ------------------------------------------------------------------------------------

PROVEN, NOT_PROVEN, TOO_EARLY = "aantoonbaar effect", "geen aantoonbaar effect", "nog niet te beoordelen"


def verdict(treated: int, has_effect: bool, placebo_p: float, p_corrected: float, min_treated: int = 2,
            alpha: float = 0.05) -> tuple[str, str]:
    """(code, reason) with code one of the three verdicts, from what results.csv carries. Too early:
    no estimable effect, fewer than `min_treated` exposed directorates with a wave before and after
    their start, or a placebo test that fails (the groups already moved apart before the start: the
    comparison does not hold)."""
    if not has_effect or treated < min_treated:
        return TOO_EARLY, "te weinig directies met een meting vóór én na de start"
    if placebo_p == placebo_p and placebo_p is not None and placebo_p < alpha:
        return TOO_EARLY, "de directies liepen al vóór de start uiteen"
    if p_corrected < alpha:
        return PROVEN, ""
    return NOT_PROVEN, ""


def verdict_of(effect: Effect, p_corrected: float, min_treated: int = 2, alpha: float = 0.05) -> tuple[str, str]:
    """`verdict` of an analysis."""
    return verdict(len(effect.treated), effect.overall is not None and bool(effect.controls),
                   effect.placebo["p"] if effect.placebo else np.nan, p_corrected, min_treated, alpha)

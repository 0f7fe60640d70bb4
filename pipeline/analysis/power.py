"""Power and smallest detectable change of the next wave, for the test the verdict actually runs.

Why: the verdict on a gap change comes from a change estimator (linked waves or not, with or without
the finite-population correction) and a multiplicity correction within a declared family. A power
table that assumes independent waves, an FPC and an unadjusted alpha of 0.05 describes another test
(issue 26). Here the prediction starts from the SE of the test as estimated on the current data and
only rescales it:

    Var(change a->b) = K * F(a, b),
    F = (1/n_a - phi/N) + (1/n_b - phi/N) - 2 rho (m_ab / (n_a n_b) - phi/N),

the variance of a difference of two wave means with m_ab respondents in both waves whose answers
correlate rho (Kish 1965, sec. 12.4, partial overlap), phi = 1 when the test uses the FPC, else 0,
and rho = 0 when the estimator does not link the waves (it then ignores the covariance). K, the unit
variance with the estimator's design effect, weighting and domain share, is solved from the current
test: K = SE_now^2 / F(now). The next wave's SE is sqrt(K * F(next)) at the planned respondents and
the expected overlap. So the prediction follows whichever change estimator produced SE_now.

The family: a verdict is "aantoonbaar" when the corrected p is below alpha. Its effective per-test
threshold (`family_alpha`) is alpha / m for Holm's first step and for Benjamini–Hochberg when it is
the family's only discovery; with R discoveries already, BH's threshold is alpha * (R + 1) / m and
Holm's alpha / (m - R). MDC = (z_{1 - alpha_eff / 2} + z_power) * SE_next.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats


@dataclass(frozen=True)
class Waves:
    """Two waves a change compares: respondents of each, respondents in both that the estimator links,
    the population (None: the test uses no finite-population correction) and the correlation of one
    person's answers across the two waves (0 when the estimator does not link them)."""
    n_a: float
    n_b: float
    both: float = 0.0
    population: float | None = None
    rho: float = 0.0

    def factor(self) -> float:
        phi = 0.0 if self.population is None else 1.0 / float(self.population)
        cov = self.rho * (self.both / (self.n_a * self.n_b) - phi) if self.both > 0 else 0.0
        return (1 / self.n_a - phi) + (1 / self.n_b - phi) - 2 * cov


@dataclass(frozen=True)
class Plan:
    """The next wave: its population, the expected share of its respondents who also answered the
    latest wave, and the correlation rho the estimator will use between the two (0: not linked)."""
    population: float
    overlap: float = 0.0
    rho: float = 0.0


def next_waves(now: Waves, plan: Plan, respondents_next: float) -> Waves:
    """The next comparison: the latest wave (now's b) against a next wave of `respondents_next`, of whom
    a share `plan.overlap` also answered the latest wave (at most all of them); the FPC as now."""
    both = min(plan.overlap * respondents_next, now.n_b) if plan.rho else 0.0
    return Waves(now.n_b, float(respondents_next), both,
                 None if now.population is None else plan.population, plan.rho)


def se_next(se_now: float, now: Waves, nxt: Waves) -> float:
    """SE of the next wave's change by the same estimator: SE_now * sqrt(F(next) / F(now))."""
    f_now, f_next = now.factor(), nxt.factor()
    if not np.isfinite(se_now) or f_now <= 0:
        return float("nan")
    return float(se_now * np.sqrt(max(f_next, 0.0) / f_now))


def family_alpha(alpha: float, m: int, method: str = "bh", discoveries: int = 0) -> float:
    """Per-test threshold a new discovery must meet in a family of `m` tests of which `discoveries`
    are already below alpha after correction: BH alpha (R + 1) / m, Holm alpha / (m - R)."""
    m = max(int(m), 1)
    r = min(max(int(discoveries), 0), m - 1)
    return alpha * (r + 1) / m if method == "bh" else alpha / (m - r)


def multiplier(alpha: float, power: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))


def power_of(change: float, se: float, alpha: float) -> float:
    """Two-sided power of a z-test at `alpha` for a true change `change` with standard error `se`."""
    z, d = stats.norm.ppf(1 - alpha / 2), abs(change) / se
    return float(stats.norm.cdf(d - z) + stats.norm.cdf(-d - z))


def mdc_table(gaps: pd.DataFrame, now: Waves, plan: Plan, response_rates, power: float = 0.8) -> pd.DataFrame:
    """Smallest detectable change of each gap between the latest wave and the next, per response rate.
    `gaps` rows: group_label, indicator, se (the gap-change test's SE on the current data) and alpha
    (the effective per-test alpha of its family, `family_alpha`)."""
    rows = []
    for _, g in gaps.iterrows():
        if pd.isna(g["se"]) or pd.isna(g["alpha"]):
            continue
        m = multiplier(g["alpha"], power)
        for rate in response_rates:
            se = se_next(g["se"], now, next_waves(now, plan, rate * plan.population))
            rows.append({"indicator": g.get("indicator"), "group_label": g["group_label"], "respons": rate,
                         "se_now": g["se"], "alpha": g["alpha"], "mdc": m * se})
    return pd.DataFrame(rows, columns=["indicator", "group_label", "respons", "se_now", "alpha", "mdc"])


def response_needed(se_now: float, now: Waves, plan: Plan, change: float, alpha: float,
                    power: float = 0.8) -> float:
    """The lowest response rate of the next wave at which its MDC is at most `change` (inf if no rate up
    to a census reaches it). Not always monotone: once every respondent of the latest wave answers
    again, more new respondents dilute the linked part, and with rho > 1/2 a difference of means then
    gets less precise; so the first crossing on a grid, refined by root finding."""
    m, f_now = multiplier(alpha, power), now.factor()
    if not np.isfinite(se_now) or f_now <= 0:
        return float("inf")
    phi = 0.0 if now.population is None else 1.0 / float(plan.population)

    def mdc(rate):  # vectorised `se_next` of `next_waves` over response rates
        n_next = np.asarray(rate, dtype=float) * plan.population
        both = np.minimum(plan.overlap * n_next, now.n_b) if plan.rho else np.zeros_like(n_next)
        f = (1 / now.n_b - phi) + (1 / n_next - phi) - 2 * plan.rho * np.where(both > 0, both / (now.n_b * n_next) - phi, 0)
        return m * se_now * np.sqrt(np.maximum(f, 0.0) / f_now)

    grid = np.unique(np.concatenate([np.geomspace(1.0 / plan.population, 1.0, 200), [1.0]]))
    values = mdc(grid) - abs(change)
    hit = np.flatnonzero(np.isfinite(values) & (values <= 0))
    if not len(hit):
        return float("inf")
    i = hit[0]
    if i == 0:
        return float(grid[0])
    return float(optimize.brentq(lambda r: float(mdc(r)) - abs(change), grid[i - 1], grid[i], xtol=1e-12))


def panel_correlation(a: pd.DataFrame, b: pd.DataFrame, indicator: str, key: str = "person_key") -> tuple[float, int]:
    """(rho, persons): the correlation of one person's `indicator` in two waves, over the persons with a
    key and an answer in both (0, 0 when fewer than 30 such persons)."""
    if key not in a or key not in b:
        return 0.0, 0
    x = a[[key, indicator]].dropna().drop_duplicates(key).set_index(key)[indicator]
    y = b[[key, indicator]].dropna().drop_duplicates(key).set_index(key)[indicator]
    both = x.index.intersection(y.index)
    if len(both) < 30:
        return 0.0, int(len(both))
    r = float(np.corrcoef(x[both].astype(float), y[both].astype(float))[0, 1])
    return (r if np.isfinite(r) else 0.0), int(len(both))


def uses_fpc(design) -> bool:
    """Whether a design's variances carry the finite-population correction (the test's frame)."""
    strata = getattr(design, "strata", None)
    return getattr(strata, "N_h", None) is not None


def next_wave_plan(designs: dict, link, indicator: str, waves: list, fpc: bool, population: float,
                   key: str = "person_key") -> tuple[Waves, Plan]:
    """(now, plan) for the gap-change test baseline -> latest wave and the next wave after it.
    `designs`: wave -> design; `link`: `pipeline.analysis.linkage.Linkage` of the test's stack. The
    estimator links two waves when both carry the person key (then rho is the correlation of the
    persons in both, `panel_correlation`); the next wave is expected to overlap the latest as the latest
    overlapped the keyed wave before it."""
    def data(w):
        d = designs[w]
        return d.data[d.domain]
    base, last = waves[0], waves[-1]
    keyed = set(link.keyed) if link.linked else set()
    rho_now, both_now = panel_correlation(data(base), data(last), indicator, key) if {base, last} <= keyed else (0.0, 0)
    n = {w: float(data(w)[indicator].notna().sum()) for w in (base, last)}
    now = Waves(n[base], n[last], both_now, population if fpc else None, rho_now if both_now else 0.0)
    prev = [w for w in link.keyed if w < last] if last in keyed else []
    rho_next, _ = panel_correlation(data(prev[-1]), data(last), indicator, key) if prev else (0.0, 0)
    return now, Plan(population, float(link.overlap.get(last, 0.0)) if prev else 0.0, rho_next)

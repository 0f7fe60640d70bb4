"""Repeated effect measurement across waves: levels, changes, gap changes (difference-in-differences),
trend tests.

Waves are stacked on the harmonised variables (`pipeline.survey.stack`: strata = wave x directorate,
each wave raked to its own register). Changes, gap changes and trends take the stack of
`pipeline.analysis.linkage.stack_for_change` in the frame of the levels: each wave's strata and FPC,
plus the covariance of the respondents linked waves share (the linked-panel estimator). The gap change between waves a and b for group g against its
reference r is the wave x group interaction in a survey-weighted regression on the two waves and the
two groups:  y ~ C(wave) * C(group) [+ the covariates of config `models.gap_change` for the adjusted one].
Beside it, a direct standardisation: each wave's gap re-weighted to the baseline wave's composition
by pay-scale band x age band (point estimate; the regression gives the test).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import Estimates, GroupSizes, Result
from pipeline.labels import group as label
from pipeline.results import Tidy
from pipeline.survey import DesignError, SurveyDesign

def wave_sizes(stacked: SurveyDesign, dims: list[str], waves, wave_col: str = "golf") -> tuple[GroupSizes, ...]:
    """Respondents per group in each wave (with `Estimates(waves=, wave_columns=)`: a group hidden in a
    wave is hidden in that wave's levels and in the changes from or to it, nowhere else)."""
    data = stacked.data
    return tuple(GroupSizes.of(data[data[wave_col] == w], list(dims)) for w in waves)


def levels(stacked: SurveyDesign, indicator: str, dims: list[str], wave_col: str = "golf") -> Result:
    """Weighted level per wave, overall and per group (disclosure: rules 1, 3, 4 in every wave)."""
    rows = [stacked.mean(indicator, by=wave_col).assign(dimension="totaal", group="totaal", group_label="Alle medewerkers")]
    for dim in dims:
        est = stacked.mean(indicator, by=[wave_col, dim])
        est["group"] = est[dim].astype(str)
        est["group_label"] = [label(dim, v) for v in est["group"]]
        rows.append(est.drop(columns=[dim]).assign(dimension=dim))
    out = pd.concat(rows, ignore_index=True).assign(indicator=indicator)
    waves = sorted(stacked.data[wave_col].dropna().unique())
    return Result(out, Estimates(sizes=wave_sizes(stacked, dims, waves, wave_col), keys=(wave_col,),
                                 waves=tuple(waves), wave_columns=(wave_col,), lines=("indicator", wave_col)),
                  tidy=(Tidy("level", {"waves": wave_col}),))


def _span(t: pd.DataFrame):
    return (t["van"].astype(str) + "-" + t["naar"].astype(str)).to_numpy()


def changes(stacked: SurveyDesign, indicator: str, waves: list[int], wave_col: str = "golf",
            dims: list[str] = (), family: str | None = None) -> Result:
    """Change since the baseline (first wave) and since the previous wave, with interval and p,
    overall and per group of `dims` (a group's change is a domain comparison on the stacked design).
    Disclosure: a group hidden in either of the two waves, or with fewer than k respondents in either."""
    rows = []
    data = stacked.data
    pairs = list(dict.fromkeys([*((waves[0], w) for w in waves[1:]), *zip(waves[1:-1], waves[2:])]))
    groups = [("totaal", None)] + [(dim, lv) for dim in dims for lv in sorted(data[dim].dropna().astype(str).unique())]
    found = {}  # (dim, level, wave before, wave after) -> comparison row; one design pass per dim and pair
    for w_prev, w in pairs:
        pair = stacked.subset(data[wave_col].isin([w_prev, w]))
        for dim in ["totaal", *dims]:
            try:
                cmp = pair.compare(indicator, by=wave_col, reference=w_prev, within=None if dim == "totaal" else dim)
            except DesignError:
                continue
            for _, r in cmp[cmp[wave_col] == w].iterrows():
                found[(dim, None if dim == "totaal" else str(r[dim]), w_prev, w)] = r
    for dim, lv in groups:
        for w_prev, w in pairs:
            r = found.get((dim, lv, w_prev, w))
            if r is None:
                continue
            rows.append({"indicator": indicator, "dimension": dim, "group": "totaal" if lv is None else lv,
                         "group_label": "Alle medewerkers" if lv is None else label(dim, lv), "van": w_prev, "naar": w,
                         "soort": "sinds nulmeting" if w_prev == waves[0] else "sinds vorige meting",
                         **{c: r[src] for c, src in
                            (("change", "difference"), ("se", "se"), ("ci_low", "ci_low"), ("ci_high", "ci_high"),
                             ("p", "p"), ("n_van", "n_ref"), ("n_naar", "n"))}})
    return Result(pd.DataFrame(rows), Estimates(n=("n_van", "n_naar"), sizes=wave_sizes(stacked, dims, waves, wave_col),
                                                keys=("van", "naar"), waves=tuple(waves), wave_columns=("van", "naar")),
                  family=family,
                  tidy=(Tidy("change", {"estimate": "change", "n": "n_naar", "waves": _span}),))


def gap_change(stacked: SurveyDesign, indicator: str, dim: str, group, reference, wave_a, wave_b,
               wave_col: str = "golf", covariates: list[str] = ()) -> dict:
    """Difference-in-differences: (gap in wave b) - (gap in wave a), as the wave x group interaction."""
    data = stacked.data
    keep = data[wave_col].isin([wave_a, wave_b]) & data[dim].astype("object").isin([group, reference])
    design = stacked.update(_tr_g=(data[dim].astype("object") == group).astype(float),
                            _tr_w=(data[wave_col] == wave_b).astype(float))
    formula = f"{indicator} ~ _tr_w * _tr_g" + "".join(f" + {t}" for t in covariates)
    try:
        c = design.glm(formula, subset=keep).contrast({"_tr_w:_tr_g": 1})
        out = {"did": c["estimate"], "se": c["se"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
               "p": c["p"], "df": c["df"]}
    except (DesignError, np.linalg.LinAlgError):
        out = {"did": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "df": np.nan}
    return out


def standardised_gap(stacked: SurveyDesign, indicator: str, dim: str, group, reference, wave, baseline,
                     wave_col: str = "golf", cells: tuple[str, str] = ("schaalband", "leeftijdsband")) -> float:
    """Gap in `wave` with both groups re-weighted to the baseline wave's composition over `cells`."""
    cells = [c for c in cells if c != dim]  # a gap between pay-scale bands is not standardised on pay scale
    d = stacked.data[[wave_col, dim, indicator, *cells]].assign(_w=stacked.w).dropna(subset=cells)
    pi = d[d[wave_col] == baseline].groupby(cells, observed=True)["_w"].sum()
    pi = pi / pi.sum()
    cur = d[(d[wave_col] == wave) & d[indicator].notna()]
    cur = cur.assign(_g=cur[dim].astype("object"), _wy=cur["_w"] * cur[indicator])
    sums = cur.groupby(["_g", *cells], observed=True)[["_wy", "_w"]].sum()
    cell_means = sums["_wy"] / sums["_w"]

    def std_mean(level):
        if level not in cell_means.index.get_level_values(0):
            return np.nan
        m = cell_means.xs(level, level="_g")
        common = pi.index.intersection(m.index)
        return float((m[common] * pi[common]).sum() / pi[common].sum()) if len(common) else np.nan
    return std_mean(group) - std_mean(reference)


def gap_changes(stacked: SurveyDesign, indicator: str, dims: list[str], references: dict, waves: list[int],
                wave_col: str = "golf", family: str | None = None, covariates: list[str] = (),
                model: SurveyDesign | None = None, adjusted_model: SurveyDesign | None = None) -> Result:
    """Gap per wave and its change since the baseline, raw, adjusted for `covariates` (config
    `models.gap_change`, or dimension -> its terms, `settings.covariates("gap_change", dim)`: an age
    group is not adjusted for age; none: no adjusted change) and standardised, per group. The raw gap change is
    a contrast of four domain means fitted on `model` (default `stacked`): the change stack of
    `pipeline.analysis.linkage.stack_for_change` in the frame of the levels (the linked-panel estimator);
    the adjusted one, a regression coefficient, on `adjusted_model` (default `model`), the frame of
    models. The gaps per wave and the SE feeding the power calculation (with its FPC) stay on `stacked`.
    Disclosure: a group or reference hidden in any wave, or fewer than k answers in a group x wave."""
    rows = []
    base, last = waves[0], waves[-1]
    for dim in dims:
        ref = references[dim]
        m_all = stacked.mean(indicator, by=[wave_col, dim])
        m_all["_g"] = m_all[dim].astype(str)
        means = m_all.set_index([wave_col, "_g"])["estimate"]
        try:  # SE of each group's gap in the last wave: the input of the power calculation
            last_cmp = stacked.subset(stacked.data[wave_col] == last).compare(indicator, by=dim, reference=ref)
            se_last = dict(zip(last_cmp[dim].astype(str), last_cmp["se"]))
            n_last = dict(zip(last_cmp[dim].astype(str), last_cmp["n"]))
        except DesignError:
            se_last, n_last = {}, {}
        for lv in sorted(stacked.data[dim].dropna().astype(str).unique()):
            if lv == str(ref):
                continue
            n_min = min(int(((stacked.data[wave_col] == w) & (stacked.data[dim].astype(str) == x)
                             & stacked.data[indicator].notna()).sum()) for w in (base, last) for x in (lv, str(ref)))
            raw = gap_change(model or stacked, indicator, dim, lv, ref, base, last, wave_col)
            terms = covariates(dim) if callable(covariates) else covariates
            adj = gap_change(adjusted_model or model or stacked, indicator, dim, lv, ref, base, last, wave_col,
                             terms) if terms \
                else dict.fromkeys(raw, np.nan)
            gaps = {w: means.get((w, lv), np.nan) - means.get((w, str(ref)), np.nan) for w in waves}
            rows.append({"indicator": indicator, "dimension": dim, "group": lv, "group_label": label(dim, lv),
                         "reference": label(dim, ref), **{f"gap_{w}": gaps[w] for w in waves},
                         "did": raw["did"], "se": raw["se"], "ci_low": raw["ci_low"], "ci_high": raw["ci_high"],
                         "p": raw["p"], "did_adjusted": adj["did"], "p_adjusted": adj["p"],
                         "did_standardised": standardised_gap(stacked, indicator, dim, lv, ref, last, base, wave_col)
                         - standardised_gap(stacked, indicator, dim, lv, ref, base, base, wave_col),
                         "se_gap_last": se_last.get(lv, np.nan), "n_last": n_last.get(lv, np.nan),
                         "n_min": n_min, "reference_key": str(ref)})
    return Result(pd.DataFrame(rows), Estimates(n=("n_min",), sizes=wave_sizes(stacked, dims, waves, wave_col),
                                                reference="reference_key"), family=family,
                  tidy=(*(Tidy("gap", {"estimate": f"gap_{w}", "reference": "reference_key"},
                               {"waves": str(w), "se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan,
                                "p_bh": np.nan, "n": np.nan}) for w in (base, last)),
                        Tidy("gap_change", {"estimate": "did", "reference": "reference_key", "n": "n_min"},
                             {"waves": f"{base}-{last}"}),
                        Tidy("adjusted_gap_change", {"estimate": "did_adjusted", "p": "p_adjusted",
                                                     "reference": "reference_key", "n": "n_min"},
                             {"waves": f"{base}-{last}", **{"se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_bh": np.nan}}),
                        Tidy("standardised_gap_change", {"estimate": "did_standardised", "reference": "reference_key",
                                                         "n": "n_min"},
                             {"waves": f"{base}-{last}", "p": np.nan, **{"se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_bh": np.nan}})))


def trend_test(stacked: SurveyDesign, indicator: str, wave_col: str = "golf", dim: str | None = None,
               group=None, reference=None) -> dict:
    """Linear trend over 3+ waves: slope per year of y (or of the gap, as year x group) in svyglm."""
    data = stacked.data
    year = pd.to_numeric(data[wave_col]).astype(float)
    if dim is None:
        design, keep = stacked.update(_tr_t=year - year.min()), None
        formula, term = f"{indicator} ~ _tr_t", "_tr_t"
    else:
        keep = data[dim].astype("object").isin([group, reference])
        design = stacked.update(_tr_t=year - year.min(), _tr_g=(data[dim].astype("object") == group).astype(float))
        formula, term = f"{indicator} ~ _tr_t * _tr_g", "_tr_t:_tr_g"
    r = design.glm(formula, subset=keep).contrast({term: 1})
    return {"slope": r["estimate"], "se": r["se"], "p": r["p"], "ci_low": r["ci_low"], "ci_high": r["ci_high"]}


# The power of the next wave: pipeline.analysis.power (the test that is run, its family's threshold).

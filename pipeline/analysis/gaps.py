"""Group differences in a construct: raw gap vs the reference group (design-based t test, Cohen's d),
the adjusted gap from a survey-weighted regression, and Benjamini-Hochberg over the chapter's family.

Why one table: the forest plot, the Dutch summary and the Excel export all read the same tidy rows.
Every function returns an unsuppressed `Result` that declares its disclosure rule;
`pipeline.disclosure.publish` applies it (and the chapter's Benjamini–Hochberg family) once.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import ABSENT, ABSENT_FRAME, Distribution, Estimates, GroupSizes, Result
from pipeline.results import Tidy
from pipeline.labels import group as label
from pipeline.settings import term_variable
from pipeline.survey import DesignError, SurveyDesign

# Interval of every published share: Korn-Graubard (svyciprop(method = "beta")), as statistics offices
# use for proportions from complex samples; it never has zero width at 0 or 1, where a logit interval
# reads "0 (0-0)" for a small group in which nobody said yes.
SHARE_INTERVAL = "beta"


ADJ_COLUMNS = ["group", "adj_difference", "adj_se", "adj_ci_low", "adj_ci_high", "adj_p", "adj_n", "adj_n_ref"]


def adjusted_gaps(design: SurveyDesign, construct: str, dim: str, reference: str, controls: list[str]) -> pd.DataFrame:
    """Coefficients of `dim` in construct ~ dim + controls (config `models.adjusted_gap`: pay-scale band,
    age band, tenure, directorate, less the terms on `dim` itself): the *direct* gap at equal pay scale,
    age, tenure and directorate. Pay scale lies on the path from e.g. origin to the outcome (a
    mediator), so this is not "the real gap" but the part not running through those variables.

    The model uses the respondents with every covariate known (complete cases): `adj_n`/`adj_n_ref`
    are those per group, published next to the raw gap's n. `design` decides the inference frame
    (without FPC for the superpopulation frame)."""
    formula = f"{construct} ~ C({dim}, Treatment({reference!r})) + " + " + ".join(controls)
    try:
        fit = design.glm(formula)
    except DesignError:
        return pd.DataFrame(columns=ADJ_COLUMNS)
    prefix = f"C({dim}, Treatment({reference!r}))[T."
    rows = fit[fit["term"].str.startswith(prefix)].copy()
    rows["group"] = rows["term"].str[len(prefix):-1]
    data = design.data
    used = [construct, dim, *(v for v in map(term_variable, controls) if v)]
    complete = data[used].notna().all(axis=1) & design.domain
    n = data.loc[complete, dim].astype(str).value_counts()
    rows["adj_n"] = rows["group"].map(n).fillna(0).astype(int)
    rows["adj_n_ref"] = int(n.get(str(reference), 0))
    return rows.rename(columns={"estimate": "adj_difference", "se": "adj_se", "ci_low": "adj_ci_low",
                                "ci_high": "adj_ci_high", "p": "adj_p"})[ADJ_COLUMNS]


def gap_table(design: SurveyDesign, constructs: list[str], dims: list[str], references: dict,
              intersections: list[list[str]], adjust_for=None, family: str = "groepsverschillen",
              model: SurveyDesign | None = None) -> Result:
    """Tidy gaps for every construct x group (and intersection) against the reference group; with
    `adjust_for` (dimension -> covariate terms, e.g. `settings.covariates("adjusted_gap", dim)`) also the
    adjusted gap of each single dimension, fitted on `model` (default `design`; e.g. the design
    without FPC in the superpopulation frame).

    Disclosure (rules 1-4): a comparison is hidden when its group or its reference group is hidden or
    either has fewer than k respondents (raw or adjusted); `p_bh` and `adj_p_bh` are Benjamini–Hochberg
    over the visible raw and adjusted tests of `family` together."""
    rows = []
    for c in constructs:
        for dim in [*dims, *intersections]:
            cols = [dim] if isinstance(dim, str) else list(dim)
            ref = tuple(references[d] for d in cols)
            try:
                cmp = design.compare(c, by=cols, reference=ref if len(ref) > 1 else ref[0])
            except DesignError:
                continue  # reference group absent in this wave: nothing to compare
            cmp["group"] = cmp[cols].astype(str).agg("/".join, axis=1)
            cmp["dimension"] = "×".join(cols)
            cmp["group_label"] = [" × ".join(label(d, v) for d, v in zip(cols, g.split("/"))) for g in cmp["group"]]
            cmp["construct"] = c
            cmp["reference"] = " × ".join(label(d, r) for d, r in zip(cols, ref))
            cmp["reference_key"] = "/".join(map(str, ref))
            if adjust_for is not None and len(cols) == 1:
                cmp = cmp.merge(adjusted_gaps(model or design, c, cols[0], ref[0], adjust_for(cols[0])), on="group",
                                how="left")
            rows.append(cmp.drop(columns=cols))
    out = pd.concat(rows, ignore_index=True)
    for col in ADJ_COLUMNS[1:]:
        if col not in out:
            out[col] = np.nan
    out["p_bh"] = np.nan
    out["adj_p_bh"] = np.nan
    keep = ["construct", "dimension", "group", "group_label", "reference", "estimate", "ref_estimate",
            "difference", "se", "ci_low", "ci_high", "p", "p_bh", "cohens_d", "adj_difference", "adj_se",
            "adj_ci_low", "adj_ci_high", "adj_p", "adj_p_bh", "n", "n_ref", "adj_n", "adj_n_ref", "reference_key"]
    sizes = GroupSizes.of(design.data, dims, [list(i) for i in intersections], references)
    tidy = (Tidy("gap", {"indicator": "construct", "estimate": "difference", "reference": "reference_key"}),
            Tidy("adjusted_gap", {"indicator": "construct", "estimate": "adj_difference", "se": "adj_se",
                                  "ci_low": "adj_ci_low", "ci_high": "adj_ci_high", "p": "adj_p",
                                  "p_bh": "adj_p_bh", "n": "adj_n", "reference": "reference_key",
                                  "suppressed": "onderdrukt:adj_difference"}))
    return Result(out[keep], Estimates(n=("n", "n_ref"), sizes=(sizes,), reference="reference_key",
                                       parts=((("adj_n", "adj_n_ref"), ("adj_difference", "adj_se", "adj_ci_low",
                                                                       "adj_ci_high", "adj_p", "adj_p_bh", "adj_n",
                                                                       "adj_n_ref")),),
                                       item=("construct",), nested_n=(("adj_n", "n"), ("adj_n_ref", "n_ref"))),
                  family=family, p=("p", "adj_p"), tidy=tidy)


def yes_counts(data: pd.DataFrame, variables: list[str], dims, nested: dict[str, str] | None = None,
               name: str = "indicator") -> pd.DataFrame:
    """Unweighted respondents answering 1 (n_ja) on each variable and, for a nested share (`nested`:
    variable -> parent, the variable is 1 only where the parent is 1: e.g. reported -> satisfied),
    the nested sub-group's n (n_sub: parent 1 and the variable answered), overall ('totaal') and per
    level of each dimension: what rule 6 of pipeline.disclosure.suppress checks."""
    nested = {v: p for v, p in (nested or {}).items() if v in variables}
    y = data[variables].apply(pd.to_numeric, errors="coerce")
    parts = {f"ja|{v}": (y[v] == 1).astype(int) for v in variables}
    parts |= {f"sub|{v}": ((pd.to_numeric(data[p], errors="coerce") == 1) & y[v].notna()).astype(int)
              for v, p in nested.items()}
    frame = pd.DataFrame(parts, index=data.index)
    tabs = [frame.sum().to_frame().T.assign(dimension="totaal", group="totaal")]
    for dim in dims:
        g = frame.groupby(data[dim], observed=True, dropna=True).sum()
        g.index = g.index.astype(str)
        tabs.append(g.rename_axis("group").reset_index().assign(dimension=dim))
    wide = pd.concat(tabs, ignore_index=True)
    rows = []
    for v in variables:
        rows.append(pd.DataFrame({name: v, "dimension": wide["dimension"], "group": wide["group"],
                                  "n_ja": wide[f"ja|{v}"].astype(float),
                                  "n_sub": wide[f"sub|{v}"].astype(float) if v in nested else np.nan}))
    return pd.concat(rows, ignore_index=True)


def level_table(design: SurveyDesign, constructs: list[str], dims: list[str], *,
                estimator: str = "mean", name: str = "construct", nested: dict[str, str] | None = None) -> Result:
    """Weighted level (`mean`, or `proportion` with SHARE_INTERVAL intervals) per variable, overall and
    per group, with interval. Disclosure: rules 1, 3, 4 on the respondents per group; for proportions
    also rule 6 (yes and no both at least k, for a `nested` share: variable -> parent, in the nested
    sub-group too), with the complement per indicator."""
    estimate = getattr(design, estimator)
    if estimator == "proportion":
        def estimate(var, by=None):
            return design.proportion(var, by, method=SHARE_INTERVAL)
    rows = []
    for c in constructs:
        rows.append(estimate(c).assign(**{name: c}, dimension="totaal", group="totaal",
                                       group_label="Alle medewerkers"))
        for dim in dims:
            est = estimate(c, by=dim)
            est["group"] = est[dim].astype(str)
            est["group_label"] = [label(dim, v) for v in est["group"]]
            rows.append(est.drop(columns=[dim]).assign(**{name: c}, dimension=dim))
    out = pd.concat(rows, ignore_index=True)
    cols = [name, "dimension", "group", "group_label", "estimate", "se", "ci_low", "ci_high", "n", "deff"]
    statistic = "level" if estimator == "mean" else "share"
    # respondents and yes-counts of the design's domain (a subset, e.g. young leavers), not of every row
    # of the data it came from (issue 25: reasons of young leavers by origin implied 1, 2, 4 and 6)
    inside = design.data[design.domain]
    sizes = (GroupSizes.of(inside, dims),)
    if estimator != "proportion":
        return Result(out[cols], Estimates(sizes=sizes, item=(name,)), tidy=(Tidy(statistic, {"indicator": name}),))
    counts = yes_counts(inside, constructs, dims, nested, name)
    out = out[cols].merge(counts, on=[name, "dimension", "group"], how="left")
    return Result(out, Estimates(sizes=sizes, shares=(("n_ja", "n"), ("n_ja", "n_sub")), item=(name,), implied="estimate"),
                  tidy=(Tidy(statistic, {"indicator": name}),))


def summary_nl(gaps: pd.DataFrame, labels: dict[str, str], alpha: float = 0.05, scales: dict | None = None) -> str:
    """Plain-Dutch summary generated from the (published) gap table, in the report's reader words:
    the demonstrable gaps (after correction for the number of comparisons), largest first, in points
    with their 95%-interval; `scales`: construct -> (low, high), for "op een schaal van 1 tot 5"."""
    from pipeline import labels as catalogue
    from pipeline.report import numbers as num
    sig = gaps[(gaps["p_bh"] < alpha) & gaps["dimension"].str.count("×").eq(0)].copy()
    lines = []
    for c, g in sig.groupby("construct", sort=False):
        g = g.reindex(g["difference"].abs().sort_values(ascending=False).index)
        parts = []
        for _, r in g.head(4).iterrows():
            richting = "lager" if r["difference"] < 0 else "hoger"
            parts.append(f"{r['group_label']} scoort {num.decimal(abs(r['difference']), 2)} punt {richting} dan "
                         f"{r['reference']} (95%-interval {num.decimal(r['ci_low'], 2, sign=True)} tot "
                         f"{num.decimal(r['ci_high'], 2, sign=True)})")
        lo, hi = (scales or {}).get(c, (None, None))
        unit = f", op een schaal van {num.integer(lo)} tot {num.integer(hi)}" if lo is not None and hi is not None else ""
        name = labels.get(c) or catalogue.column(c)
        lines.append(f"- **{name}**{unit}:\n" + "\n".join(f"    - {p}." for p in parts))
    if not lines:
        return ("Geen van de groepsverschillen is aantoonbaar, na correctie voor de vele vergelijkingen. De "
                "verschillen kunnen toeval zijn.")
    n_sig, n_all = int((gaps["p_bh"] < alpha).sum()), int(gaps["p_bh"].notna().sum())
    return (f"We vergeleken {num.integer(n_all)} keer een groep met haar referentiegroep. Bij {num.integer(n_sig)} "
            "daarvan is er een aantoonbaar verschil, na correctie voor de vele vergelijkingen. De grootste verschillen "
            "per schaal:\n\n" + "\n".join(lines))


def likert_shares(design: SurveyDesign, items: list[str], by: str | None = None) -> Result:
    """Weighted answer distribution per item (and per group of `by`), for stacked bars.

    Shares are design-weighted point estimates; n is the group's respondents answering the item.
    Disclosure (`Distribution`): a group with fewer than k of them, or hidden by rules 1-3, is left out
    of the figure; answers given by fewer than k (or by all but fewer than k) are merged with a
    neighbouring answer (rule 6)."""
    d = design.data.assign(_w=design.w)
    rows = []
    for it in items:
        x = d[[it, "_w"] + ([by] if by else [])].dropna()
        groups = x.groupby(by, observed=True) if by else [("totaal", x)]
        for g, sub in groups:
            per = sub.groupby(it)["_w"].agg(["sum", "size"])
            shares = per["sum"] / sub["_w"].sum()
            for v, sh in shares.items():
                rows.append({"item": it, "group": str(g), "group_label": label(by, g) if by else "Alle medewerkers",
                             "answer": int(v), "share": float(sh), "n": len(sub), "count": int(per.loc[v, "size"])})
    out = pd.DataFrame(rows, columns=["item", "group", "group_label", "answer", "share", "n", "count"])
    out.insert(0, "dimension", by or "totaal")
    sizes = (GroupSizes.of(d, [by]),) if by else ()
    return Result(out, Distribution(sizes=sizes),
                  tidy=(Tidy("answer_share", {"indicator": "item", "estimate": "share", "category": _answers}),))


def _answers(t: pd.DataFrame) -> np.ndarray:
    """The answer (or merged answers 'a-b', see `Distribution`) a published share is about."""
    first = t["answer"].astype(int).astype(str)
    last = t["answer_tot"].astype(int).astype(str) if "answer_tot" in t else first
    return np.where(first == last, first, first + "-" + last)


def directorate_table(design: SurveyDesign, construct: str, names: dict | None = None, *,
                      max_half_width: float | None = None, family: str | None = None,
                      frame: pd.Series | None = None, wave=None) -> Result:
    """Weighted level per directorate with interval; small directorates hidden (with a complement).

    With `family`: each directorate against the REST of the organisation (the directorate left out of
    the reference), a design-based contrast of two disjoint domains of one design, as R's
    svycontrast(svyby(~y, ~I(dir == d), design, svymean), c(-1, 1)), with t on the design's df; the
    tests form that family (p_bh over it). With `max_half_width`: a level whose 95% half-width is
    wider is not shown ('te onzeker om te tonen', column `te_onzeker`) and not tested.
    With `frame` (headcount per directorate in the wave's frame, e.g. its register) a directorate of the
    frame without respondents keeps its row: "geen respondenten in <wave>" where that is public
    (publish.ABSENT), else hidden like any small directorate; it never silently drops out."""
    est = design.mean(construct, by="directie_code")
    est["group"] = est["directie_code"].astype(str)
    if frame is not None:
        frame = frame[frame > 0]
        missing = [str(c) for c in frame.index if str(c) not in set(est["group"])]
        if missing:
            est = pd.concat([est, pd.DataFrame({"directie_code": missing, "group": missing, "n": 0})],
                            ignore_index=True)
            sizes = frame.rename(index=str).reindex(est["group"]).to_numpy()
            est[ABSENT] = np.where(est["n"].eq(0), f"geen respondenten in {wave}", "")
            est[ABSENT_FRAME] = np.where(est["n"].eq(0), sizes, np.nan)
    est["group_label"] = est["group"].map(names or {}).fillna(est["group"])
    est["dimension"] = "directie_code"
    cols = ["dimension", "group", "group_label", "estimate", "ci_low", "ci_high", "n",
            *(c for c in (ABSENT, ABSENT_FRAME) if c in est)]
    rule = Estimates(sizes=(GroupSizes.of(design.data, ["directie_code"]),))
    if family is None and max_half_width is None:
        return Result(est[cols], rule, tidy=(Tidy("level", constants={"indicator": construct}),))
    unsure = ((est["ci_high"] - est["ci_low"]) / 2 > max_half_width).to_numpy() if max_half_width is not None \
        else np.zeros(len(est), dtype=bool)
    est = est.assign(te_onzeker=unsure)
    diff = versus_rest(design, construct, est.loc[est["n"] > 0, "group"].tolist())
    est = est.merge(diff, on="group", how="left")
    for c in ("estimate", "ci_low", "ci_high", "verschil", "verschil_se", "verschil_laag", "verschil_hoog", "p"):
        est[c] = est[c].where(~est["te_onzeker"])
    est["p_bh"] = np.nan
    nan = lambda t: np.full(len(t), np.nan)  # noqa: E731
    tidy = (Tidy("level", {"p": nan, "p_bh": nan}, {"indicator": construct}),
            Tidy("directorate_vs_rest", {"estimate": "verschil", "se": "verschil_se", "ci_low": "verschil_laag",
                                         "ci_high": "verschil_hoog"}, {"indicator": construct, "reference": "rest"}))
    return Result(est[[*cols, "te_onzeker", "verschil", "verschil_se", "verschil_laag", "verschil_hoog", "p", "p_bh"]],
                  rule, family=family, tidy=tidy)


def versus_rest(design: SurveyDesign, construct: str, codes: list[str]) -> pd.DataFrame:
    """Per directorate: its mean minus the mean of all other respondents, linearised SE (both domains of
    the one design; one covariance pass for all directorates), t interval and p on the design's df."""
    from scipy import stats as st

    from pipeline.survey.variance import design_covariance
    y = pd.to_numeric(design.data[construct], errors="coerce").to_numpy(float)
    d = design.data["directie_code"].astype(str).to_numpy()
    valid = ~np.isnan(y) & design.domain
    w, y0 = design.w, np.nan_to_num(y)
    index = {c: j for j, c in enumerate(codes)}
    code = np.array([index.get(v, -1) for v in d])
    D = len(codes)
    inside = valid & (code >= 0)
    Wa = np.bincount(code[inside], weights=w[inside], minlength=D)
    Ta = np.bincount(code[inside], weights=(w * y0)[inside], minlength=D)
    W, T = w[valid].sum(), (w * y0)[valid].sum()
    Wb, Tb = W - Wa, T - Ta
    ma, mb = Ta / Wa, Tb / Wb
    # influence of (mean in d) - (mean of the rest), every directorate at once
    mine = (code[:, None] == np.arange(D)[None, :]) & valid[:, None]
    rest = ~mine & valid[:, None]
    wy = (w * y0)[:, None]
    U = np.where(mine, (wy - w[:, None] * ma) / Wa, 0.0) - np.where(rest, (wy - w[:, None] * mb) / Wb, 0.0)
    diffs = ma - mb
    V = design_covariance(U, design.strata, design.lonely_psu, design.calibration)
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    diff = np.array(diffs)
    df = max(design.degf, 1)
    half = st.t.ppf(0.5 + design.level / 2, df) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * st.t.sf(np.abs(diff / se), df)
    return pd.DataFrame({"group": codes, "verschil": diff, "verschil_se": se, "verschil_laag": diff - half,
                         "verschil_hoog": diff + half, "p": p})

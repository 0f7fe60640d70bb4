"""Exit feedback linked to the register's outflow: who leaves, who answers, and why they leave.

Why linked: the questionnaire only reaches those who answer, and response differs by group (young
leavers answer less). Linked to the register by the pseudonymous key, every respondent is a known
leaver (in the register at the start of the year, not at its end), so the response per group is
known exactly and the answers are weighted to all leavers: within weighting cells (age group x
origin from the register) each respondent stands for N_cell / n_cell leavers. The cells are the
strata of the design, with the leavers per cell as finite population, so SEs are design-based.
Groups come from the register, not from the form (complete and the same as everywhere else).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import Estimates, GroupSizes, LinkedCounts, Result, Rounding
from pipeline.disclosure.suppress import round_base
from pipeline.labels import dimension, group as label
from pipeline.results import Tidy
from pipeline.survey import SurveyDesign

GROUPS = ("jong", "herkomst_oud", "geslacht", "schaalband", "leeftijdsband", "directie_code")
CELLS = ("leeftijdscel", "herkomst_oud")
CELL_AGES = (35, 55, 65)   # weighting-cell age bands: <35, 35-54, 55-64, 65+
YESNO = ("aanbevelen", "uitsluiting", "discriminatie")
UNKNOWN = "onbekend"


def _named(dim: str, level) -> str:
    """A group's label. The unknown level of a dimension that does not list one is named with its
    dimension ("Migratieachtergrond onbekend"): capitalised like the other rows, and never the same
    words as another dimension's unknown level in the same table ("Onbekend" of gender)."""
    name = label(dim, level)
    if str(level) == UNKNOWN and name == UNKNOWN:
        return f"{dimension(dim).split(' (')[0]} onbekend"
    return name


def leavers(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Register rows at the start of the year whose person is gone at its end."""
    return before[~before["pseudo_id"].isin(set(after["pseudo_id"]))].reset_index(drop=True)


def flow_and_response(before: pd.DataFrame, left: pd.DataFrame, answers: pd.DataFrame, year: int,
                      dims=("jong", "herkomst_oud", "geslacht", "schaalband")) -> tuple[Result, Result]:
    """(outflow per group: leavers of the staff at the start; response per group: respondents of the
    leavers), per dimension in `dims` and in total. Register counts under the linked-table rule."""
    responded = left["pseudo_id"].isin(set(answers["pseudo_id"]))
    out_rows, resp_rows = [], []
    for dim in ["totaal", *dims]:
        start = before[dim].astype("object") if dim != "totaal" else pd.Series("totaal", index=before.index)
        gone = left[dim].astype("object") if dim != "totaal" else pd.Series("totaal", index=left.index)
        col = before[dim] if dim != "totaal" else None
        levels = (list(col.cat.categories) if isinstance(getattr(col, "dtype", None), pd.CategoricalDtype)
                  else sorted(start.dropna().unique()))
        if start.isna().any() or gone.isna().any():
            # the unknown level is a row of its own: otherwise it is the total minus the listed rows,
            # a cell no rule sees (issue 25: unknown-gender leavers = total - the gender rows)
            start, gone = start.fillna(UNKNOWN), gone.fillna(UNKNOWN)
            levels = [*levels, UNKNOWN]
        for level in [lv for lv in levels if (start == lv).any()]:
            n0, nl = int((start == level).sum()), int((gone == level).sum())
            nr = int(((gone == level) & responded).sum())
            base = {"jaar": str(year), "dimension": dim, "group": str(level),
                    "group_label": "Alle medewerkers" if dim == "totaal" else _named(dim, level)}
            out_rows.append({**base, "aantal": nl, "noemer": n0, "rate": nl / n0 if n0 else np.nan})
            resp_rows.append({**base, "aantal": nr, "noemer": nl, "rate": nr / nl if nl else np.nan})
    order = {d: i for i, d in enumerate(["totaal", *dims])}

    def result(rows, indicator, register_counts):
        t = pd.DataFrame(rows)
        t = t.iloc[np.argsort(t["dimension"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
        t.insert(0, "tabel", t["jaar"] + " " + t["dimension"])
        # the levels of a dimension add up to the published total: the linked-table rule hides a small
        # cell (or its complement) together with a second one, so it cannot be found by subtraction.
        # Leavers and staff are register counts, the same cells as chapter 04's outflow: the register's
        # rounding rule, and rates of the rounded counts (respondents are survey counts, exact)
        rounding = Rounding(counts=register_counts, rates=("rate",), ratios=(("rate", "aantal", "noemer"),))
        return Result(t, LinkedCounts(unit="group", pairs=(("aantal", "noemer"),), shares={"aantal": "rate"},
                                      total="noemer", year="tabel", rounding=rounding),
                      tidy=(Tidy("rate", {"estimate": "rate", "n": "noemer", "waves": "jaar"}, {"indicator": indicator}),))
    return result(out_rows, "outflow", ("aantal", "noemer")), result(resp_rows, "exit_response", ("noemer",))


def response_by_unit(left: pd.DataFrame, answers: pd.DataFrame, year: int, unit: str = "directie_code",
                     base: int = 5) -> Result:
    """Leavers and respondents per directorate; both cells (answered / not) of each directorate sum to
    the published city totals, so the linked-table rule with secondary suppression applies."""
    responded = left["pseudo_id"].isin(set(answers["pseudo_id"]))
    g = pd.DataFrame({unit: left[unit].astype(str), "r": responded}).groupby(unit)["r"].agg(["size", "sum"])
    t = pd.DataFrame({"jaar": str(year), unit: g.index, "vertrekkers": g["size"].to_numpy(),
                      "respondenten": g["sum"].to_numpy()})
    t["respons"] = t["respondenten"] / t["vertrekkers"]
    # the leavers are printed rounded to `base`, the respondents exact: a reader takes the non-respondents
    # as at least the rounded leavers minus half a base minus the respondents (issue 25 A7: 12 of '20'
    # read as 8 not answering), so that lower bound is checked as a count too (audit only)
    t["vertrekkers_laag"] = np.maximum(round_base(t["vertrekkers"], base) - base // 2, 0)
    rounding = Rounding(counts=("vertrekkers",), rates=("respons",), ratios=(("respons", "respondenten", "vertrekkers"),))
    return Result(t, LinkedCounts(unit=unit, pairs=(("respondenten", "vertrekkers"), ("respondenten", "vertrekkers_laag")),
                                  shares={"respondenten": "respons"}, total="vertrekkers", year="jaar",
                                  rounding=rounding, audit_only=("vertrekkers_laag",)),
                  tidy=(Tidy("rate", {"estimate": "respons", "n": "vertrekkers", "waves": "jaar", "group": unit},
                             {"indicator": "exit_response", "dimension": unit}),))


def design(answers: pd.DataFrame, left: pd.DataFrame, cells=CELLS) -> tuple[SurveyDesign, dict]:
    """The respondents linked to their leaver record, weighted to all leavers within cells; returns
    (design, report: linked, not linked, cells, smallest cell). A cell without respondents cannot be
    represented: its leavers are counted in the report and left out of the frame."""
    own = [c for c in answers.columns if c not in left.columns or c == "pseudo_id"]
    if "leeftijd" in left:  # exact age (hand-made frames); processed registers carry the cell itself
        left = left.assign(leeftijdscel=pd.cut(pd.to_numeric(left["leeftijd"], errors="coerce").astype(float),
                                               [-np.inf, *CELL_AGES, np.inf], right=False,
                                               labels=["<35", "35-54", "55-64", "65+"]).astype("object"))
    else:
        left = left.assign(leeftijdscel=left["leeftijdscel"].astype("object"))
    df = answers[own].merge(left[["pseudo_id", "leeftijdscel", *[g for g in GROUPS if g in left]]], on="pseudo_id",
                            how="inner")
    cell = lambda d: d[list(cells)].astype("object").fillna("onbekend").astype(str).agg("/".join, axis=1)  # noqa: E731
    N = cell(left).value_counts()
    df["cel"] = cell(df)
    n = df["cel"].value_counts()
    df["N_cel"] = df["cel"].map(N).astype(float)
    df["w"] = df["N_cel"] / df["cel"].map(n)
    # outcomes as 0/1 for proportions
    for col in YESNO:
        df[col] = (df[col].astype("object") == "ja").astype(float).where(df[col].notna())
    report = {"respondents": int(len(answers)), "linked": int(len(df)), "not_linked": int(len(answers) - len(df)),
              "leavers": int(len(left)), "cells": int(len(n)),
              "leavers_unrepresented": int(N[~N.index.isin(n.index)].sum())}
    # a cell with one respondent: centred at the grand mean (R's survey.lonely.psu = "adjust"), conservative
    return SurveyDesign(df.reset_index(drop=True), weights="w", strata="cel", fpc="N_cel", lonely_psu="adjust"), report


def unknown_level(design: SurveyDesign, column: str) -> SurveyDesign:
    """`design` with the missing values of `column` as a level of their own (UNKNOWN, the last level):
    a table by `column` then has a row for it (hidden when small), so no level is the table's total
    minus its rows (issue 25 A2: young leavers of unknown origin = 234 - 139 - 31 - 56 = 8)."""
    x = design.data[column]
    x = x.cat.add_categories([UNKNOWN]) if isinstance(x.dtype, pd.CategoricalDtype) else x.astype("object")
    return design.update(**{column: x.fillna(UNKNOWN)})


def young_vs_older(design: SurveyDesign, outcomes: list[str], reference: str = "nee",
                   family: str = "exit_jong", proportions: tuple[str, ...] = ()) -> Result:
    """Each outcome among young leavers against older leavers: weighted difference, design-based SE,
    t test (BH over the family). Disclosure: both groups need k respondents; for the 0/1 outcomes in
    `proportions` also the attribute rule on each side (yes and no both at least k, share x n too), as
    in the level table by age: the two shares are the same cells (issue 25 A1: pension among young
    leavers hidden there, shown here as 0.0074 of 234)."""
    rows = []
    for var in outcomes:
        cmp = design.compare(var, by="jong", reference=reference)
        rows.append(cmp.drop(columns=["jong"]).assign(vraag=var))   # the group column; its estimate becomes `jong`
    out = pd.concat(rows, ignore_index=True).rename(columns={"estimate": "jong", "ref_estimate": "ouder"})
    out["p_bh"] = np.nan
    cols = ["vraag", "jong", "ouder", "difference", "se", "ci_low", "ci_high", "p", "p_bh", "n", "n_ref"]
    sizes = GroupSizes.of(design.data, ["jong"])
    rule = Estimates(n=("n", "n_ref"), sizes=(sizes,))
    props = [v for v in outcomes if v in proportions]
    if props:  # yes-counts per side, in the design's domain; a mean's row has no base (NaN: not checked)
        inside = design.data[design.domain]
        young = inside["jong"].astype("object") == "ja"
        old = inside["jong"].astype("object") == reference
        y = inside[props].apply(pd.to_numeric, errors="coerce")
        yes = {v: ((y[v] == 1) & young).sum() for v in props}
        yes_ref = {v: ((y[v] == 1) & old).sum() for v in props}
        prop = out["vraag"].isin(props)
        out["n_ja"] = out["vraag"].map(yes).astype(float)
        out["n_ja_ref"] = out["vraag"].map(yes_ref).astype(float)
        out["n_base"] = out["n"].astype(float).where(prop)
        out["n_base_ref"] = out["n_ref"].astype(float).where(prop)
        cols += ["n_ja", "n_ja_ref", "n_base", "n_base_ref"]
        rule = Estimates(n=("n", "n_ref"), sizes=(sizes,), shares=(("n_ja", "n_base"), ("n_ja_ref", "n_base_ref")),
                         implied="jong")
    return Result(out[cols], rule, family=family,
                  tidy=(Tidy("gap", {"indicator": "vraag", "estimate": "difference"},
                             {"dimension": "jong", "group": "ja", "reference": reference}),))

"""Sensitivity of each scale's level to the careless-responding rule (config `careless`), per wave.

Both levels on ONE raked design of all respondents (the flagged ones included): the level without
the flagged respondents is a domain mean of that design, so the difference and its SE account for
the overlap of the two samples (`SurveyDesign.nested_difference`). The published levels in the other
chapters follow the rule (`action`); this table shows how much the rule moves them.
"""
from __future__ import annotations

import pandas as pd

from pipeline.clean.careless import FLAG
from pipeline.disclosure.publish import Estimates, Result
from pipeline.results import Tidy
from pipeline.weight import weighted_design

COLUMNS = ["bron", "meting", "schaal", "met", "zonder", "verschil", "se", "ci_low", "ci_high", "n", "n_zonder", "n_gemarkeerd"]


def sensitivity_rows(settings, survey: pd.DataFrame, register: pd.DataFrame, cb, wave: int) -> pd.DataFrame:
    """Per scale of the codebook: its level with all respondents (`met`), without the flagged ones
    (`zonder`), their difference (zonder - met) with SE and 95% interval. `register`: the survey's own
    population (the staff of its year; for the exit survey the year's leavers, weighted as chapter 09)."""
    w = settings["weighting"]
    rows = []
    if FLAG in survey and len(survey):
        if cb.population == "leavers":
            from pipeline.analysis.exit import design as leaver_design
            design, _ = leaver_design(survey.reset_index(drop=True), register)
        else:
            design, _ = weighted_design(survey.reset_index(drop=True), register, strata=w["strata"],
                                        margins=w["margins"], origin=tuple(w.get("origin") or ()) or None,
                                        trim=tuple(w["trim"]) if w.get("trim") else None)
        flagged = design.data[FLAG].astype(bool).to_numpy()
        for scale in cb.scales:
            if scale not in design.data:
                continue
            scored = design.data[scale].notna().to_numpy()
            r = design.nested_difference(scale, ~flagged)
            rows.append({"bron": cb.source, "meting": str(wave), "schaal": scale,
                         "schaal_label": cb.scales[scale].get("label", scale), "met": r["estimate_all"], "zonder": r["estimate_inner"],
                         "verschil": r["difference"], "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                         "n": r["n_all"], "n_zonder": r["n_inner"], "n_gemarkeerd": int((flagged & scored).sum())})
    return pd.DataFrame(rows, columns=[*COLUMNS, "schaal_label"])


def sensitivity_table(rows: list[pd.DataFrame]) -> Result:
    """One table over every source, wave and scale. Disclosure: a row needs at least k flagged and k
    other respondents with a score (otherwise the difference reveals the flagged group's mean)."""
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COLUMNS)
    out = out.assign(dimension="totaal", group="totaal")
    tidy = (Tidy("careless_sensitivity", {"indicator": "schaal", "estimate": "verschil", "source": "bron",
                                          "waves": "meting"}),)
    return Result(out, Estimates(n=("n", "n_zonder", "n_gemarkeerd"), item=("bron", "meting", "schaal")), tidy=tidy)

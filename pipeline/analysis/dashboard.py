"""Headline dashboard: for each programme indicator where it stands, how it changed since the
baseline, whether that change is significant after Benjamini-Hochberg, and whether it moves toward
the goal. Feeds the first page of the report (index.html).

Built from the published results of the chapters (reports/results/<chapter>.parquet), never from
its own estimates: a gap change shows the chapter's own estimate, interval and BH-corrected p (its
chapter's family), so the dashboard and the chapter can never disagree.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import NoSmallCells, Result

COLUMNS = ["indicator", "periode", "stand", "verandering", "ci_low", "ci_high", "p", "p_bh", "naar_doel", "eenheid",
           "doel"]


def _one(results: pd.DataFrame, **where) -> pd.Series | None:
    sel = results
    for col, value in where.items():
        sel = sel[sel[col].astype(str) == str(value)]
    return None if sel.empty or bool(sel["suppressed"].iloc[0]) else sel.iloc[0]


def target_rows(results: pd.DataFrame, targets) -> list[dict]:
    """One row per declared organisation target (config/targets.yaml) from chapter 04's published
    rows: the latest value, its change since the first year shown, and whether it is on track."""
    rows = []
    reg = results[(results["source"] == "register") & (results["group"] == "gemeente")]
    for t in targets:
        own = reg[(reg["indicator"] == f"target:{t.name}") & (reg["table"] == "targets_org")]
        prog = _one(reg, indicator=f"target:{t.name}", table="progress")
        if own.empty or prog is None:
            continue
        by_year = own.assign(j=own["waves"].astype(int)).sort_values("j")
        first, last = by_year.iloc[0], by_year.iloc[-1]
        unit = "aantal (telling)" if t.kind == "count" else "aandeel (telling)"
        unit = "relatieve toename (telling)" if t.kind == "relative_increase" else unit
        rows.append({"indicator": t.label, "periode": f"{first['waves']}–{last['waves']}",
                     "stand": last["estimate"], "verandering": last["estimate"] - first["estimate"],
                     "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "p_bh": np.nan,
                     "naar_doel": prog["category"] in ("gehaald", "op koers"), "eenheid": unit, "doel": t.value})
    return rows


def build(results: pd.DataFrame, indicators, targets) -> Result:
    """Dashboard rows from the chapters' published results: the programme's survey indicators
    (config `indicators`: source, construct, dimension, group, label) and the declared organisation
    targets (config/targets.yaml)."""
    rows = []
    for source, construct, dim, group, lab in indicators:
        did = _one(results, source=source, statistic="gap_change", indicator=construct, dimension=dim, group=group)
        if did is None:
            continue
        base, last = did["waves"].split("-")
        gap = {w: _one(results, chapter=did["chapter"], statistic="gap", waves=w, indicator=construct,
                       dimension=dim, group=group) for w in (base, last)}
        if any(g is None for g in gap.values()):
            continue
        rows.append({"indicator": lab, "periode": f"{base}–{last}", "stand": gap[last]["estimate"],
                     "verandering": did["estimate"], "ci_low": did["ci_low"], "ci_high": did["ci_high"], "p": did["p"],
                     "p_bh": did["p_bh"], "naar_doel": bool(np.sign(did["estimate"]) == -np.sign(gap[base]["estimate"])),
                     "eenheid": "schaalpunten", "doel": np.nan})
    c = _one(results, source="discrimination", table="change", statistic="change", indicator="ervaren_discriminatie",
             dimension="totaal")  # baseline -> the latest wave (chapter 05 also shows the changes in between)
    if c is not None:
        base, last = c["waves"].split("-")
        level = _one(results, source="discrimination", statistic="share", waves=last, indicator="ervaren_discriminatie",
                     dimension="totaal")
        rows.append({"indicator": "Aandeel dat discriminatie ervoer (12 maanden)", "periode": f"{base}–{last}",
                     "stand": level["estimate"], "verandering": c["estimate"], "ci_low": c["ci_low"],
                     "ci_high": c["ci_high"], "p": c["p"], "p_bh": c["p_bh"], "naar_doel": bool(c["estimate"] < 0),
                     "eenheid": "aandeel", "doel": np.nan})
    rows += target_rows(results, [t for t in targets if t.organisation])
    return Result(pd.DataFrame(rows, columns=COLUMNS), NoSmallCells(
        "composed of the chapters' published results; p (BH) is each chapter's own correction"))


def verdicts(dash: pd.DataFrame) -> pd.DataFrame:
    """Words for the reader: significant after BH (or not applicable to a count), direction to the goal."""
    out = dash.copy()
    if out.empty:
        return out
    out["significant"] = np.where(out["p_bh"].isna(), "n.v.t. (telling)", np.where(out["p_bh"] < 0.05, "ja", "nee"))
    out["richting"] = np.where(out["naar_doel"], "naar het doel", "van het doel af")
    return out

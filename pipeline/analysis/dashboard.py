"""Headline dashboard: for each programme indicator where it stands, how it changed since the
baseline, whether that change is significant after Benjamini-Hochberg, and whether it moves toward
the goal. Feeds the first page of the report (index.html).

Built from the published results of the chapters (reports/results/<chapter>.parquet), never from
its own estimates: a gap change shows the chapter's own estimate, interval and BH-corrected p (its
chapter's family), so the dashboard and the chapter can never disagree.

Every row is in its own kind (`soort`), because a reader judges each kind differently:
- `kloof`: a survey gap (group minus reference group, in scale points). Its goal is 0: it moves the
  right way when its size shrinks (`naar_doel` = |stand| < |basis|), whatever the sign of the change.
- `aandeel`: a survey share (here: experienced discrimination, of all staff); lower is better.
- `doel_aandeel`, `doel_aantal`: a register target of that kind; `stand` is the share or count.
- `doel_relatief`: a relative-increase target; `stand` is the relative change since the baseline
  year (+0.08 = 8 % more than in 2024), the unit of its target (+0.25), never the share itself
  (`aandeel` and `aandeel_basis` hold the shares, for the reader's context).
For a target, `doel_oordeel` is chapter 04's published verdict and `basis_gehaald` says the target
was already met at the baseline (the programme cannot claim it). `voor_programma`: the period lies
mostly before the programme's start (config `programme.start`), so its change says even less about
the programme.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import NoSmallCells, Result

COLUMNS = ["indicator", "soort", "periode", "basis", "stand", "verandering", "ci_low", "ci_high", "p", "p_bh",
           "naar_doel", "eenheid", "doel", "doeljaar", "doel_oordeel", "basis_gehaald", "aandeel_basis", "aandeel",
           "onderwerp", "groep", "referentie", "populatie", "voor_programma"]


def _one(results: pd.DataFrame, **where) -> pd.Series | None:
    sel = results
    for col, value in where.items():
        sel = sel[sel[col].astype(str) == str(value)]
    return None if sel.empty or bool(sel["suppressed"].iloc[0]) else sel.iloc[0]


def before_programme(base: int, last: int, start: int | None) -> bool:
    """Whether more than half of the period base..last lies before the programme's start year."""
    if start is None or last <= base:
        return False
    return (min(start, last) - base) / (last - base) > 0.5


def _empty() -> dict:
    return {c: np.nan for c in COLUMNS}


def target_rows(results: pd.DataFrame, targets, programme_start: int | None = None) -> list[dict]:
    """One row per declared organisation target (config/targets.yaml) from chapter 04's published
    rows, in the target's own kind: the value at the baseline year and the latest, the change, the
    deadline and chapter 04's verdict."""
    from pipeline.analysis.targets import population_nl
    rows = []
    reg = results[(results["source"] == "register") & (results["group"] == "gemeente")]
    for t in targets:
        own = reg[(reg["indicator"] == f"target:{t.name}") & (reg["table"] == "targets_org")]
        prog = _one(reg, indicator=f"target:{t.name}", table="progress")
        if own.empty or prog is None:
            continue
        by_year = own.assign(j=own["waves"].astype(int)).sort_values("j")
        at_base = by_year[by_year["j"] == t.baseline_year]
        first, last = (at_base if len(at_base) else by_year).iloc[0], by_year.iloc[-1]
        if bool(first["suppressed"]) or bool(last["suppressed"]):
            continue
        b, s = float(first["estimate"]), float(last["estimate"])
        row = _empty()
        row.update({"indicator": t.label, "periode": f"{first['waves']}–{last['waves']}", "ci_low": np.nan,
                    "ci_high": np.nan, "p": np.nan, "p_bh": np.nan, "doel": t.value, "doeljaar": t.target_year or np.nan,
                    "doel_oordeel": prog["category"], "populatie": population_nl(t),
                    "voor_programma": before_programme(int(first["waves"]), int(last["waves"]), programme_start)})
        if t.kind == "relative_increase":
            rel = s / b - 1 if b > 0 else np.nan
            row.update({"soort": "doel_relatief", "eenheid": "relatieve toename (telling)", "basis": 0.0, "stand": rel,
                        "verandering": rel, "aandeel_basis": b, "aandeel": s, "basis_gehaald": False})
        else:
            count = t.kind == "count"
            row.update({"soort": "doel_aantal" if count else "doel_aandeel",
                        "eenheid": "aantal (telling)" if count else "aandeel (telling)", "basis": b, "stand": s,
                        "verandering": s - b, "aandeel_basis": np.nan if count else b, "aandeel": np.nan if count else s,
                        "basis_gehaald": bool(b >= t.value - 1e-12)})
        met = row["stand"] >= t.value - 1e-12 if pd.notna(row["stand"]) else False
        # every target is a minimum: the right way is up, or staying at or above a goal already met
        row["naar_doel"] = bool(row["verandering"] > 0 or (met and row["basis_gehaald"]))
        rows.append(row)
    return rows


def build(results: pd.DataFrame, indicators, targets, references: dict | None = None,
          programme_start: int | None = None) -> Result:
    """Dashboard rows from the chapters' published results: the programme's survey indicators
    (config `indicators`: source, construct, dimension, group, label; `references`: each dimension's
    reference group, config `groups.reference`) and the declared organisation targets
    (config/targets.yaml)."""
    from pipeline import labels
    references = references or {}
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
        b, s = gap[base]["estimate"], gap[last]["estimate"]
        row = _empty()
        row.update({"indicator": lab, "soort": "kloof", "periode": f"{base}–{last}", "basis": b, "stand": s,
                    "verandering": did["estimate"], "ci_low": did["ci_low"], "ci_high": did["ci_high"], "p": did["p"],
                    "p_bh": did["p_bh"], "naar_doel": bool(abs(s) < abs(b)), "eenheid": "schaalpunten",
                    "onderwerp": labels.indicator(source, construct).replace(" (totaal)", ""),
                    "groep": labels.people(dim, group),
                    "referentie": labels.people(dim, references[dim]) if dim in references else np.nan,
                    "populatie": "alle medewerkers",
                    "voor_programma": before_programme(int(base), int(last), programme_start)})
        rows.append(row)
    c = _one(results, source="discrimination", table="change", statistic="change", indicator="ervaren_discriminatie",
             dimension="totaal")  # baseline -> the latest wave (chapter 05 also shows the changes in between)
    if c is not None:
        base, last = c["waves"].split("-")
        level = _one(results, source="discrimination", statistic="share", waves=last, indicator="ervaren_discriminatie",
                     dimension="totaal")
        if level is not None:
            row = _empty()
            row.update({"indicator": "Aandeel dat discriminatie ervoer (12 maanden)", "soort": "aandeel",
                        "periode": f"{base}–{last}", "basis": level["estimate"] - c["estimate"],
                        "stand": level["estimate"], "verandering": c["estimate"], "ci_low": c["ci_low"],
                        "ci_high": c["ci_high"], "p": c["p"], "p_bh": c["p_bh"], "naar_doel": bool(c["estimate"] < 0),
                        "eenheid": "aandeel", "populatie": "alle medewerkers",
                        "voor_programma": before_programme(int(base), int(last), programme_start)})
            rows.append(row)
    rows += target_rows(results, [t for t in targets if t.organisation], programme_start)
    return Result(pd.DataFrame(rows, columns=COLUMNS), NoSmallCells(
        "composed of the chapters' published results; p (BH) is each chapter's own correction"))

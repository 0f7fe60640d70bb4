"""Aggregated cleaning-report tables for the 01_clean notebook (no respondent-level rows)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.codebook import load_codebook
from pipeline.disclosure.publish import Counts, Removals, Result, Rounding
from pipeline.results import Tidy


def load_manifest(processed_dir: Path, source: str, wave: int) -> dict:
    return json.loads((Path(processed_dir) / f"{source}_{wave}.manifest.json").read_text())


def flow_table(manifest: dict) -> Result:
    """Rows in -> records removed per reason -> rows out (disclosure: `Removals`, rule 2)."""
    rows = [("ingelezen", manifest["rows_in"])]
    rows += [(e["reden"], e["aantal"]) for e in manifest["excluded"]]
    rows.append(("in analysebestand", manifest["rows_out"]))
    out = pd.DataFrame(rows, columns=["stap", "aantal"])
    removals = tuple(e["reden"] for e in manifest["excluded"] if not e["reden"].startswith("gemarkeerd"))
    return Result(out, Removals(count="aantal", step="stap", removals=removals, total="in analysebestand"),
                  tidy=(Tidy("count", {"category": "stap", "estimate": "aantal"}, {"indicator": "records"}),))


def missingness(df: pd.DataFrame, source: str, wave: int, cb=None) -> pd.DataFrame:
    """Share missing per codebook item (after missing codes became NaN)."""
    cb = cb or load_codebook(source, wave)
    cols = [c for c in cb.variables if c in df.columns]
    out = pd.DataFrame({"variabele": cols, "label": [cb.variables[c].get("label", c) for c in cols],
                        "ontbrekend": [float(df[c].isna().mean()) for c in cols]})
    return out.sort_values("ontbrekend", ascending=False, kind="stable").reset_index(drop=True)


def distribution(df: pd.DataFrame, column: str, register: bool = False) -> Result:
    """Value counts of one variable with shares (disclosure: `Counts` with a complementary cell). A
    register's counts are the staff counts every other chapter rounds: the same rounding rule here
    (config disclosure.rounding), or exact counts and 6-digit shares would undo it (issue 25)."""
    counts = df[column].value_counts(dropna=False, sort=False).rename_axis("waarde").reset_index(name="aantal")
    counts["waarde"] = counts["waarde"].astype("object").where(counts["waarde"].notna(), "ontbrekend").astype(str)
    counts["aandeel"] = counts["aantal"] / counts["aantal"].sum()
    # organisation-wide shares: to 0.1 percentage point (register_rates), as the flow rates; whole
    # percentages would show 0% for 60 people
    rounding = Rounding(counts=("aantal",), rates=("aandeel",)) if register else None
    return Result(counts.sort_values("waarde", kind="stable").reset_index(drop=True),
                  Counts("aantal", ("aandeel",), rounding=rounding),
                  tidy=(Tidy("count", {"category": "waarde", "estimate": "aantal"}, {"indicator": column}),
                        Tidy("share", {"category": "waarde", "estimate": "aandeel"}, {"indicator": column})))

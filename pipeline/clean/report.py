"""Aggregated cleaning-report tables for the 01_clean notebook (no respondent-level rows)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.codebook import load_codebook
from pipeline.disclosure import suppress_counts


def load_manifest(processed_dir: Path, source: str, wave: int) -> dict:
    return json.loads((Path(processed_dir) / f"{source}_{wave}.manifest.json").read_text())


def flow_table(manifest: dict, k: int) -> pd.DataFrame:
    """Rows in -> records removed per reason -> rows out, with small counts suppressed.

    A removal count below k is hidden; if exactly one is hidden, the rows-out count is hidden too,
    so it cannot be recovered as rows in minus the other removals."""
    rows = [("ingelezen", manifest["rows_in"])]
    rows += [(e["reden"], e["aantal"]) for e in manifest["excluded"]]
    rows.append(("in analysebestand", manifest["rows_out"]))
    out = pd.DataFrame(rows, columns=["stap", "aantal"])
    small = (out["aantal"] > 0) & (out["aantal"] < k)
    removed = out["stap"].isin([e["reden"] for e in manifest["excluded"] if not e["reden"].startswith("gemarkeerd")])
    if (small & removed).sum() == 1:
        small |= out["stap"] == "in analysebestand"
    out["aantal"] = out["aantal"].astype(float).mask(small)
    out["onderdrukt"] = small
    return out


def missingness(df: pd.DataFrame, source: str, wave: int) -> pd.DataFrame:
    """Share missing per codebook item (after missing codes became NaN)."""
    cb = load_codebook(source, wave)
    cols = [c for c in cb.variables if c in df.columns]
    out = pd.DataFrame({"variabele": cols, "label": [cb.variables[c].get("label", c) for c in cols],
                        "ontbrekend": [float(df[c].isna().mean()) for c in cols]})
    return out.sort_values("ontbrekend", ascending=False, kind="stable").reset_index(drop=True)


def distribution(df: pd.DataFrame, column: str, k: int) -> pd.DataFrame:
    """Value counts of one variable with shares, suppressed below k."""
    counts = df[column].value_counts(dropna=False, sort=False).rename_axis("waarde").reset_index(name="aantal")
    counts["waarde"] = counts["waarde"].astype("object").where(counts["waarde"].notna(), "ontbrekend").astype(str)
    counts["aandeel"] = counts["aantal"] / counts["aantal"].sum()
    return suppress_counts(counts.sort_values("waarde", kind="stable").reset_index(drop=True), "aantal", k,
                           also=["aandeel"])

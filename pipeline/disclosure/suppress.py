"""Primary small-cell suppression of count tables and estimate tables.

Rule: a cell (or a group's estimate) based on fewer than k unweighted respondents or persons is not
shown — its value becomes NaN and a `onderdrukt` flag says why. k comes from the report config.
"""
from __future__ import annotations

import pandas as pd

SUPPRESSED = "<k"


def suppress_counts(table: pd.DataFrame, count_col: str, k: int, *, also: list[str] | None = None) -> pd.DataFrame:
    """Blank `count_col` (and the columns in `also`, e.g. shares) where the count is below k."""
    out = table.copy()
    small = out[count_col] < k
    out[count_col] = out[count_col].astype(float).mask(small)
    for col in also or []:
        out[col] = out[col].astype(float).mask(small)
    out["onderdrukt"] = small
    return out


def suppress_estimates(table: pd.DataFrame, k: int, *, n_col: str = "n") -> pd.DataFrame:
    """Blank every numeric column of rows whose unweighted n is below k (n itself included)."""
    out = table.copy()
    small = out[n_col] < k
    num = [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c]) and c != "onderdrukt"]
    for c in num:
        out[c] = out[c].astype(float).mask(small)
    out["onderdrukt"] = small
    return out

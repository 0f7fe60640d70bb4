"""The results table: every published estimate as one tidy row with stable codes (reports/results.csv).

Why: the pages are for reading; researchers, the planted-truth tests and anyone re-using the figures
need the same numbers in one machine-readable table, with codes rather than labels. Each analysis
result declares how its rows map onto this schema (`Tidy`); the chapter records what it published and
the report build gathers the rows of every chapter. Rows carry the suppression flag: a suppressed
estimate is an empty cell with `suppressed = True`, never a number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

COLUMNS = ["chapter", "table", "source", "waves", "indicator", "statistic", "dimension", "group", "category",
           "reference", "estimate", "se", "ci_low", "ci_high", "p", "p_bh", "family", "n", "suppressed"]
NUMERIC = ["estimate", "se", "ci_low", "ci_high", "p", "p_bh", "n"]


@dataclass(frozen=True)
class Tidy:
    """How the rows of one result table map onto the results schema.

    columns: schema field -> column of the table, or a function of the table (a field named like a
    column needs no entry); constants: schema field -> value for every row (e.g. the wave);
    only: column -> value, the rows this statistic exists for (e.g. the overall rows)."""

    statistic: str
    columns: Mapping[str, str | Callable[[pd.DataFrame], Any]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    only: Mapping[str, Any] = field(default_factory=dict)


def _numeric(values) -> np.ndarray:
    a = np.asarray(values)
    if a.dtype.kind in "fiub":
        return a.astype(float)
    return pd.to_numeric(pd.Series(a, dtype=object), errors="coerce").to_numpy(dtype=float)


def _codes(values) -> np.ndarray:
    a = np.asarray(values, dtype=object)
    return np.array(["" if pd.isna(v) else str(v) for v in a], dtype=object)


def tidy_rows(data: pd.DataFrame, spec: Tidy, **constants) -> pd.DataFrame:
    """The results rows of one published table under `spec` (constants: chapter, table, source, ...).
    Built on plain arrays: a report records hundreds of small tables, pandas per column is slow."""
    table = data
    for col, value in spec.only.items():
        table = table[table[col] == value]
    n = len(table)
    overall = {c: "totaal" for c in ("dimension", "group") if c not in table and c not in spec.columns}
    known = {**overall, **constants, **spec.constants, "statistic": spec.statistic}
    out = {}
    for col in COLUMNS:
        if col in spec.columns:
            src = spec.columns[col]
            out[col] = np.asarray(src(table) if callable(src) else table[src].to_numpy())
        elif col in known:
            out[col] = np.repeat(known[col], n) if n else np.array([], dtype=object)
        elif col == "suppressed":  # tables suppressed cell by cell (linked register counts) have no flag column
            out[col] = table["onderdrukt"].astype(bool).to_numpy() if "onderdrukt" in table else None
        elif col in table:
            out[col] = table[col].to_numpy()
        else:
            out[col] = np.full(n, np.nan)
    for col in NUMERIC:
        out[col] = _numeric(out[col])
    suppressed = (np.isnan(out["estimate"]) if out["suppressed"] is None
                  else np.asarray(out["suppressed"]).astype(bool))
    out["suppressed"] = suppressed
    for col in ("waves", "group", "category", "reference", "indicator", "dimension"):
        out[col] = _codes(out[col])
    # a suppressed row shows no number of any kind
    for col in NUMERIC:
        out[col] = np.where(suppressed, np.nan, out[col])
    return pd.DataFrame(out, columns=COLUMNS)


# Published precision (issue 20), applied when the results table is written:
SURVEY_DECIMALS = 4     # estimates, SEs and interval ends of samples (and of models, indices, scores)
P_DECIMALS = 4          # p and p_bh
REGISTER_SOURCES = ("register",)
RATE_STATISTICS = ("rate",)   # flow rates: config disclosure.rounding.register_rates; other register shares: register_shares

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


def rounded(table: pd.DataFrame, rules=None) -> pd.DataFrame:
    """The results table at the precision a reader needs and a researcher can use, without exposing
    what the pages hide.

    Survey estimates: 4 decimals. A standard error of a share is at least ~0.002 even for the largest
    wave, and of a scale mean ~0.01, so the 4th decimal is well below the sampling error (re-using the
    numbers in a meta-analysis or a trend loses nothing), while 10 significant digits suggest a
    precision that does not exist. p and p_bh: 4 decimals (0.0000 reads as p < 0.00005; BH decisions
    at 0.05 are unaffected). Register shares and counts are complete counts, so share x base gives the
    exact numerator: they get the rounding of the pages (pipeline.disclosure.suppress.round_register,
    SDC handbook rounding of linked tables) — shares to whole percentages (flow rates to 3 decimals,
    as on their page), their base n to base 5 — so that results.csv allows no back-calculation
    (e.g. scale 15+ = 12+ minus 12-14 per directorate) that the rounded tables prevent."""
    from pipeline.disclosure.publish import ROUNDING
    from pipeline.disclosure.suppress import round_base
    rules = {**ROUNDING, **(rules or {})}   # the one declaration: config disclosure.rounding
    out = table.copy()
    reg = out["source"].isin(REGISTER_SOURCES).to_numpy()
    dec = np.where(out["statistic"].isin(RATE_STATISTICS), rules["register_rates"], rules["register_shares"])
    for col in ("estimate", "se", "ci_low", "ci_high"):
        v = pd.to_numeric(out[col], errors="coerce").astype(float)
        out[col] = np.where(reg, [round(x, int(d)) if x == x else x for x, d in zip(v, dec)], v.round(SURVEY_DECIMALS))
    for col in ("p", "p_bh"):
        v = pd.to_numeric(out[col], errors="coerce").astype(float)
        out[col] = np.where(reg, v.round(3), v.round(P_DECIMALS))
    n = pd.to_numeric(out["n"], errors="coerce").astype(float)
    out["n"] = np.where(reg, round_base(n, rules["register_counts"]), n)
    return out

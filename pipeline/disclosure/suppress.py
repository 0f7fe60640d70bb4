"""Primary and secondary (complementary) suppression of tables.

Rules (the project's disclosure policy; k = `min_cell_size` in config/report.yaml, default 10):

1. Primary: a cell, or a group's estimate, based on fewer than k unweighted respondents (persons, for
   the register) is not shown.
2. Secondary, count tables: in every row and column of a table whose totals are published, a line
   with a suppressed cell gets at least two suppressed cells (the smallest other non-zero cell is
   added), iterated until stable — so no suppressed count follows from a total minus the rest.
3. Secondary, group estimates: if one level of a group dimension is suppressed while the total is
   published, the smallest other level of that dimension is suppressed too; otherwise the hidden
   group's mean would follow from the total and the other groups' means and shares.
4. Consistency across a chapter: suppression of group estimates is decided on the number of
   respondents in the group (not per item), so every construct hides the same groups; comparisons
   involving a hidden group are hidden as well.
5. Across years: each year's table is suppressed on its own counts; a change between years is shown
   only where both years are shown (see `suppress_changes`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.errors import SUPPRESSED  # noqa: F401  (re-exported)


def suppress_counts(table: pd.DataFrame, count_col: str, k: int, *, also: list[str] | None = None) -> pd.DataFrame:
    """Blank `count_col` (and the columns in `also`, e.g. shares) where the count is below k, and
    add one complementary cell if exactly one cell is suppressed (the table's total is implied)."""
    out = table.copy()
    counts = out[count_col].astype(float)
    small = (counts < k) & (counts > 0)
    if small.sum() == 1:
        candidates = counts.where(~small & (counts > 0))
        if candidates.notna().any():
            small.loc[candidates.idxmin()] = True
    out[count_col] = counts.mask(small)
    for col in also or []:
        out[col] = out[col].astype(float).mask(small)
    out["onderdrukt"] = small
    return out


def secondary_mask(counts: np.ndarray, k: int) -> np.ndarray:
    """Suppression mask for a 2-D count table with published row and column totals (rules 1-2)."""
    counts = np.asarray(counts, dtype=float)
    mask = (counts > 0) & (counts < k)
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            lines = mask.T if axis == 0 else mask
            vals = counts.T if axis == 0 else counts
            for i in range(lines.shape[0]):
                if lines[i].sum() == 1:
                    cand = np.where(~lines[i] & (vals[i] > 0), vals[i], np.inf)
                    if np.isfinite(cand).any():
                        j = int(np.argmin(cand))
                        if axis == 0:
                            mask[j, i] = True
                        else:
                            mask[i, j] = True
                        changed = True
    return mask


def suppress_crosstab(table: pd.DataFrame, k: int) -> pd.DataFrame:
    """A rows x columns count table with primary and secondary suppression (NaN = not shown)."""
    mask = secondary_mask(table.to_numpy(float), k)
    return table.astype(float).mask(mask)


def suppress_estimates(table: pd.DataFrame, k: int, *, n_col: str = "n",
                       group_cols: tuple[str, str] | None = None) -> pd.DataFrame:
    """Blank every numeric column of rows whose unweighted n is below k (n itself included).

    With `group_cols=(dimension_col, group_col)` rule 3 applies: a dimension with exactly one
    hidden level gets its smallest other level hidden as well.
    """
    out = table.copy()
    n = out[n_col].astype(float)
    small = n < k
    if group_cols is not None:
        dim_col, _ = group_cols
        for _, idx in out.groupby(dim_col, sort=False).groups.items():
            idx = list(idx)
            if len(idx) > 1 and small.loc[idx].sum() == 1:
                others = n.loc[idx].where(~small.loc[idx])
                small.loc[others.idxmin()] = True
    num = [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c]) and c != "onderdrukt"]
    for c in num:
        out[c] = out[c].astype(float).mask(small)
    out["onderdrukt"] = small | (out["onderdrukt"] if "onderdrukt" in out else False)
    return out


def hidden_groups(data: pd.DataFrame, dims: list[str], k: int,
                  intersections: list[list[str]] = ()) -> set[tuple[str, str]]:
    """(dimension, level) pairs hidden by rules 1-3, from respondent counts per group.

    An intersection a x b is a two-way table whose margins (the groups of a and of b) are published,
    so its hidden cells follow rule 2; its name is 'a×b' and its levels 'x/y'."""
    hidden = set()
    for dim in dims:
        counts = data[dim].astype("object").dropna().astype(str).value_counts()
        small = counts[counts < k]
        hidden |= {(dim, lv) for lv in small.index}
        if len(small) == 1 and len(counts) > 1:
            hidden.add((dim, counts[counts >= k].idxmin()))
    for a, b in intersections:
        tab = pd.crosstab(data[a].astype("object"), data[b].astype("object"))
        mask = secondary_mask(tab.to_numpy(float), k)
        for i, j in zip(*np.nonzero(mask)):
            hidden.add((f"{a}×{b}", f"{tab.index[i]}/{tab.columns[j]}"))
    return hidden


def merge_small(df: pd.DataFrame, column: str, min_size: int, into: str = "overig") -> pd.DataFrame:
    """Merge categories of `column` with fewer than `min_size` rows into one category (config
    `disclosure.merge`), before any table is made, so small directorates never appear on their own."""
    out = df.copy()
    counts = out[column].astype("object").value_counts()
    small = set(counts[counts < min_size].index)
    if small:
        col = out[column].astype("object")
        out[column] = col.where(~col.isin(small), into)
    return out


def suppress_changes(a: pd.Series, b: pd.Series) -> pd.Series:
    """Difference b - a, shown only where both years are shown (rule 5)."""
    return (b - a).where(a.notna() & b.notna())

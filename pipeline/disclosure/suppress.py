"""The disclosure rules: primary and secondary (complementary) suppression of tables.

Every published table passes through `pipeline.disclosure.publish.publish(result, policy)`, which
applies the rule its analysis declared; the rules themselves are the functions here. k is
`min_cell_size` in config/report.yaml (default 10), carried by the `Policy`.

1. Primary (threshold rule of the SDC handbook): a cell, or a group's estimate, based on fewer than k
   unweighted respondents (persons, for the register) is not shown (`Estimates`, `Counts`, `Rates`).
2. Secondary, count tables: in every row and column of a table whose totals are published, a line
   with a suppressed cell gets at least two suppressed cells (the smallest other non-zero cell is
   added), iterated until stable — so no suppressed count follows from a total minus the rest
   (`secondary_mask`; one-way tables `suppress_counts`; the cleaning flow `suppress_removals`; register
   units x group across years `suppress_linked`; intersections of two group dimensions).
3. Secondary, group estimates: if one level of a group dimension is suppressed while the total is
   published, the smallest other level of that dimension is suppressed too; otherwise the hidden
   group's mean would follow from the total and the other groups' means and shares (`hidden_from_sizes`).
4. Consistency across a chapter: suppression of group estimates is decided on the number of
   respondents in the group (not per item), so every construct hides the same groups; comparisons
   involving a hidden group (or a hidden reference group) are hidden as well.
5. Across years: a group hidden in any wave is hidden in every level, change and gap change of the
   chapter (`GroupSizes` per wave); a change needs k respondents in both waves.
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


def hidden_from_sizes(single: dict[str, pd.Series], crossed: dict[str, pd.DataFrame], k: int) -> set[tuple[str, str]]:
    """(dimension, level) pairs hidden by rules 1-3, from respondent counts per group.

    `single`: per dimension the respondents per level (value_counts order); `crossed`: per intersection
    'a×b' its two-way count table, whose margins (the groups of a and of b) are published, so its
    hidden cells follow rule 2; their levels are named 'x/y'."""
    hidden = set()
    for dim, counts in single.items():
        small = counts[counts < k]
        hidden |= {(dim, lv) for lv in small.index}
        if len(small) == 1 and len(counts) > 1:
            hidden.add((dim, counts[counts >= k].idxmin()))
    for name, tab in crossed.items():
        mask = secondary_mask(tab.to_numpy(float), k)
        for i, j in zip(*np.nonzero(mask)):
            hidden.add((name, f"{tab.index[i]}/{tab.columns[j]}"))
    return hidden


def hidden_groups(data: pd.DataFrame, dims: list[str], k: int,
                  intersections: list[list[str]] = ()) -> set[tuple[str, str]]:
    """`hidden_from_sizes` on the respondents of `data`."""
    from pipeline.disclosure.publish import GroupSizes
    sizes = GroupSizes.of(data, dims, intersections)
    return hidden_from_sizes(sizes.single, sizes.crossed, k)


def suppress_removals(table: pd.DataFrame, k: int, *, count: str = "aantal", step: str = "stap",
                      removals=(), total: str = "in analysebestand") -> pd.DataFrame:
    """Records in -> removed per reason -> records out. A removal count below k is hidden; if exactly
    one removal is hidden, the records-out count is hidden too, so it cannot be recovered as records
    in minus the other removals."""
    out = table.copy()
    small = (out[count] > 0) & (out[count] < k)
    removed = out[step].isin(list(removals))
    if (small & removed).sum() == 1:
        small |= out[step] == total
    out[count] = out[count].astype(float).mask(small)
    out["onderdrukt"] = small
    return out


def suppress_linked(table: pd.DataFrame, unit: str, k: int, pairs, *, shares=None, depends=None,
                    total: str = "n", year: str = "jaar") -> pd.DataFrame:
    """Rule 2 across the units of a register table (e.g. directorates), per year, for each
    (numerator, denominator) pair: the table unit x {in group, not in group} has published row (unit)
    and column (organisation) totals, so a hidden cell must not follow from them. Shares (`shares`:
    numerator -> share column) and columns derived from a hidden denominator (`depends`) go with it;
    a unit with fewer than k persons shows nothing."""
    shares, depends = dict(shares or {}), {kk: list(v) for kk, v in (depends or {}).items()}
    out = table.copy()
    num_cols = [c for c in out.columns if c not in (unit, year) and pd.api.types.is_numeric_dtype(out[c])]
    out[num_cols] = out[num_cols].astype(float)
    for _, idx in out.groupby(year).groups.items():
        sub = out.loc[idx]
        for num, den in pairs:
            counts = np.column_stack([sub[num].to_numpy(float), (sub[den] - sub[num]).to_numpy(float)])
            mask = secondary_mask(counts, k).any(axis=1) | (sub[den].to_numpy(float) < k)
            # the hidden rows must again be at least two (the organisation total is published)
            if mask.sum() == 1 and len(sub) > 1:
                cand = sub[num].where(~mask).astype(float)
                mask[np.nanargmin(cand.to_numpy())] = True
            hide = sub.index[mask]
            out.loc[hide, num] = np.nan
            out.loc[hide, [shares[num]] if num in shares else []] = np.nan
            out.loc[hide, depends.get(num, [])] = np.nan
    out.loc[out[total] < k, num_cols] = np.nan
    return out


def suppress_crossed(table: pd.DataFrame, rows: str, columns: str, k: int, counts, *, key=(), also=None) -> pd.DataFrame:
    """Rule 2 on the two-way table rows x columns of each count column, per level of `key`: both
    margins are published, so `secondary_mask` hides at least two cells in every line with a hidden
    cell. A cell missing from the long table counts as 0. `also`: count -> columns hidden with it."""
    out = table.copy()
    for col in {*counts, *(c for v in (also or {}).values() for c in v)}:
        out[col] = out[col].astype(float)
    hidden = pd.Series(False, index=out.index)
    groups = out.groupby(list(key), sort=False).groups.items() if key else [(None, out.index)]
    for _, idx in groups:
        sub = out.loc[idx]
        for col in counts:
            wide = sub.pivot_table(index=rows, columns=columns, values=col, aggfunc="sum", fill_value=0, observed=True)
            mask = pd.DataFrame(secondary_mask(wide.to_numpy(float), k), index=wide.index, columns=wide.columns)
            cell = pd.Series([bool(mask.at[r, c]) for r, c in zip(sub[rows], sub[columns])], index=idx)
            out.loc[idx[cell.to_numpy()], [col, *(also or {}).get(col, ())]] = np.nan
            hidden.loc[idx] |= cell
    out["onderdrukt"] = hidden
    return out


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

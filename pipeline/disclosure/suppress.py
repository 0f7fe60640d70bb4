"""The disclosure rules: what may be published, and what must be hidden or coarsened with it.

Every published table passes through `pipeline.disclosure.publish.publish(result, policy)`, which
applies the rule its analysis declared; the rules themselves are the functions here. k is
`min_cell_size` in config/report.yaml (default 10), carried by the `Policy`. The rules follow the
output checking of national statistics offices (ESS Handbook on Statistical Disclosure Control,
Hundepool et al.; Eurostat/ESSnet): which handbook rule applies where is named in brackets.

1. Primary (threshold rule): a cell, or a group's estimate, based on fewer than k unweighted
   respondents (persons, for the register) is not shown (`Estimates`, `Counts`, `Rates`).
2. Secondary, count tables (differencing rule, linked margins): in every row and column whose total is
   published, hidden cells are at least two and hold at least k together, so neither a single hidden
   cell nor the sum of the hidden cells of a line (total minus the rest) falls below k. The
   complementary cells are the fewest that achieve this (exhaustive search for small tables; least
   cells, then least respondents; a reference group only as a last resort), greedily by smallest
   cell for large ones (`secondary_mask`; one-way tables `suppress_counts`; the cleaning flow, whose
   records in and out are published elsewhere, `suppress_removals`; register units x group across
   years `suppress_linked`; intersections of two group dimensions `hidden_from_sizes`). Empty cells
   never serve as complements (they hide nothing) and are shown as suppressed, never left out.
3. Secondary, group estimates (differencing rule): if exactly one level of a group dimension is hidden
   while the total is published, the visible level with the fewest respondents is hidden too, per
   statistic; otherwise the hidden group's estimate would follow from the total and the others'
   estimates with the published group sizes (raking margins) (`hidden_from_sizes`,
   `publish._complement`). With the reference groups declared (`Policy.references`) this is one
   decision per statistic for every table that prints it (`coordinate.py`): the complement is never
   the reference group while another level can go, hidden levels hold at least the protection width
   together, and an intersection's hidden cells are protected to that width against the margins.
4. Consistency across a chapter: suppression of group estimates is decided on the number of
   respondents in the group (not per item), so every construct hides the same groups; comparisons
   involving a hidden group (or a hidden reference group) are hidden as well.
5. Across years: a group hidden in any wave is hidden in every level, change and gap change of the
   chapter (`GroupSizes` per wave); a change needs k respondents in both waves.
6. Attribute disclosure (threshold rule applied to both outcomes; group disclosure): a share is
   published only if its unweighted yes-count and no-count are both at least k, so "0%", "100%" and
   shares that mean 1..k-1 persons are hidden (`Estimates.shares`). A nested share (a step of the
   reporting funnel, a ground of discrimination, published as a share of everyone) is also checked
   in its nested sub-group (e.g. satisfied and not satisfied among those who reported), so the ratio
   of two published rows cannot reveal it. Stacked answer distributions merge adjacent answers until
   every segment and its complement hold at least k, or leave the bar out (`safe_distribution`).
7. Linked tables (audit of derived cells; differencing rule across tables): a cell that follows from
   two published ones — scale 15+ = from 12 up minus 12-14 in the register targets — is checked as if
   it were published, and where it must be hidden one of its sources is (`suppress_linked`
   `differences`). Totals across bands, chapters and waves: organisation totals come from the same
   register counts everywhere, survey groups are hidden on respondent counts of every wave (rule 5).
8. Rounding (conventional rounding of the SDC handbook): register tables, which are exact counts
   linked to published totals, publish counts rounded to base 5 and shares to whole percentages
   (yearly flow rates and their intervals to 0.1 percentage point), p-values to 3 decimals, so no
   hidden count can be back-calculated from a share and its base (`round_register`). One rule per
   kind of number, declared once (config `disclosure.rounding`) and applied in every artefact that
   shows the number (chapter tables, directorate pages, exit tables, results.csv); a register rate
   beside its counts is the rounded count over the rounded base (`Rounding.ratios`). Survey shares
   are weighted estimates and are not rounded beyond display.
9. The release (issue 25): a line of a one-way rate table whose rows add up to a published total
   hides at least two rows (`Rates.lines`, `line_complement`); a count published in two tables has one
   status (`publish.one_status`); an unknown level is a row of its own, never the total minus the
   listed rows; attribute disclosure is checked in the share's own domain and on share x n as a
   reader computes it (`Estimates.implied`), and 0%/100% in a group of fewer than 2k is hidden
   (`attribute=True`). Across tables, pages and years the release audit (`audit.py`, `model.py`)
   bounds every hidden flow count by linear programming and hides more where one is not protected;
   the build's last step reads the whole release as an attacker would (`attack.py`).
The dominance (p%, (n,k)) rule applies to magnitude tables (sums of, e.g., salaries); the monitor
publishes none, only frequencies, shares and means of scale scores, so it is not applied.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from pipeline.disclosure.errors import SUPPRESSED  # noqa: F401  (re-exported)


def suppress_counts(table: pd.DataFrame, count_col: str, k: int, *, also: list[str] | None = None) -> pd.DataFrame:
    """Blank `count_col` (and the columns in `also`, e.g. shares) where the count is below k, with
    complementary cells so that the hidden cells are at least two and hold at least k together (the
    table's total is implied): `secondary_mask` on the one-row table."""
    out = table.copy()
    counts = out[count_col].astype(float)
    small = pd.Series(secondary_mask(counts.fillna(0).to_numpy()[None, :], k)[0], index=out.index)
    out[count_col] = counts.mask(small)
    for col in also or []:
        out[col] = out[col].astype(float).mask(small)
    out["onderdrukt"] = small
    return out


def line_complement(counts: pd.Series, hide: pd.Series, line: pd.Series, k: int) -> pd.Series:
    """Rule 2 on lines of rows whose counts add up to a published total: where a line hides exactly one
    non-zero row, or non-zero rows holding fewer than k together, the smallest visible non-zero row
    of the line is hidden too, until neither holds (or nothing visible is left)."""
    hide = hide.copy()
    c = counts.fillna(0).astype(float)
    for _, idx in line.groupby(line, sort=False).groups.items():
        while True:
            h = hide.loc[idx] & (c.loc[idx] > 0)
            vis = ~hide.loc[idx] & (c.loc[idx] > 0)
            if not h.any() or not vis.any() or (h.sum() >= 2 and c.loc[idx][h].sum() >= k):
                break
            hide.loc[c.loc[idx][vis].idxmin()] = True
    return hide


MAX_EXACT = 16  # up to this many candidate cells the complement is chosen by exhaustive search


def _line_matrix(shape: tuple[int, int]) -> np.ndarray:
    """cells x lines incidence (rows first, then columns) of an r x c table."""
    r, c = shape
    cells = np.arange(r * c)
    lines = np.zeros((r * c, r + c), dtype=np.int32)
    lines[cells, cells // c] = 1
    lines[cells, r + cells % c] = 1
    return lines


def _unsafe(hidden: np.ndarray, counts: np.ndarray, lines: np.ndarray, k: int) -> np.ndarray:
    """Per candidate pattern (rows of `hidden`, cells flattened): does some line let a hidden value be
    derived from its published margin? A line is safe when it hides nothing, or when no visible
    non-zero cell is left (its cells are then only the margin), or when it hides at least two non-zero
    cells that together hold at least k (so neither the single cell nor the hidden sum falls below k)."""
    nz = counts > 0
    h = (hidden & nz).astype(np.int32) @ lines
    s = (hidden * counts).astype(np.int64) @ lines
    visible = (~hidden & nz).astype(np.int32) @ lines
    return ((h > 0) & (visible > 0) & ((h < 2) | (s < k))).any(axis=1)


@lru_cache(maxsize=4096)
def _mask_cached(raw: bytes, shape: tuple[int, int], k: int, protect: bytes | None) -> bytes:
    counts = np.frombuffer(raw, dtype=float).reshape(shape)
    protected = np.zeros(shape, bool) if protect is None else np.frombuffer(protect, dtype=bool).reshape(shape)
    flat = counts.ravel()
    primary = (flat > 0) & (flat < k)
    lines = _line_matrix(shape)
    if not primary.any() or not _unsafe(primary[None, :], flat, lines, k)[0]:
        return primary.tobytes()
    cand = np.flatnonzero((flat > 0) & ~primary)
    if len(cand) <= MAX_EXACT:
        # every subset of the candidates (bit patterns): the safe one with the fewest protected cells,
        # then the fewest cells, then the least hidden respondents (least information lost)
        m = len(cand)
        bits = ((np.arange(2 ** m)[:, None] >> np.arange(m)) & 1).astype(bool)
        hidden = np.repeat(primary[None, :], len(bits), axis=0)
        hidden[:, cand] = bits
        ok = ~_unsafe(hidden, flat, lines, k)
        if ok.any():
            pflat = protected.ravel()[cand]
            cost = np.lexsort(((bits * flat[cand]).sum(1), bits.sum(1), (bits & pflat).sum(1), ~ok))
            return hidden[cost[0]].tobytes()
    return _greedy(flat, primary, protected.ravel(), lines, k).tobytes()


def _greedy(flat, hidden, protected, lines, k) -> np.ndarray:
    """Large tables: in each unsafe line hide the smallest visible non-zero cell (unprotected first)."""
    hidden = hidden.copy()
    nz = flat > 0
    while _unsafe(hidden[None, :], flat, lines, k)[0]:
        h = (hidden & nz).astype(int) @ lines
        s = (hidden * flat) @ lines
        vis = (~hidden & nz).astype(int) @ lines
        bad = np.flatnonzero((h > 0) & (vis > 0) & ((h < 2) | (s < k)))[0]
        cells = np.flatnonzero(lines[:, bad].astype(bool) & ~hidden & nz)
        order = np.lexsort((flat[cells], protected[cells]))
        hidden[cells[order[0]]] = True
    return hidden


def secondary_mask(counts: np.ndarray, k: int, protect: np.ndarray | None = None) -> np.ndarray:
    """Suppression mask for a 2-D count table with published row and column totals (rules 1-2).

    Primary: cells 1..k-1. Secondary (differencing rule): the fewest further cells such that no line
    (row or column) has a single hidden cell or hidden cells summing to less than k while a visible
    non-zero cell remains; found by exhaustive search for small tables (least cells, then least
    respondents; `protect`ed cells, e.g. a reference group, only when nothing else works), greedily by
    smallest cell otherwise. Zero cells never serve as complements (they hide nothing)."""
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.size == 0:
        return np.zeros(counts.shape, bool)
    protect_b = None if protect is None else np.ascontiguousarray(protect, dtype=bool).tobytes()
    raw = _mask_cached(np.ascontiguousarray(counts).tobytes(), counts.shape, int(k), protect_b)
    return np.frombuffer(raw, dtype=bool).reshape(counts.shape).copy()


def hidden_from_sizes(single: dict[str, pd.Series], crossed: dict[str, pd.DataFrame], k: int,
                      protected: dict[str, str] | None = None) -> set[tuple[str, str]]:
    """(dimension, level) pairs hidden by rules 1-3, from respondent counts per group.

    `single`: per dimension the respondents per level (value_counts order; empty levels included, they
    are shown as suppressed rather than left out); `crossed`: per intersection 'a×b' its two-way count
    table, whose margins (the groups of a and of b) are published, so its hidden cells follow rule 2
    (`secondary_mask`, the cell named in `protected`, e.g. the reference group, hidden only if nothing
    else works); their levels are named 'x/y'. A single dimension's level named in `protected` (its
    reference group) is likewise a complement only as a last resort: every comparison needs it, so
    hiding it would hide the dimension's whole gap table while its level table shows the others."""
    hidden = set()
    for dim, counts in single.items():
        # one line whose total is published: rule 2 (at least two hidden, together at least k)
        ref = (protected or {}).get(dim)
        prot = (counts.index.astype(str) == str(ref))[None, :] if ref is not None else None
        mask = secondary_mask(counts.to_numpy(float)[None, :], k, prot)[0] | (counts.to_numpy() < k)
        hidden |= {(dim, lv) for lv in counts.index[mask]}
    for name, tab in crossed.items():
        prot = np.zeros(tab.shape, bool)
        ref = (protected or {}).get(name)
        if ref:
            r, c = ref.split("/", 1)
            if r in tab.index.astype(str) and c in tab.columns.astype(str):
                prot[list(tab.index.astype(str)).index(r), list(tab.columns.astype(str)).index(c)] = True
        mask = secondary_mask(tab.to_numpy(float), k, prot)
        mask |= tab.to_numpy(float) == 0  # an empty cell is shown as suppressed, never as absent
        for i, j in zip(*np.nonzero(mask)):
            hidden.add((name, f"{tab.index[i]}/{tab.columns[j]}"))
    return hidden


def suppress_removals(table: pd.DataFrame, k: int, *, count: str = "aantal", step: str = "stap",
                      removals=(), total: str = "in analysebestand") -> pd.DataFrame:
    """Records in -> removed per reason -> records out. Records in and out are published (and follow
    from other tables: the distributions sum to records out), so the removals form a line whose total
    is known: a removal below k is hidden together with further removals (smallest first) until the
    hidden removals are at least two and hold at least k together (`secondary_mask`). Only when no
    other removal exists is the records-in count hidden with it. Other steps (flags) below k are hidden."""
    out = table.copy()
    counts = out[count].astype(float)
    removed = out[step].isin(list(removals)).to_numpy()
    small = ((counts > 0) & (counts < k)).to_numpy() & ~removed
    rem = counts[removed].fillna(0).to_numpy()
    if removed.any():
        mask = secondary_mask(rem[None, :], k)[0]
        small[np.flatnonzero(removed)[mask]] = True
        if mask.any() and ((rem > 0) & ~mask).sum() == 0 and rem[mask].sum() < k:
            small |= (out[step] == out[step].iloc[0]).to_numpy()  # nothing else to hide: records in goes
    small = pd.Series(small, index=out.index)
    out[count] = counts.mask(small)
    out["onderdrukt"] = small
    return out


def suppress_linked(table: pd.DataFrame, unit: str, k: int, pairs, *, shares=None, depends=None,
                    total: str = "n", year: str = "jaar", differences=None, attribute: bool = False,
                    rounded: int = 1, share_decimals: int | None = None, width: float = 0) -> pd.DataFrame:
    """Rule 2 across the units of a register table (e.g. directorates), per year, for each
    (numerator, denominator) pair: the table unit x {in group, not in group} has published row (unit)
    and column (organisation) totals, so a hidden cell must not follow from them. Shares (`shares`:
    numerator -> share column) and columns derived from a hidden denominator (`depends`) go with it;
    a unit with fewer than k persons shows nothing.

    `differences` (audit of linked cells): name -> (minuend, subtrahend, hidden with) for a cell that
    follows from two published ones, e.g. staff in scale 15+ = staff from 12 up minus staff in 12-14.
    Such a derived cell is checked as if it were published (pairs may name it); where it is hidden,
    the column `hidden with` (and what depends on it) is hidden so the difference cannot be taken.
    `rounded` (the release audit's protection width, `audit.audit`): the base the counts are published
    rounded to. A derived cell is then known as the difference of two rounding intervals; where both
    sources round to the same (non-zero) value it reads as 0..base-1 (a count of 0, 1 or 2 and the
    rounding collapse it) — an interval that meets 1..k-1 and is narrower than the declared width —
    so it is hidden as a derived 1..k-1 is (the pages print the rounded counts of both targets).
    `share_decimals` and `width`: the minuend's share (`shares`) and the subtrahend's (its own row) are
    printed as the exact share rounded to that many decimals, beside the rounded denominators; each
    count is then known within its rounding interval AND share x denominator, and the derived cell
    within their difference — hidden likewise where that meets 1..k-1 and is narrower than `width`."""
    shares, depends = dict(shares or {}), {kk: list(v) for kk, v in (depends or {}).items()}
    differences = dict(differences or {})
    out = table.copy()
    num_cols = [c for c in out.columns if c not in (unit, year) and pd.api.types.is_numeric_dtype(out[c])]
    out[num_cols] = out[num_cols].astype(float)
    work = out.copy()
    for name, (a, b, _) in differences.items():
        work[name] = work[a] - work[b]
    for _, idx in out.groupby(year).groups.items():
        sub = work.loc[idx]
        # a derived cell no pair names (e.g. the staff between two nested ranges) gets the rounding check
        alone = [(name, None) for name in differences if rounded > 1 and name not in {p[0] for p in pairs}]
        for num, den in [*pairs, *alone]:
            if den is None:
                mask = np.zeros(len(sub), bool)
            else:
                counts = np.column_stack([sub[num].to_numpy(float), (sub[den] - sub[num]).to_numpy(float)])
                mask = secondary_mask(counts, k).any(axis=1) | (sub[den].to_numpy(float) < k)
            if rounded > 1 and num in differences:
                a, b = (round_base(sub[c], rounded).to_numpy(float) for c in differences[num][:2])
                mask |= (a == b) & (b > 0)
                if share_decimals is not None and width > 0:
                    mask |= _narrow_difference(sub, num, pairs, shares, differences, rounded, share_decimals, k, width)
            if rounded > 1 and share_decimals is not None and width > 0 and den is not None and num in shares:
                mask |= _narrow_shown(sub, num, den, rounded, share_decimals, k, width)
            if attribute and den is not None:  # everyone or no one in a unit of fewer than 2k (rule 6)
                mask |= (counts.min(axis=1) == 0) & (sub[den].to_numpy(float) < 2 * k)
            # the hidden rows must again be at least two (the organisation total is published)
            if mask.sum() == 1 and len(sub) > 1:
                cand = sub[num].where(~mask).astype(float)
                mask[np.nanargmin(cand.to_numpy())] = True
            hide = sub.index[mask]
            target = differences[num][2] if num in differences else num
            out.loc[hide, target] = np.nan
            out.loc[hide, [shares[target]] if target in shares else []] = np.nan
            out.loc[hide, depends.get(target, [])] = np.nan
    out.loc[_small_units(work, total, year, k), num_cols] = np.nan
    return out


def _small_units(t: pd.DataFrame, total: str, year: str, k: int) -> pd.Series:
    """Units that show nothing: fewer than k persons, and (the organisation's total is published) with
    them the smallest other units until the hidden units are at least two and hold at least k persons
    together, so that a hidden unit's size does not follow from the total minus the shown units (issue
    25 A7: training 2025, Audit's 8 leaders were the organisation minus the other directorates). The
    counts within them (e.g. the trained) are hidden by the pair rule, with its own second cell."""
    hide = pd.Series(False, index=t.index)
    n = pd.to_numeric(t[total], errors="coerce")
    for _, idx in t.groupby(year).groups.items():
        sub_n = n.loc[idx]
        small = (sub_n < k) & (sub_n > 0)
        if not small.any():
            hide.loc[idx] = sub_n < k
            continue
        chosen = set(sub_n.index[small])

        def enough() -> bool:  # the counts within the hidden units have their own (pair) rule above
            rows = list(chosen)
            return len(rows) >= 2 and sub_n.loc[rows].sum() >= k
        for i in sub_n[~sub_n.index.isin(chosen) & (sub_n > 0)].sort_values(kind="stable").index:
            if enough():
                break
            chosen.add(i)
        hide.loc[idx] = (sub_n < k) | sub_n.index.isin(chosen)
    return hide


def _known(count: pd.Series, den: pd.Series | None, base: int, decimals: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The interval a reader knows a count within: its rounding interval (`audit.rounding_interval`:
    r - b/2 .. r + b/2 - 1 half up; a count shown as b is 1..), narrowed by its share (the exact share
    rounded to `decimals`) times its denominator's rounding interval."""
    r = round_base(count, base).to_numpy(float)
    lo, hi = np.maximum(np.ceil(r - base / 2), 0.0), np.ceil(r + base / 2) - 1
    lo = np.where(r == base, 1.0, lo)
    if den is not None and decimals is not None:
        d = den.to_numpy(float)
        share = np.round(count.to_numpy(float) / np.where(d > 0, d, np.nan), decimals)
        h = 0.5 * 10.0 ** -decimals
        rd = round_base(den, base).to_numpy(float)
        dlo, dhi = np.maximum(np.ceil(rd - base / 2), 0.0), np.ceil(rd + base / 2) - 1
        ok = ~np.isnan(share)
        lo = np.where(ok, np.maximum(lo, np.ceil(np.maximum(share - h, 0) * dlo - 1e-9)), lo)
        hi = np.where(ok, np.minimum(hi, np.floor((share + h) * dhi + 1e-9)), hi)
    return lo, hi


def _narrow_shown(sub: pd.DataFrame, num: str, den: str, base: int, decimals: int, k: int, width: float) -> np.ndarray:
    """Rows whose shown count (or its complement, the denominator minus it), read as printed — rounded
    to `base` with the exact share rounded to `decimals` beside the rounded denominator — lies in an
    interval that meets 1..k-1 and is narrower than the count's own rounding (issue 25 A5: 10 women of
    20 in scale 15+ at 50% read as 9..11, and the 10 others likewise)."""
    alo, ahi = _known(sub[num], sub[den], base, decimals)
    dlo, dhi = _known(sub[den], None, base, None)
    d = sub[den].to_numpy(float)
    share = np.round(sub[num].to_numpy(float) / np.where(d > 0, d, np.nan), decimals)
    h = 0.5 * 10.0 ** -decimals
    ok = ~np.isnan(share)
    clo = np.where(ok, np.maximum(dlo - ahi, np.ceil(np.maximum(1 - share - h, 0) * dlo - 1e-9)), dlo - ahi)
    chi = np.where(ok, np.minimum(dhi - alo, np.floor((1 - share + h) * dhi + 1e-9)), dhi - alo)
    clo = np.maximum(clo, 0.0)
    limit = min(width, base) - 1  # a rounded count alone is known within base - 1
    return np.logical_or.reduce([(lo <= k - 1) & (hi >= 1) & (hi - lo < limit) & (d > 0)
                                 for lo, hi in ((alo, ahi), (clo, chi))])


def _narrow_difference(sub: pd.DataFrame, name: str, pairs, shares, differences, base: int, decimals: int,
                       k: int, width: float) -> np.ndarray:
    """Rows where the derived cell `name` (minuend - subtrahend, `suppress_linked`) is known within an
    interval that meets 1..k-1 and is narrower than `width`, reading each count as published."""
    a, b, _ = differences[name]
    den = dict(pairs).get(a)
    # the subtrahend's denominator: the difference that takes the minuend's denominator apart
    bden = next((y for x, y, _ in differences.values() if x == den), None)
    with_share = a in shares and den in sub and bden in sub
    alo, ahi = _known(sub[a], sub[den] if with_share else None, base, decimals if with_share else None)
    blo, bhi = _known(sub[b], sub[bden] if with_share else None, base, decimals if with_share else None)
    lo, hi = np.maximum(alo - bhi, 0.0), ahi - blo
    # a row without a nested part (subtrahend or its population 0: no inner target) derives nothing
    nested = (sub[bden] if with_share else sub[b]).to_numpy(float) > 0
    return nested & (lo <= k - 1) & (hi >= 1) & (hi - lo < width)


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


def round_base(values: pd.Series, base: int = 5) -> pd.Series:
    """Counts rounded to the nearest multiple of `base` (conventional rounding, SDC handbook); a
    non-zero count never becomes 0 (it would read as a structural zero). NaN stays NaN."""
    v = pd.to_numeric(values, errors="coerce").astype(float)
    r = np.floor(v / base + 0.5) * base
    return r.where(~((v > 0) & (r == 0)), float(base))


def round_register(table: pd.DataFrame, counts, shares, *, base: int = 5, decimals: int = 2,
                   p_columns=()) -> pd.DataFrame:
    """Rounding of a linked register table so exact back-calculation is impossible: counts to base
    `base`, shares (and their intervals) to `decimals` decimals of a fraction (2: whole percentages),
    p-values to 3 decimals."""
    out = table.copy()
    for c in counts:
        if c in out:
            out[c] = round_base(out[c], base)
    for c in shares:
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").astype(float).round(decimals)
    for c in p_columns:
        if c in out:
            out[c] = pd.to_numeric(out[c], errors="coerce").astype(float).round(3)
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


def _merge_segments(counts: np.ndarray, k: int) -> list[list[int]] | None:
    """Adjacent answer categories merged (the smallest segment with its smaller neighbour) until every
    segment and the rest of the bar hold at least k; None if the bar cannot be made safe."""
    segs = [[i] for i in range(len(counts))]
    tot = lambda seg: counts[seg].sum()  # noqa: E731
    n = counts.sum()
    while len(segs) > 1:
        sizes = np.array([tot(g) for g in segs])
        bad = np.flatnonzero((sizes < k) | (n - sizes < k))
        if not len(bad):
            return segs
        i = bad[np.argmin(sizes[bad])]
        nb = [j for j in (i - 1, i + 1) if 0 <= j < len(segs)]
        j = min(nb, key=lambda j: sizes[j])
        a, b = sorted((i, j))
        segs[a:b + 1] = [segs[a] + segs[b]]
    return None


def safe_distribution(table: pd.DataFrame, rule, k: int, references=None) -> pd.DataFrame:
    """Rule 6 for stacked bars (`publish.Distribution`): merge adjacent answers until every segment
    and its complement hold at least k unweighted respondents, leave out bars that cannot be made
    safe (and, per figure of groups, a complementary bar), and groups hidden by `rule.sizes`
    (`references`: the reference groups, complements only as a last resort, as in every table)."""
    hidden: set = set()
    for sizes in rule.sizes:
        hidden |= sizes.hidden(k, references)
    cat, tot_col = rule.category, f"{rule.category}_tot"
    rows, dropped = [], []
    bars = table.sort_values(list(rule.bar) + [cat], kind="stable").groupby(list(rule.bar), sort=False)
    for key, bar in bars:
        dim, grp = str(bar[rule.dimension].iloc[0]), str(bar[rule.group].iloc[0])
        counts = bar[rule.count].to_numpy(float)
        segs = None if (dim, grp) in hidden or bar[rule.n].iloc[0] < k else _merge_segments(counts, k)
        if segs is None:
            dropped.append((key, bar))
            continue
        for seg in segs:
            part = bar.iloc[seg]
            r = part.iloc[0].copy()
            r[rule.share] = part[rule.share].sum()
            r[rule.count] = part[rule.count].sum()
            r[tot_col] = part[cat].iloc[-1]
            rows.append(r)
    out = pd.DataFrame(rows, columns=[*table.columns, tot_col]).infer_objects() if rows else \
        pd.DataFrame(columns=[*table.columns, tot_col])
    if dropped and len(out):
        # one bar of a figure of groups left out: the smallest other goes too (rule 3)
        items = [c for c in rule.bar if c != rule.group]
        for key, grp in out[out[rule.dimension].astype(str) != "totaal"].groupby(items + [rule.dimension], sort=False):
            n_dropped = sum(1 for _, b in dropped if all(str(b[c].iloc[0]) == str(v) for c, v in
                                                       zip(items + [rule.dimension], key if isinstance(key, tuple) else (key,)))
                            and b[rule.count].sum() > 0)
            if n_dropped == 1:
                smallest = grp.loc[grp[rule.n].astype(float).idxmin(), rule.group]
                out = out.drop(grp.index[grp[rule.group] == smallest])
    return out.drop(columns=[rule.count]).reset_index(drop=True)

"""One decision per statistic on which survey groups are hidden, the same in every table (issue 25).

Why: a chapter publishes the respondents of each group (n) for one scale and wave in several tables —
the level table, the gap table (which has no row for its reference group), the group CSV tables and
results.csv — and each table used to choose its complementary cells itself: the level table could hide
the reference group (the smallest visible level), which hides every row of the gap table, so a group's
n was shown in one table and hidden in the next. And an intersection cell (e.g. westers × non-binair)
was protected against being pinned, not to the declared protection width: a reader who takes a
published margin (westers, from the level table) minus the shown cells of its line read it as 0..3.

The decision is a function of what every table of the statistic shares — each group's respondents and
which groups the per-table rules hide — so the level table and the gap table (and a chapter that
prints the same statistic again) reach the same one:

- a line (one statistic, one dimension) whose hidden levels with respondents are one, or hold fewer
  than `width` together while a level with respondents is shown, hides its smallest shown level — never
  the reference group if another level can go (`line_levels`); where the reference group must be hidden
  after all, the whole dimension is (its gap table is empty then, and so is its level table);
- an intersection 'a×b' is read as a reader reads it: each published margin (a level of a or of b,
  shown in the level table) is at least the sum of the cells of its line (a level of the other side may
  be unknown, so not equal), every cell at least 0. A hidden cell then lies in [0, the smallest slack of
  its lines] (margin minus the shown cells; the reference cell is never printed), so it is protected
  when that slack is 0 or at least `width`. Where it is not, the smallest shown cell of the binding
  line is hidden too (`crossed_cells`), until every hidden cell is protected.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np


def line_levels(n: Mapping[str, float], hidden: set[str], reference: str | None, width: float,
                attribute_only: bool = False) -> set[str]:
    """The hidden levels of one line (one statistic, one dimension; `n`: level -> respondents in table
    order, the reference group included): `hidden` with complements, smallest shown level first, the
    reference only as a last resort; all levels when the reference group ends up hidden — unless it is
    hidden only by the attribute rule of a share (`attribute_only`: a gap table of means, which has no
    such rule, keeps its reference then, and so do the other levels of the share table)."""
    hidden = set(hidden)
    given = reference in hidden
    order = list(n)
    real = {lv for lv in order if (n[lv] or 0) > 0}
    while True:
        h = [lv for lv in order if lv in hidden and lv in real]
        shown = [lv for lv in order if lv not in hidden and lv in real]
        if not h or not shown or (len(h) >= 2 and sum(n[lv] for lv in h) >= width):
            break
        candidates = [lv for lv in shown if lv != reference] or shown
        hidden.add(min(candidates, key=lambda lv: (n[lv], order.index(lv))))
    if reference is not None and reference in hidden and not (given and attribute_only):
        hidden |= set(order)
    return hidden


def crossed_bounds(cells: Mapping[tuple[str, str], float], hidden: set[tuple[str, str]],
                   rows: Mapping[str, float | None], columns: Mapping[str, float | None],
                   reference: tuple[str, str] | None = None) -> dict[tuple[str, str], float]:
    """Upper bound of each hidden cell of an intersection as a reader finds it: the smallest slack
    (published margin minus the shown cells of the line) over its row and column with a published
    margin (`rows`/`columns`: level -> margin, None when the margin is hidden); the lower bound is 0.
    The reference cell is never printed (a free count). np.inf where no published margin bounds it."""
    def shown(cell):
        return cell in cells and cell not in hidden and cell != reference

    def slack(line_of, level, margin):
        return margin - sum(cells[c] for c in cells if line_of(c) == level and shown(c))
    out = {}
    for cell in sorted(hidden):
        bounds = [slack(lambda c: c[0], cell[0], rows[cell[0]]) if rows.get(cell[0]) is not None else np.inf,
                  slack(lambda c: c[1], cell[1], columns[cell[1]]) if columns.get(cell[1]) is not None else np.inf]
        out[cell] = float(min(bounds))
    return out


def crossed_cells(cells: Mapping[tuple[str, str], float], hidden: set[tuple[str, str]],
                  rows: Mapping[str, float | None], columns: Mapping[str, float | None],
                  reference: tuple[str, str] | None, width: float) -> set[tuple[str, str]]:
    """The hidden cells of an intersection (`cells`: (row level, column level) -> respondents) with the
    complements that protect each to `width` (`crossed_bounds`): where a hidden cell's bound is 1..width-1,
    the smallest shown non-empty cell of its binding line is hidden too, until none is left."""
    hidden = {c for c in hidden if c in cells}
    margins = (rows, columns)

    def slack(side, level):
        return margins[side][level] - sum(cells[c] for c in cells
                                          if c[side] == level and c not in hidden and c != reference)
    while True:
        bounds = crossed_bounds(cells, hidden, rows, columns, reference)
        added = False
        for cell in [c for c, hi in bounds.items() if 1 <= hi < width]:
            # its lines with a published margin, tightest first: hide the smallest shown cell of one
            sides = sorted((side for side in (0, 1) if margins[side].get(cell[side]) is not None),
                           key=lambda side: slack(side, cell[side]))
            for side in sides:
                free = [c for c in cells if c[side] == cell[side] and c not in hidden and c != reference
                        and cells[c] > 0]
                if free:
                    hidden.add(min(free, key=lambda c: (cells[c], c)))
                    added = True
                    break
            if added:
                break
        if not added:  # every hidden cell protected, or nothing left to hide in the lines of the others
            return hidden

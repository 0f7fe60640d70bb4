"""Release audit: every published number of a release as one system of linear constraints, and for
every hidden count the interval it can still lie in (tau-ARGUS's audit; Hundepool et al., *Statistical
Disclosure Control*, 2012, ch. 4).

Why: each table rule (`suppress.py`) looks at one table and one period. An attacker looks at the
release: the same count in two files, a table's margins, a stock at the start of one period and the
next (stock(t) + inflow - outflow = stock(t+1)), a share printed next to its base, and last year's
release. Here every published number is a `Cell` keyed by what it counts — (source, period, unit,
group, measure) — so the same count published in several artefacts is one variable; each publication
adds what it reveals: an exact value, the interval of a rounded count (base 5: value - 2 .. value + 2),
or, for a share s printed with d decimals next to its base, the linear pair
count >= (s - h) * base and count <= (s + h) * base, with h = 0.5 * 10^-d.

For each hidden count the audit minimises and maximises it over all constraints with
`scipy.optimize.linprog(method="highs")`, per connected component (only the constraints that can reach
it). Integrality: counts are integers, the LP relaxation gives outer bounds (ceil of the LP minimum,
floor of the LP maximum); where that interval is narrow enough to matter (below the protection width
plus 2), the bounds are recomputed exactly with `scipy.optimize.milp` (all counts integral), since the
integer hull can only be narrower than the relaxation.

A hidden count is *protected* when its interval does not meet 1..k-1, or it does and is at least
`width` wide (config `disclosure.audit.width`). `protect` adds secondary suppression where it is not:
it hides, one at a time, the smallest shown count that shares a constraint with the unprotected cell
(never a cell declared `keep`), and audits again. What remains is a finding: the build stops.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

Key = tuple  # (source, period, unit, group, measure)
UNBOUNDED = 1e7  # a hidden count with no constraint can be anything from 0 to any workforce size


@dataclass
class Occurrence:
    artefact: str
    value: float | None        # the published value (None: hidden)
    lo: float = 0.0
    hi: float = UNBOUNDED


@dataclass
class Interval:
    key: Key
    lo: float
    hi: float
    rule: str                 # what protects it, or why it is a finding
    protected: bool
    artefacts: tuple[str, ...] = ()

    def __str__(self) -> str:
        hi = "∞" if self.hi >= UNBOUNDED else f"{self.hi:g}"
        where = ", ".join(self.artefacts[:3]) + (" …" if len(self.artefacts) > 3 else "")
        return f"{'/'.join(map(str, self.key))}: [{self.lo:g}, {hi}] {self.rule} ({where})"


def rounding_interval(value: float, base: int) -> tuple[float, float]:
    """The counts a count published rounded to `base` (half up; a non-zero count never shown as 0) can be."""
    if base <= 1:
        return value, value
    lo, hi = math.ceil(value - base / 2), math.ceil(value + base / 2) - 1   # half up: [v - b/2, v + b/2)
    lo = 1.0 if value == base else max(lo, 0.0)   # 1..b/2 are shown as b, never as 0
    return lo, hi


def share_halfwidth(text: str) -> float:
    """Half of the last published digit of a share as printed ('0,0855541' -> 0.5e-7); '12%' -> 0.005."""
    t = str(text).strip()
    pct = t.endswith("%")
    t = t.rstrip("%").strip().replace(",", ".")
    decimals = len(t.split(".")[1]) if "." in t else 0
    return 0.5 * 10 ** -(decimals + (2 if pct else 0))


@dataclass
class Release:
    """What one release (with the archived releases) publishes: cells and the identities between them."""

    cells: dict[Key, list[Occurrence]] = field(default_factory=lambda: defaultdict(list))
    equalities: list[tuple[dict[Key, float], float]] = field(default_factory=list)
    ratios: list[tuple[Key, Key, float, float]] = field(default_factory=list)
    keep: set[Key] = field(default_factory=set)  # never chosen as a complement (e.g. totals)
    # where a cell is printed, for the researchers' view: (file, row, column) -> key (`attack.py`)
    where: dict[tuple, Key] = field(default_factory=dict)

    # --- what is published ---------------------------------------------------------------------
    def count(self, key: Key, value, artefact: str, base: int = 1) -> None:
        """A count as published: a value (rounded to `base`) or hidden (None / NaN)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            self.cells[key].append(Occurrence(artefact, None))
        else:
            lo, hi = rounding_interval(float(value), base)
            self.cells[key].append(Occurrence(artefact, float(value), lo, hi))

    def share(self, count: Key, base: Key, value, halfwidth: float, artefact: str) -> None:
        """A share count/base published with its precision: count within (value +- halfwidth) * base."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        self.cells.setdefault(count, [])
        self.cells.setdefault(base, [])
        self.ratios.append((count, base, max(float(value) - halfwidth, 0.0), float(value) + halfwidth))

    def total(self, total: Key, parts: Iterable[Key]) -> None:
        """A partition: the parts add up to the total (margins of a table, units of the organisation)."""
        terms = defaultdict(float)
        terms[total] += 1.0
        for p in parts:
            terms[p] -= 1.0
        self.equalities.append((dict(terms), 0.0))

    def identity(self, terms: dict[Key, float], rhs: float = 0.0) -> None:
        """Any other linear identity, e.g. stock(t) + inflow - outflow - stock(t+1) = 0."""
        self.equalities.append((dict(terms), rhs))

    def merge(self, other: "Release") -> "Release":
        """Another release's numbers (an archived year) as further constraints on the same cells."""
        for k, occ in other.cells.items():
            self.cells[k] += occ
        self.equalities += other.equalities
        self.ratios += other.ratios
        self.keep |= other.keep
        return self

    def hide(self, key: Key, artefact: str = "audit") -> None:
        """Hide a cell everywhere it is published (one cell, one status), with the shares printed beside
        it (a share of a hidden count or base is hidden with it; a part-of bound, [0, 1], stays)."""
        for o in self.cells[key]:
            o.value, o.lo, o.hi = None, 0.0, UNBOUNDED
        if not self.cells[key]:
            self.cells[key].append(Occurrence(artefact, None))
        self.ratios = [r for r in self.ratios if key not in r[:2] or (r[2], r[3]) == (0.0, 1.0)]

    # --- status ----------------------------------------------------------------------------------
    def shown(self, key: Key) -> bool:
        return any(o.value is not None for o in self.cells.get(key, ()))

    def hidden(self) -> list[Key]:
        """Cells hidden in at least one artefact, or never printed but part of an identity (a table's
        remainder, e.g. the unknown-gender leavers between a total and its listed rows)."""
        keys = {k for k, occ in self.cells.items() if any(o.value is None for o in occ)}
        keys |= {k for terms, _ in self.equalities for k in terms if not self.cells.get(k)}
        return sorted(keys, key=lambda k: tuple(map(str, k)))

    def inconsistent(self) -> list[str]:
        """One cell, one value, one status: cells shown in one artefact and hidden in another, or shown
        with values that do not agree."""
        out = []
        for k, occ in sorted(self.cells.items(), key=lambda kv: tuple(map(str, kv[0]))):
            shown = [o for o in occ if o.value is not None]
            hidden = [o for o in occ if o.value is None]
            if shown and hidden:
                out.append(f"{'/'.join(map(str, k))}: getoond in {shown[0].artefact}, verborgen in {hidden[0].artefact}")
            elif shown and max(o.lo for o in shown) > min(o.hi for o in shown):
                out.append(f"{'/'.join(map(str, k))}: verschillende waarden in {shown[0].artefact} en {shown[-1].artefact}")
        return out


# --- the linear system ------------------------------------------------------------------------------

class _System:
    """Variables, bounds and constraints of a release, split into connected components."""

    def __init__(self, rel: Release):
        keys = set(rel.cells) | {k for t, _ in rel.equalities for k in t} | {k for c, b, *_ in rel.ratios for k in (c, b)}
        self.keys = sorted(keys, key=lambda k: tuple(map(str, k)))
        self.index = {k: i for i, k in enumerate(self.keys)}
        n = len(self.keys)
        lo, hi = np.zeros(n), np.full(n, UNBOUNDED)
        for k, occ in rel.cells.items():
            i = self.index[k]
            for o in occ:
                if o.value is not None:  # a hidden occurrence adds nothing; a shown one its interval
                    lo[i], hi[i] = max(lo[i], o.lo), min(hi[i], o.hi)
        self.lo, self.hi = lo, hi
        self.eq = [({self.index[k]: c for k, c in t.items()}, r) for t, r in rel.equalities]
        self.ub = []  # sum c x <= r
        for c, b, slo, shi in rel.ratios:
            ci, bi = self.index[c], self.index[b]
            self.ub.append(({ci: -1.0, bi: slo}, 0.0))   # count >= slo * base
            self.ub.append(({ci: 1.0, bi: -shi}, 0.0))   # count <= shi * base
        parent = list(range(n))

        def find(a):
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a
        for terms, _ in self.eq + self.ub:
            ids = list(terms)
            for j in ids[1:]:
                ra, rb = find(ids[0]), find(j)
                if ra != rb:
                    parent[ra] = rb
        self.comp = np.array([find(i) for i in range(n)])
        self._cache, self._coo = {}, {}
        self._rows = defaultdict(lambda: ([], []))
        for kind, rows in (("eq", self.eq), ("ub", self.ub)):
            for terms, r in rows:
                c = self.comp[next(iter(terms))]
                (self._rows[c][0] if kind == "eq" else self._rows[c][1]).append((terms, r))

    def _component(self, c):
        """The LP of one connected component, built once: (members, positions, A_eq, b_eq, A_ub, b_ub)."""
        if c not in self._cache:
            members = np.flatnonzero(self.comp == c)
            pos = {m: j for j, m in enumerate(members)}
            eqs, ubs = self._rows.get(c, ([], []))

            def matrix(rows):
                if not rows:
                    return None, None
                a = np.zeros((len(rows), len(members)))
                for r, (terms, _) in enumerate(rows):
                    for v, coef in terms.items():
                        a[r, pos[v]] += coef
                return a, np.array([r for _, r in rows], dtype=float)
            self._cache[c] = (members, pos, *matrix(eqs), *matrix(ubs))
        return self._cache[c]

    def bounds(self, i: int, integral: bool = False) -> tuple[float, float]:
        from scipy.optimize import linprog
        eqs, ubs = self._rows.get(self.comp[i], ([], []))
        if not eqs and not ubs:
            return self.lo[i], self.hi[i]
        members, pos, a_eq, b_eq, a_ub, b_ub = self._component(self.comp[i])
        bnds = list(zip(self.lo[members], self.hi[members]))
        out = []
        for sign in (1.0, -1.0):
            c = np.zeros(len(members))
            c[pos[i]] = sign
            if integral:
                from scipy.optimize import Bounds, LinearConstraint, milp
                cons = []
                if a_eq is not None:
                    cons.append(LinearConstraint(a_eq, b_eq, b_eq))
                if a_ub is not None:
                    cons.append(LinearConstraint(a_ub, -np.inf, b_ub))
                res = milp(c, constraints=cons, integrality=np.ones(len(members)),
                           bounds=Bounds(self.lo[members], self.hi[members]))
            else:
                res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bnds, method="highs")
            if res.status != 0:
                raise AuditError(f"audit: the published numbers around {self.keys[i]} are inconsistent "
                                 f"({res.message})")
            out.append(sign * res.fun)
        return out[0], out[1]

    def _solve(self, jobs: list, batch: int = 2000) -> list:
        """Solve many LPs on components: jobs are (component, objective over its members); returns each
        job's optimal point (None: its component is inconsistent). Jobs are copied into block-diagonal
        LPs of about `batch` variables: blocks share no variable, so each block's optimum is that job's
        own, and one HiGHS call replaces many (each call costs ~2 ms of scipy's overhead)."""
        from scipy import sparse
        from scipy.optimize import linprog
        out, start = [None] * len(jobs), 0
        while start < len(jobs):
            end, size = start, 0
            while end < len(jobs) and (end == start or size + len(self._component(jobs[end][0])[0]) <= batch):
                size += len(self._component(jobs[end][0])[0])
                end += 1
            part, first, start = jobs[start:end], start, end
            c, lo, hi, eq, ub, offsets, off = [], [], [], ([], [], [0]), ([], [], [0]), [], 0
            for comp, obj in part:
                members, _, ae, be, au, bu = self._component(comp)
                c.append(obj)
                lo.append(self.lo[members])
                hi.append(self.hi[members])
                for (mats, vecs, rows), a, b, kind in ((eq, ae, be, "eq"), (ub, au, bu, "ub")):
                    if a is not None:
                        if (comp, kind) not in self._coo:
                            self._coo[(comp, kind)] = (*np.nonzero(a), a[np.nonzero(a)])
                        rr, cc, vv = self._coo[(comp, kind)]
                        mats.append((rr + rows[0], cc + off, vv))
                        vecs.append(b)
                        rows[0] += len(b)
                offsets.append(off)
                off += len(members)

            def stack(parts):
                mats, vecs, _ = parts
                if not mats:
                    return None, None
                rows, cols, vals = (np.concatenate(x) for x in zip(*mats))
                b = np.concatenate(vecs)
                return sparse.csr_matrix((vals, (rows, cols)), shape=(len(b), off)), b
            (a_eq, b_eq), (a_ub, b_ub) = stack(eq), stack(ub)
            res = linprog(np.concatenate(c), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                          bounds=np.column_stack([np.concatenate(lo), np.concatenate(hi)]), method="highs")
            if res.status == 0:
                for j, o in enumerate(offsets):
                    out[first + j] = res.x[o:o + len(c[j])]
            elif len(part) > 1:  # an inconsistent component among them: solve them one by one
                out[first:first + len(part)] = self._solve(part, batch=0)
        return out

    def many_bounds(self, indices: Iterable[int]) -> dict:
        """LP bounds of many cells at once: index -> (lo, hi), or the AuditError of its component.

        Why: two LPs per cell are ~2 ms each. First, per component, one LP minimises (maximises) the sum
        of the cells still open: a cell at its own bound (0, or its published interval's end) in that
        optimum has that bound as its minimum (maximum) — a feasible point reaches it. Repeated while it
        settles cells; the rest get an LP each. All in batches (`_solve`)."""
        out, bound = {}, {1.0: {}, -1.0: {}}
        cells = []
        for i in dict.fromkeys(indices):
            eqs, ubs = self._rows.get(self.comp[i], ([], []))
            if eqs or ubs:
                cells.append(i)
            else:
                out[i] = (self.lo[i], self.hi[i])
        for sign, at in ((1.0, self.lo), (-1.0, self.hi)):
            todo = list(cells)
            for _ in range(3):
                by_comp = defaultdict(list)
                for i in todo:
                    by_comp[self.comp[i]].append(i)
                jobs = []
                for comp, ii in by_comp.items():
                    members, pos, *_ = self._component(comp)
                    obj = np.zeros(len(members))
                    obj[[pos[i] for i in ii]] = sign
                    jobs.append((comp, obj))
                settled = set()
                for (comp, _), x in zip(jobs, self._solve(jobs)):
                    if x is None:
                        continue
                    pos = self._component(comp)[1]
                    settled |= {i for i in by_comp[comp] if abs(x[pos[i]] - at[i]) <= 1e-7 * max(1.0, abs(at[i]))}
                for i in settled:
                    bound[sign][i] = at[i]
                todo = [i for i in todo if i not in settled]
                if not settled or not todo:
                    break
            jobs = []
            for i in todo:
                members, pos, *_ = self._component(self.comp[i])
                obj = np.zeros(len(members))
                obj[pos[i]] = sign
                jobs.append((self.comp[i], obj))
            for i, (comp, _), x in zip(todo, jobs, self._solve(jobs)):
                if x is not None:
                    bound[sign][i] = float(x[self._component(comp)[1][i]])
        for i in cells:
            if i in bound[1.0] and i in bound[-1.0]:
                out[i] = (bound[1.0][i], bound[-1.0][i])
            else:
                try:
                    out[i] = self.bounds(i)   # its component is inconsistent: say where
                except AuditError as e:
                    out[i] = e
        return out


class AuditError(ValueError):
    pass


def audit(rel: Release, k: int, width: float, keys: Iterable[Key] | None = None) -> list[Interval]:
    """Feasible interval of every hidden cell (or of `keys`), and whether it is protected."""
    sys = _System(rel)
    out = []
    keys = rel.hidden() if keys is None else list(keys)
    found = sys.many_bounds([sys.index[key] for key in keys])
    for key in keys:
        i = sys.index[key]
        if isinstance(found[i], AuditError):
            raise found[i]
        lo, hi = found[i]
        lo, hi = math.ceil(lo - 1e-6), (math.floor(hi + 1e-6) if hi < UNBOUNDED else UNBOUNDED)
        if hi - lo < width + 2 and lo <= k - 1 and hi >= 1:
            lo, hi = sys.bounds(i, integral=True)   # where it matters: the integer bounds
            lo, hi = round(lo), round(hi) if hi < UNBOUNDED else UNBOUNDED
        meets = lo <= k - 1 and hi >= 1
        artefacts = tuple(dict.fromkeys(o.artefact for o in rel.cells.get(key, ())))
        if not meets:
            rule = "buiten 1..k-1" if lo >= k else "alleen 0 mogelijk"
            out.append(Interval(key, lo, hi, rule, True, artefacts))
        elif hi - lo >= width:
            out.append(Interval(key, lo, hi, f"breedte {hi - lo:g} >= {width:g}", True, artefacts))
        else:
            rule = f"vastgepind op {lo:g}" if lo == hi else f"breedte {hi - lo:g} < {width:g}"
            out.append(Interval(key, lo, hi, rule, False, artefacts))
    return out


def protect(rel: Release, k: int, width: float, max_rounds: int = 200) -> tuple[list[Interval], list[Key]]:
    """Secondary suppression across tables, pages and years: while a hidden cell is not protected, hide
    the smallest shown count that shares a constraint with it (not a `keep` cell), and audit again.
    Returns (the final audit, the cells it hid). A finding that remains is left in the audit."""
    added: list[Key] = []
    for _ in range(max_rounds):
        result = audit(rel, k, width)
        bad = [r for r in result if not r.protected]
        if not bad:
            return result, added
        sys = _System(rel)
        hid = False
        rows = sys.eq + sys.ub
        for r in bad:
            # the shown cells of every constraint reachable from the cell through hidden cells: hiding
            # one of them is what can widen its interval
            seen, todo, near = set(), [sys.index[r.key]], set()
            while todo:
                i = todo.pop()
                if i in seen:
                    continue
                seen.add(i)
                for terms, _ in rows:
                    if i in terms:
                        near |= set(terms)
                        todo += [j for j in terms if j not in seen and not rel.shown(sys.keys[j])]
            cand = [sys.keys[j] for j in near if sys.keys[j] not in rel.keep and rel.shown(sys.keys[j])]
            if not cand:
                continue
            value = {c: min(o.value for o in rel.cells[c] if o.value is not None) for c in cand}
            pick = min(cand, key=lambda c: (value[c] < 1, value[c], tuple(map(str, c))))
            rel.hide(pick)
            added.append(pick)
            hid = True
            break  # one at a time: each hiding changes what the others need
        if not hid:
            return result, added
    return audit(rel, k, width), added


def findings_text(result: list[Interval], inconsistent: list[str] = ()) -> str:
    """The researchers' view (never published): every hidden cell with its interval and what protects it."""
    lines = ["# Audit van de publicatie: elke verborgen cel met het interval waarin ze nog kan liggen", ""]
    bad = [r for r in result if not r.protected]
    lines.append(f"verborgen cellen: {len(result)}; niet beschermd: {len(bad)}; "
                 f"getoond in het ene en verborgen in het andere bestand: {len(inconsistent)}")
    lines += ["", "## Niet beschermd"] + [str(r) for r in bad]
    lines += ["", "## Inconsistent"] + list(inconsistent)
    lines += ["", "## Alle verborgen cellen"] + [str(r) for r in result]
    return "\n".join(lines) + "\n"

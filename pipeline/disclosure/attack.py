"""The attacker's reading of a built release (issue 25): only the published files, combined.

Why: the build audits what it publishes from the inside (`model.protect_flows`, the per-table rules);
this module checks the result from the outside, the way the issue's attacker did — reading the CSV
tables of the chapters and the directorate pages and results.csv, writing down every identity a reader
can (a table's dimensions add up to the same total, stock + inflow - outflow = next stock per unit
and group, the units add up to the organisation, the same cell in several files, a rate times its base),
and bounding every hidden count by linear programming. A count counts as recovered when the audit pins
it to one value in 1..k-1 and that value is the true one (checked against the register and survey
files by `benchmarks/attack_release.py`). It is a researchers' check, not part of the build.

The attacker reads counts as exact unless every count of the table is a multiple of the declared base
(then as rounding intervals), and a printed rate r of a base n as count within (r +- h) * n, widened
by what rounding the count and base can move the ratio (2.5 (1 + r) / n) when they are rounded.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.disclosure.audit import AuditError, Release, _System, share_halfwidth

HIDDEN = {"<k", "–", "-"}


def _value(text: str):
    """A printed cell: float, None for hidden ('<k', '–'), NaN for empty / not applicable."""
    t = str(text).strip()
    if t in HIDDEN:
        return None
    if not t or t.lower() in ("n.v.t.", "nan"):
        return np.nan
    try:
        return float(t.replace(".", "").replace(",", ".")) if re.fullmatch(r"-?[\d.]+(,\d+)?", t) else float(t)
    except ValueError:
        return np.nan


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _base(values, base: int) -> int:
    shown = [v for v in values if isinstance(v, float) and not np.isnan(v)]
    return base if shown and all(v % base == 0 for v in shown) else 1


def _rate(rel: Release, count, stock, rate_text: str, n_printed, base: int, artefact: str) -> None:
    r = _value(rate_text)
    if r is None or not isinstance(r, float) or np.isnan(r):
        return
    h = share_halfwidth(rate_text)
    if base > 1:
        h += 2.5 * (1 + r) / max(float(n_printed), 1.0) if isinstance(n_printed, float) and n_printed == n_printed else 1.0
    rel.share(count, stock, r, h, artefact)


def flows(rel: Release, reports: Path, base: int) -> None:
    """The flow tables of the directorate pages and chapter 04, with the identities between them."""
    cells = {}
    for f in sorted((reports / "tables" / "directies").glob("*/*stromen*.csv")):
        unit, t = f.parent.name, _read(f)
        b = _base([_value(x) for x in (*t["aantal"], *t["noemer"])], base)
        for r in t.itertuples(index=False):
            stock = ("register", r.periode.split("-")[0], unit, r.groep, "stand")
            flow = ("register", r.periode, unit, r.groep, r.stroom)
            n, c = _value(r.noemer), _value(r.aantal)
            rel.count(flow, c, f"directies/{unit}", b)
            rel.count(stock, n, f"directies/{unit}", b)
            _rate(rel, flow, stock, getattr(r, "_5"), n, b, f"directies/{unit}")
            org_flow = ("register", r.periode, "gemeente", r.groep, r.stroom)
            org_stock = ("register", r.periode.split("-")[0], "gemeente", r.groep, "stand")
            _rate(rel, org_flow, org_stock, getattr(r, "_6"), None, b, f"directies/{unit}")
            cells[(r.periode, unit, r.groep)] = True
    for f in sorted((reports / "tables" / "04_streefcijfers").glob("*stroomcijfers*.csv")):
        t = _read(f)
        group = t.columns[2]
        b = _base([_value(x) for x in (*t["aantal"], *t["noemer"])], base)
        for r in t.itertuples(index=False):
            g = getattr(r, group)
            if r.stroom == "doorstroom":  # chapter 04 divides throughflow by the stayers: another base
                continue
            stock = ("register", r.periode.split("-")[0], "gemeente", g, "stand")
            flow = ("register", r.periode, "gemeente", g, r.stroom)
            rel.count(flow, _value(r.aantal), "04 stroomcijfers", b)
            rel.count(stock, _value(r.noemer), "04 stroomcijfers", b)
    # identities: stock(t) + inflow - outflow = stock(t+1) per unit and group; units add up to the city
    keys = list(rel.cells)
    periods = sorted({k[1] for k in keys if k[0] == "register" and "-" in k[1]})
    units = sorted({k[2] for k in keys if k[0] == "register"})
    groups = sorted({k[3] for k in keys if k[0] == "register"})
    for p in periods:
        y0, y1 = p.split("-")
        for u in units:
            for g in groups:
                terms = {("register", y0, u, g, "stand"): 1.0, ("register", p, u, g, "instroom"): 1.0,
                         ("register", p, u, g, "uitstroom"): -1.0, ("register", y1, u, g, "stand"): -1.0}
                if all(t in rel.cells for t in terms):
                    rel.identity(terms)
    for y in sorted({k[1] for k in keys if k[0] == "register" and k[4] == "stand"}):
        for g in groups:
            parts = [("register", y, u, g, "stand") for u in units if u != "gemeente"
                     and ("register", y, u, g, "stand") in rel.cells]
            if parts and ("register", y, "gemeente", g, "stand") in rel.cells:
                rel.total(("register", y, "gemeente", g, "stand"), parts)


def exit_tables(rel: Release, reports: Path, base: int = 5) -> None:
    """Chapter 09: leavers per group (outflow table) and respondents of the leavers (response table):
    every dimension adds up to 'Alle medewerkers'; a group's leavers are one cell in both tables."""
    folder = reports / "tables" / "09_exitfeedback"
    for f in sorted(folder.glob("*uitstroom_*_per_groep*.csv")) + sorted(folder.glob("*respons_op_de_exit*.csv")):
        year = re.search(r"_(\d{4})_", f.name).group(1)
        t = _read(f)
        outflow = "uitstroom_" in f.name
        measures = ("vertrekkers", "personeel") if outflow else ("respondenten", "vertrekkers")
        # register counts (leavers, staff) may be rounded; respondents are exact survey counts
        bases = [_base([_value(x) for x in t.iloc[:, i]], base) if m != "respondenten" else 1
                 for i, m in ((1, measures[0]), (2, measures[1]))]
        for g, a, b, share in t.iloc[:, :4].to_numpy():
            a, b = _value(a), _value(b)
            rel.count(("exit", year, g, measures[0]), a, f.stem, bases[0])
            rel.count(("exit", year, g, measures[1]), b, f.stem, bases[1])
            _rate(rel, ("exit", year, g, measures[0]), ("exit", year, g, measures[1]), share, b, max(bases), f.stem)
        # rows come in blocks of one dimension: the order of the groups (see chapters/exit.py)
        blocks = _blocks(list(t["groep"]))
        for m in measures:
            for block in blocks:  # a block may leave out a level (e.g. unknown gender): the remainder
                rest = ("exit", year, f"rest {block[0]}", m)
                rel.total(("exit", year, "Alle medewerkers", m), [*[("exit", year, g, m) for g in block], rest])


BLOCKS = (("Jonger dan 35", "35 of ouder"), ("Nederlands", "Westers", "Niet-westers"),
          ("Man", "Vrouw", "Non-binair", "Onbekend"), ("Schaal 9 en lager", "Schaal 10-11", "Schaal 12-14",
                                                       "Schaal 15 en hoger"))


def _blocks(groups: list[str]) -> list[list[str]]:
    """The rows of each dimension, in the table's order: a block starts at a dimension's first level;
    a row no block names (e.g. 'onbekend') belongs to the block it follows."""
    first = {b[0] for b in BLOCKS}
    out = []
    for g in groups:
        if g == "Alle medewerkers":
            continue
        if g in first or not out:
            out.append([g])
        else:
            out[-1].append(g)
    return out


def response_tables(rel: Release, reports: Path) -> None:
    """Chapter 01: respondents per category of each weighting variable; every variable adds up to the
    wave's respondents (counts of fractional allocations, so each within +-0.5)."""
    from pipeline.disclosure.audit import Occurrence
    for f in sorted((reports / "tables" / "01_opschoning").glob("*respons_per_directie*.csv")):
        wave, src = f.stem.split("_")[0], "tabel"   # the table's number: one wave of one source
        t = _read(f)
        total = ("respons", src, wave, "totaal")
        # the survey's own population: the staff of its year, or (exit) the year's leavers
        frame = "vertrekkers" if "vertrekkers" in t.columns else "medewerkers"
        for var, part in t.groupby("kenmerk", sort=False):
            keys = []
            for r in part.itertuples(index=False):
                key = ("respons", src, wave, f"{var}={r.categorie}")
                v = _value(r.respondenten)
                if v is None:
                    rel.cells[key].append(Occurrence(f.stem, None))
                elif isinstance(v, float) and not np.isnan(v):
                    rel.cells[key].append(Occurrence(f.stem, v, max(v - 0.5, 0), v + 0.5))
                n = _value(getattr(r, frame))
                _rate(rel, key, ("respons", src, wave, f"{var}={r.categorie}", "N"), r.respons, n, 1, f.stem)
                rel.count(("respons", src, wave, f"{var}={r.categorie}", "N"), n, f.stem)
                keys.append(key)
            rel.total(total, keys)


def attack(reports: str | Path, k: int = 10, base: int = 5) -> tuple[list, list[str], Release]:
    """(pinned hidden cells: (key, value), cells shown in one file and hidden in another, the model)."""
    reports = Path(reports)
    rel = Release()
    flows(rel, reports, base)
    exit_tables(rel, reports, base)
    response_tables(rel, reports)
    sys = _System(rel)
    pinned = []
    rel.found = {}  # every hidden cell's interval, for the findings file
    for key in rel.hidden():
        try:
            lo, hi = sys.bounds(sys.index[key])
        except AuditError:
            rel.found[key] = None
            continue  # the attacker's assumptions do not fit these numbers: nothing learnt here
        rel.found[key] = (lo, hi)
        ints = int(np.floor(hi + 1e-6) - np.ceil(lo - 1e-6) + 1)
        value = int(np.ceil(lo - 1e-6)) if ints == 1 else int(round(lo)) if round(lo) == round(hi) else None
        # one whole number left, or a count published as the rounding of a fractional allocation
        # (respondents per category) whose interval rounds to one number: recovered
        if value is not None and 1 <= value <= k - 1:
            pinned.append((key, value))
    return pinned, rel.inconsistent(), rel


SHARE_COLUMNS = ("aandeel", "uitstroom", "respons", "percentage")
# the base of a share, first match: a count of people who could have the attribute
N_COLUMNS = ("personeel begin jaar", "vertrekkers", "medewerkers", "noemer", "van", "n", "respondenten")


def attribute_check(reports: str | Path, k: int = 10) -> list[str]:
    """Shares printed next to their n, read as an attacker would: share x n is (about) the number of
    people with the attribute, n - share x n without it. Rows where either is 1..k-1, or the share is
    0% or 100% in a group of fewer than 2k, are listed (for weighted shares share x n is approximate:
    a listed row is a lead to check, and the check errs towards listing)."""
    out = []
    for f in sorted(Path(reports, "tables").rglob("*.csv")):
        t = _read(f)
        shares = [c for c in t.columns if c in SHARE_COLUMNS]
        ns = [c for c in N_COLUMNS if c in t.columns][::-1]
        if not shares or not ns:
            continue
        for i, row in t.iterrows():
            n = _value(row[ns[-1]])
            s = _value(row[shares[0]])
            if not isinstance(n, float) or not isinstance(s, float) or np.isnan(n) or np.isnan(s) or n <= 0:
                continue
            yes, no = s * n, n - s * n
            small = any(0.5 <= x < k - 0.5 for x in (yes, no)) or (s in (0.0, 1.0) and n < 2 * k)
            if small:
                out.append(f"{f.relative_to(reports)} rij {i + 1}: aandeel {row[shares[0]]} van {row[ns[-1]]}")
    return out


def guard_release(reports: str | Path, target: str | Path, k: int = 10, base: int = 5) -> None:
    """The last check of a build: the attacker's reading of the whole release. Writes what it found to
    `target` (researchers only, outside reports/) and stops the build if a hidden count of 1..k-1 can
    be worked out, a cell is shown in one file and hidden in another, or a share implies 1..k-1 people."""
    from pipeline.disclosure.errors import DisclosureError
    from pipeline.io import atomic_write_text
    pinned, inconsistent, rel = attack(reports, k, base)
    shares = attribute_check(reports, k)
    lines = [f"# Controle van de hele publicatie als aanvaller: {len(rel.cells)} cellen, {len(rel.hidden())} verborgen",
             f"te berekenen aantallen 1..{k - 1}: {len(pinned)}",
             *[f"  {'/'.join(map(str, key))} = {v}" for key, v in pinned],
             f"getoond in het ene en verborgen in het andere bestand: {len(inconsistent)}", *[f"  {x}" for x in inconsistent],
             f"aandelen die 1..{k - 1} personen met of zonder het kenmerk betekenen: {len(shares)}", *[f"  {x}" for x in shares],
             "", "# Elke verborgen cel: het interval waarin ze voor een lezer van alle bestanden nog kan liggen"]
    for key, b in rel.found.items():
        where = ", ".join(dict.fromkeys(o.artefact for o in rel.cells.get(key, ())))
        lines.append(f"{'/'.join(map(str, key))}: " + ("aannames van de lezer kloppen hier niet: niets af te leiden" if b is None
                     else f"[{b[0]:.1f}, {'∞' if b[1] >= 1e6 else f'{b[1]:.1f}'}]") + (f" ({where})" if where else ""))
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, "\n".join(lines) + "\n")
    if pinned or inconsistent or shares:
        raise DisclosureError([*(f"te berekenen: {'/'.join(map(str, key))} = {v}" for key, v in pinned),
                               *inconsistent, *shares, f"bevindingen in {target}"])

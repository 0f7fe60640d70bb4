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

from pipeline.disclosure.audit import AuditError, Occurrence, Release, _System, share_halfwidth

HIDDEN = {"x", "<k", "–", "-"}  # "<k": the marker of releases before issue 25 A6


def _value(text: str):
    """A printed cell: float, None for hidden ('<k', '–'), NaN for empty / not applicable (numbers read
    as the output guard reads them, `guard._number`)."""
    from pipeline.disclosure.guard import _number
    t = str(text).strip()
    if t in HIDDEN:
        return None
    v = _number(t) if t and t.lower() not in ("n.v.t.", "nan") else None
    return np.nan if v is None else v


def _share(text: str):
    """A printed share: '17,0%' -> 0.17, '0,3' -> 0.3; None if hidden, NaN if empty."""
    t = str(text).strip()
    if t.endswith("%"):
        v = _value(t[:-1].strip())
        return v / 100 if isinstance(v, float) else v
    return _value(t)


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


def _at(rel: Release, f: Path, i: int, column: str, *keys) -> None:
    """Where a cell is printed (file, row, column) and the counts it stands for (a share: its count,
    then its base; hidden because either is): the researchers' view lists each hidden one."""
    rel.where[(str(f), i, column)] = keys


def flows(rel: Release, reports: Path, base: int) -> None:
    """The flow tables of the directorate pages and chapter 04, with the identities between them."""
    for f in sorted((reports / "tables" / "directies").glob("*/*stromen*.csv")):
        unit, t = f.parent.name, _read(f)
        b = _base([_value(x) for x in (*t["aantal"], *t["noemer"])], base)
        for i, r in enumerate(t.itertuples(index=False)):
            stock = ("register", r.periode.split("-")[0], unit, r.groep, "stand")
            flow = ("register", r.periode, unit, r.groep, r.stroom)
            n, c = _value(r.noemer), _value(r.aantal)
            org_flow = ("register", r.periode, "gemeente", r.groep, r.stroom)
            org_stock = ("register", r.periode.split("-")[0], "gemeente", r.groep, "stand")
            for column, *key in (("aantal", flow), ("noemer", stock), (t.columns[5], flow, stock),
                                 (t.columns[6], org_flow, org_stock)):
                _at(rel, f, i, column, *key)
            rel.count(flow, c, f"directies/{unit}", b)
            rel.count(stock, n, f"directies/{unit}", b)
            _rate(rel, flow, stock, getattr(r, "_5"), n, b, f"directies/{unit}")
            _rate(rel, org_flow, org_stock, getattr(r, "_6"), None, b, f"directies/{unit}")
    for f in sorted((reports / "tables" / "04_streefcijfers").glob("*stroomcijfers*.csv")):
        t = _read(f)
        group = t.columns[2]
        b = _base([_value(x) for x in (*t["aantal"], *t["noemer"])], base)
        for i, r in enumerate(t.itertuples(index=False)):
            g = getattr(r, group)
            if r.stroom == "doorstroom":  # chapter 04 divides throughflow by the stayers: another base
                continue
            stock = ("register", r.periode.split("-")[0], "gemeente", g, "stand")
            flow = ("register", r.periode, "gemeente", g, r.stroom)
            _at(rel, f, i, "aantal", flow)
            _at(rel, f, i, "noemer", stock)
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
        for i, (g, a, b, share) in enumerate(t.iloc[:, :4].to_numpy()):
            for j, ms in ((1, measures[:1]), (2, measures[1:]), (3, measures)):
                _at(rel, f, i, t.columns[j], *[("exit", year, g, m) for m in ms])
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


def exit_young(rel: Release, reports: Path) -> None:
    """Chapter 09's young leavers, as a reader combines three tables (issue 25, A1 and A2): the reasons by
    age (`naar jonger dan 35`: the young and the older leavers' share with its n) are the same cells as
    the two sides of the comparison table (`jonge tegen oudere vertrekkers`: `jong`/`n jong`,
    `ouder`/`n ouder`) — one cell, one status — and a weighted share times its n is read as the number
    of people with the attribute (within half a person); the young leavers by origin (`redenen van
    jonge vertrekkers`) add up to the young leavers' n, and an origin the table does not list (an unknown
    origin without a row) is the total minus the rows: a real cell, not a remainder that is 0."""
    folder = reports / "tables" / "09_exitfeedback"
    by_age = sorted(folder.glob("*naar_jonger_dan_*.csv"))
    compare = sorted(folder.glob("*jonge_tegen_oudere_vertrekkers*.csv"))
    origin = sorted(folder.glob("*redenen_van_jonge_vertrekkers*.csv"))

    def key(vraag, side, m):
        return ("exit-jong", str(vraag), side, m)

    def share(f, i, column, vraag, side, text, n_text):
        yes, n, status = key(vraag, side, "ja"), key(vraag, side, "n"), key(vraag, side, "aandeel")
        _at(rel, f, i, column, yes, n)
        v, n_v = _value(text), _value(n_text)
        # the share's status (shown / hidden) per file: compared by `_status`, not a variable of the LP
        rel.status.setdefault(status, []).append(Occurrence(f.stem, v, v, v) if isinstance(v, float)
                                                 and not np.isnan(v) else Occurrence(f.stem, None))
        if v is None:
            rel.cells[yes].append(Occurrence(f.stem, None))
        elif isinstance(n_v, float) and not np.isnan(n_v) and n_v > 0:
            rel.share(yes, n, v, share_halfwidth(text) + 0.5 / n_v, f.stem)
    for f in by_age[:1]:
        t = _read(f)
        q, g, n = t.columns[0], t.columns[1], t.columns[-1]
        for i, r in t.iterrows():
            side = "ja" if str(r[g]).lower().startswith("jonger") else "nee"
            share(f, i, t.columns[2], r[q], side, r[t.columns[2]], r[n])
            _at(rel, f, i, n, key(r[q], side, "n"))
            rel.count(key(r[q], side, "n"), _value(r[n]), f.stem)
    for f in compare[:1]:
        t = _read(f)
        if not {"jong", "ouder", "n jong", "n ouder"} <= set(t.columns):
            continue
        q = t.columns[0]
        for i, r in t.iterrows():
            for side, col, n in (("ja", "jong", "n jong"), ("nee", "ouder", "n ouder")):
                share(f, i, col, r[q], side, r[col], r[n])
                _at(rel, f, i, n, key(r[q], side, "n"))
                rel.count(key(r[q], side, "n"), _value(r[n]), f.stem)
    for f in origin[:1]:
        t = _read(f)
        q, g, n = t.columns[0], t.columns[1], t.columns[-1]
        for vraag, part in t.groupby(q, sort=False):
            cells = []
            for i, r in part.iterrows():
                c = ("exit-jong", str(vraag), "herkomst", str(r[g]), "n")
                _at(rel, f, i, n, c)
                rel.count(c, _value(r[n]), f.stem)
                cells.append(c)
            if not any("onbekend" in str(x).lower() for x in part[g]):
                # no row for an unknown origin: the young leavers not listed are a cell of their own
                cells.append(("exit-jong", str(vraag), "herkomst", "niet in de tabel", "n"))
            rel.total(key(vraag, "ja", "n"), cells)


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
            for i, r in zip(part.index, part.itertuples(index=False)):
                key = ("respons", src, wave, f"{var}={r.categorie}")
                _at(rel, f, i, "respondenten", key)
                _at(rel, f, i, "respons", key, (*key, "N"))
                _at(rel, f, i, frame, (*key, "N"))
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


def _common_halfwidth(texts) -> float:
    """The precision a column of printed shares really has: zero-padded shares ('17,0%', '15,0%', ...;
    the trailing digit 0 in every row) are whole percentages, each within half a percent; shares printed
    without trailing zeros ('0,3', '0,22') have the most decimals any row shows."""
    shown = [str(t).strip() for t in texts if isinstance(_share(t), float) and not np.isnan(_share(t))]
    if not shown:
        return 0.0
    pct = shown[0].endswith("%")
    digits = [t.rstrip("%").strip().split(",")[1] if "," in t else "" for t in shown]
    padded = any(d.endswith("0") for d in digits)
    decimals = min(len(d.rstrip("0")) for d in digits) if padded else max(len(d) for d in digits)
    return 0.5 * 10 ** -(decimals + (2 if pct else 0))


def _page_counts(rel: Release, f: Path, i: int, r, unit: str, label: str, key, b: int, h: float = 0.0) -> None:
    """One row of a directorate page's count table (targets, women per band): its count and population
    (rounded to `b`), where each stands in the file, and the organisation's cells the row names."""
    a, n = key(label, r.jaar, unit, "aantal"), key(label, r.jaar, unit, "noemer")
    rel.count(a, _value(r.aantal), f"directies/{unit}", b)
    rel.count(n, _value(r.noemer), f"directies/{unit}", b)
    share = _share(r.directie)
    if b > 1 and isinstance(share, float) and not np.isnan(share):
        # a shown count and its complement (population minus it), as a reader narrows them with the
        # exact share printed beside them (issue 25 A5); checked by `shown_counts`
        rel.read.append((key(label, r.jaar, unit, "aantal"), _value(r.aantal), _value(r.noemer), share,
                         h or share_halfwidth(str(r.directie)), b))
    for column, *kk in (("aantal", a), ("noemer", n), ("directie", a, n)):
        _at(rel, f, i, column, *kk)
    _at(rel, f, i, "gemeente", *(key(label, r.jaar, "gemeente", m) for m in ("aantal", "noemer")))


def shown_counts(rel: Release, k: int, width: float) -> list[tuple]:
    """The shown counts of the pages' count tables (targets, women per band) and their complements,
    read as printed: the count within its rounding interval and share x population, the complement
    within the population's interval minus the count's and (1 - share) x population. Listed where that
    meets 1..k-1 and is narrower than the count's own rounding (min(width, base) - 1): the rounding no
    longer protects it (issue 25 A5: 10 women of 20 at 50% in scale 15+ read as 9..11). Exact
    arithmetic per row."""
    from pipeline.disclosure.audit import rounding_interval
    out = []
    for key, a, n, s, h, b in getattr(rel, "read", ()):
        if not (isinstance(a, float) and isinstance(n, float)) or np.isnan(a) or np.isnan(n) or n <= 0:
            continue
        alo, ahi = rounding_interval(a, b)
        nlo, nhi = rounding_interval(n, b)
        alo, ahi = max(alo, np.ceil(max(s - h, 0) * nlo - 1e-9)), min(ahi, np.floor((s + h) * nhi + 1e-9))
        clo = max(nlo - ahi, np.ceil(max(1 - s - h, 0) * nlo - 1e-9), 0)
        chi = min(nhi - alo, np.floor((1 - s + h) * nhi + 1e-9))
        limit = min(width, b) - 1
        for what, lo, hi in (("aantal", alo, ahi), ("rest van de populatie", clo, chi)):
            if lo <= k - 1 and hi >= 1 and hi - lo < limit:
                out.append(((*key[:-1], what), (int(lo), int(hi))))
    return out


def target_tables(rel: Release, reports: Path, base: int, nested: tuple = ()) -> None:
    """Chapter 04's targets per directorate as the pages and chapter 04 print them: per target, year and
    unit the count in the group and its population (`aantal`, `noemer`, rounded to `base`), the
    directorate's and the organisation's share (at the precision the column shows), chapter 04's
    shares per directorate by name; the directorates add up to the organisation (exactly when every
    directorate has a page, else with a remainder for the directorates without one). `nested`: pairs of
    target labels (outer, inner) that count the same group in nested scale ranges (12-14 within 12+; the
    report's definitions say so): per unit and year the inner count is part of the outer, and the count
    in between (outer - inner, e.g. scale 15+) is a hidden cell of its own that must not be pinned."""
    pages = sorted((reports / "tables" / "directies").glob("*/*streefcijfers_per_jaar*.csv"))
    if not pages:
        return
    names = {}
    for f in (reports / "tables" / "directies").glob("*/*streefcijfers_van_de_gemeente*.csv"):
        voor = [v for v in _read(f)["voor"] if v != "gemeente"]
        if voor:
            names[voor[0]] = f.parent.name
    shares = sorted((reports / "tables" / "04_streefcijfers").glob("*streefcijfers_per_directie_*.csv"))
    per_dir = _read(shares[0]) if shares else None
    complete = per_dir is not None and len(per_dir) and set(per_dir["directie"]) <= set(names)

    def key(target, year, unit, m):
        return ("doel", target, str(year), unit, m)
    units, cells = set(), {}
    for f in pages:
        unit, t = f.parent.name, _read(f)
        b = _base([_value(x) for x in (*t["aantal"], *t["noemer"])], base)
        units.add(unit)
        halfwidth = {c: _common_halfwidth(t[c]) for c in ("directie", "gemeente")}
        for i, r in enumerate(t.itertuples(index=False)):
            _page_counts(rel, f, i, r, unit, r.streefcijfer, key, b, halfwidth["directie"])
            for text, u, c in ((r.directie, unit, "directie"), (r.gemeente, "gemeente", "gemeente")):
                v = _share(text)
                if isinstance(v, float) and not np.isnan(v):
                    # the exact share (exact count over exact population), rounded to the precision
                    # the column prints: not the ratio of the rounded counts beside it
                    h = halfwidth[c]
                    rel.share(key(r.streefcijfer, r.jaar, u, "aantal"), key(r.streefcijfer, r.jaar, u, "noemer"),
                              v, h, f"directies/{unit}")
            cells.setdefault((r.streefcijfer, r.jaar), set()).add(unit)
    if per_dir is not None:
        year = re.search(r"_(\d{4})\.csv$", shares[0].name).group(1)
        halfwidth = {c: _common_halfwidth(per_dir[c]) for c in per_dir.columns[1:]}
        for i, r in per_dir.iterrows():
            unit = names.get(r["directie"], r["directie"])
            for target in per_dir.columns[1:]:
                _at(rel, shares[0], i, target, key(target, year, unit, "aantal"), key(target, year, unit, "noemer"))
                v = _share(r[target])
                if isinstance(v, float) and not np.isnan(v):
                    rel.share(key(target, year, unit, "aantal"), key(target, year, unit, "noemer"), v,
                              halfwidth[target], shares[0].stem)
                elif v is None:
                    rel.cells[key(target, year, unit, "aantal")].append(Occurrence(shares[0].stem, None))
    for outer, inner in nested:
        for year in sorted({y for (t, y) in cells}):
            for unit in sorted(cells.get((outer, year), set()) & cells.get((inner, year), set())) + ["gemeente"]:
                for m in ("aantal", "noemer"):
                    o, i = key(outer, year, unit, m), key(inner, year, unit, m)
                    if o in rel.cells and i in rel.cells:
                        rel.identity({o: 1.0, i: -1.0, key(f"{outer} min {inner}", year, unit, m): -1.0})
    for (target, year), printed in sorted(cells.items()):
        if printed != units:  # a directorate's own target: on its page only
            continue
        for m in ("aantal", "noemer"):
            parts = [key(target, year, u, m) for u in sorted(units)]
            if not complete:
                parts.append(key(target, year, "directies zonder pagina", m))
            rel.total(key(target, year, "gemeente", m), parts)


def gender_tables(rel: Release, reports: Path, base: int) -> None:
    """Women per pay-scale band (chapter 04 and the directorate pages): per band, year and unit the
    women (`aantal`) and staff of known gender (`noemer`, rounded to `base`) and the shares beside them;
    chapter 04's shares of the directorates with a page for the last year; per unit and year the higher
    scales from 12 are the bands from 12 up (12-14 + 15+), and the directorates add up to the
    organisation (with a remainder for the directorates without a page)."""
    pages = sorted((reports / "tables" / "directies").glob("*/*vrouwen_per_schaalgroep*.csv"))
    names = {}
    for f in (reports / "tables" / "directies").glob("*/*streefcijfers_van_de_gemeente*.csv"):
        voor = [v for v in _read(f)["voor"] if v != "gemeente"]
        if voor:
            names[voor[0]] = f.parent.name

    def key(band, year, unit, m):
        return ("vrouwen", band, str(year), unit, m)
    cells = {}
    for f in pages:
        unit, t = f.parent.name, _read(f)
        b = _base([_value(x) for x in (*t["aantal"], *t["noemer"])], base)
        halfwidth = {c: _common_halfwidth(t[c]) for c in ("directie", "gemeente")}
        for i, r in enumerate(t.itertuples(index=False)):
            _page_counts(rel, f, i, r, unit, r.schaalgroep, key, b, halfwidth["directie"])
            for text, u, c in ((r.directie, unit, "directie"), (r.gemeente, "gemeente", "gemeente")):
                v = _share(text)
                if isinstance(v, float) and not np.isnan(v):
                    h = halfwidth[c]
                    if b > 1 and u == unit:  # the share may be the rounded counts' ratio
                        nv = _value(r.noemer)
                        h += 2.5 * (1 + v) / nv if isinstance(nv, float) and nv > 0 else 1.0
                    rel.share(key(r.schaalgroep, r.jaar, u, "aantal"), key(r.schaalgroep, r.jaar, u, "noemer"),
                              v, h, f"directies/{unit}")
            cells.setdefault((r.schaalgroep, r.jaar), set()).add(unit)
    folder = reports / "tables" / "04_streefcijfers"
    # file names are cut short: the year of the table per directorate is read from its caption
    per_dir = sorted(folder.glob("*vrouwen_per_schaalgroep_per_dire*.csv"))
    for f in sorted(folder.glob("*vrouwen_per_schaalgroep_per_jaar*.csv")):  # the organisation per year
        t = _read(f)
        halfwidth = {c: _common_halfwidth(t[c]) for c in t.columns[1:]}
        for i, r in t.iterrows():
            for band in t.columns[1:]:
                a, n = key(band, r["jaar"], "gemeente", "aantal"), key(band, r["jaar"], "gemeente", "noemer")
                _at(rel, f, i, band, a, n)
                v = _share(r[band])
                if isinstance(v, float) and not np.isnan(v):
                    rel.share(a, n, v, halfwidth[band], f.stem)
    if per_dir:
        t = _read(per_dir[0])
        year = re.search(r"(\d{4})\s*$", per_dir[0].with_suffix(".caption").read_text()).group(1)
        halfwidth = {c: _common_halfwidth(t[c]) for c in t.columns[1:]}
        for i, r in t.iterrows():
            # only the directorates with a page: another directorate's row is a share alone (neither its
            # count nor its base is printed anywhere), which nothing in the release can narrow down; as
            # unknowns they only cost the audit time (two linear programs each)
            unit = names.get(r["directie"])
            if unit is None:
                continue
            for band in t.columns[1:]:
                a, n = key(band, year, unit, "aantal"), key(band, year, unit, "noemer")
                _at(rel, per_dir[0], i, band, a, n)
                v = _share(r[band])
                if isinstance(v, float) and not np.isnan(v):
                    rel.share(a, n, v, halfwidth[band], per_dir[0].stem)
                elif v is None:
                    rel.cells[a].append(Occurrence(per_dir[0].stem, None))
                cells.setdefault((band, year), set()).add(unit)
    for (band, year), printed in sorted(cells.items()):
        if band.startswith("vanaf schaal 12"):
            for unit in sorted(printed) + ["gemeente"]:
                for m in ("aantal", "noemer"):
                    parts = [key(b, year, unit, m) for b in ("schaal 12–14", "vanaf schaal 15")]
                    if all(p in rel.cells for p in parts) and key(band, year, unit, m) in rel.cells:
                        rel.total(key(band, year, unit, m), parts)
        for m in ("aantal", "noemer"):
            rel.total(key(band, year, "gemeente", m), [key(band, year, u, m) for u in sorted(printed)]
                      + [key(band, year, "directies zonder pagina", m)])


def training_tables(rel: Release, reports: Path) -> None:
    """Chapter 10: per training and role the organisation's staff, trained and share (per year) and the
    same per directorate for the last year; the directorates add up to the organisation, and the
    trained are part of the staff (0 <= trained <= staff)."""
    folder = reports / "tables" / "10_training"
    city = sorted(folder.glob("*getraind_per_training_en_rol*.csv"))
    if not city:
        return
    org = _read(city[0])

    def key(year, course, role, unit, m):
        return ("training", str(year), course, role.lower(), unit, m)

    def row(f, i, r, year, course, role, unit, artefact):
        a, g = key(year, course, role, unit, "aantal"), key(year, course, role, unit, "getraind")
        rel.count(a, _value(r["aantal"]), artefact)
        rel.count(g, _value(r["getraind"]), artefact)
        _rate(rel, g, a, r["aandeel getraind"], _value(r["aantal"]), 1, artefact)
        rel.ratios.append((g, a, 0.0, 1.0))  # the trained are part of the staff
        for column, *kk in (("aantal", a), ("getraind", g), ("aandeel getraind", g, a), ("verschil met doel", g, a)):
            _at(rel, f, i, column, *kk)
    for i, r in org.iterrows():
        row(city[0], i, r, r["jaar"], r["training"], r["rol"], "gemeente", city[0].stem)
    year = max(org["jaar"])
    for f in sorted(folder.glob("*.csv")):
        t = _read(f)
        caption = f.with_suffix(".caption")
        if t.columns[0] != "directie" or not caption.exists() or ": " not in caption.read_text():
            continue
        course, role = caption.read_text().strip().removesuffix(" per directie").split(": ", 1)
        if not ((org["training"] == course) & (org["rol"].str.lower() == role.lower())).any():
            continue
        for i, r in t.iterrows():
            row(f, i, r, year, course, role, r["directie"], f.stem)
        for m in ("aantal", "getraind"):
            rel.total(key(year, course, role, "gemeente", m), [key(year, course, role, d, m) for d in t["directie"]])


def survey_counts(rel: Release, reports: Path) -> None:
    """The survey chapters' respondents per directorate (chapters 02, 03, 05: results.csv's `dir:` tables,
    the same n the chapter's table and each directorate page print): per indicator and wave the
    directorates add up to the organisation's n (the table's own total row, else the chapter's overall
    level, else the wave's `prev:` total) — the worst case, a reader who takes every respondent to have
    a directorate (it comes from the register). A hidden directorate's n must not follow from the
    total and the others, in any file."""
    f = reports / "results.csv"
    if not f.exists():
        return
    res = pd.read_csv(f, dtype={"waves": str, "group": str})
    res = res[res["statistic"].isin(["level", "share"])]

    def key(chapter, indicator, waves, group):
        return ("enquete", chapter, indicator, str(waves), str(group), "n")
    for (chapter, table, indicator, waves), part in res[res["table"].astype(str).str.startswith("dir:")].groupby(
            ["chapter", "table", "indicator", "waves"], sort=True):
        units = part[part["dimension"] == "directie_code"]
        if units.empty:
            continue
        same = res[(res["chapter"] == chapter) & (res["indicator"] == indicator) & (res["waves"] == waves)
                   & (res["dimension"] == "totaal")]
        total = next((t for t in (part[part["dimension"] == "totaal"], same[same["table"] == "levels"],
                                  same[same["table"] == f"prev:{waves}"]) if len(t) and pd.notna(t["n"].iloc[0])), None)
        for r in units.itertuples(index=False):
            shown = not bool(r.suppressed) and pd.notna(r.n)
            rel.count(key(chapter, indicator, waves, r.group), float(r.n) if shown else None, f"results {chapter}")
        if total is not None:
            t = key(chapter, indicator, waves, "totaal")
            rel.count(t, float(total["n"].iloc[0]), f"results {chapter}")
            rel.total(t, [key(chapter, indicator, waves, g) for g in units["group"]])
    # the directorate pages print the same n per indicator: one cell, one status
    try:
        from pipeline.chapters.directorate import SURVEY
    except ImportError:
        return
    label = {s_[4]: (s_[0], s_[3]) for s_ in SURVEY}
    for f in sorted((reports / "tables" / "directies").glob("*/*inclusie_veiligheid*.csv")):
        t = _read(f)
        if "n" not in t.columns:
            continue
        for i, r in t.iterrows():
            if r["indicator"] not in label:
                continue
            chapter, indicator = label[r["indicator"]]
            k_ = key(chapter, indicator, r["meting"], f.parent.name)
            _at(rel, f, i, "n", k_)
            v = _value(r["n"])
            if v is None or (isinstance(v, float) and not np.isnan(v)):
                rel.count(k_, v, f"directies/{f.parent.name}")


GROUP_TABLES = ("levels", "gaps", "prev:")
GROUP_STATISTICS = ("level", "share", "gap")


def group_counts(rel: Release, reports: Path) -> None:
    """The survey chapters' respondents per group other than directorate (chapters 02, 03, 05, 06-08:
    results.csv's `levels`, `levels:*`, `gaps` and `prev:*` rows, the n each group table, gap table and
    directorate-free chart prints): one cell per source, wave, scale, dimension and group, whichever file
    prints it (a gap's n is its group's n). The worst case: where a dimension hides a group, its groups
    add up to the total n of that source, wave and scale (nobody with an unknown level), and a crossed
    dimension's cells add up to each margin (westers/man + westers/vrouw + ... = westers) up to a
    remainder >= 0 (an unknown level of the other side: both margins exact would contradict the
    published numbers, and a contradiction teaches a reader nothing). A hidden
    group's n must not follow, nor be shown in one file and hidden in another. A statistic of a table
    that prints no n in any row (chapter 06's gap per wave) is no occurrence of the n."""
    f = reports / "results.csv"
    if not f.exists():
        return
    res = pd.read_csv(f, dtype={"waves": str, "group": str})
    if not {"source", "waves", "indicator", "table", "statistic", "dimension", "group", "n", "suppressed"} <= set(res):
        return
    table = res["table"].astype(str)
    res = res[(table.isin(GROUP_TABLES[:2]) | table.str.startswith("levels:") | table.str.startswith("prev:"))
              & res["statistic"].isin(GROUP_STATISTICS) & (res["dimension"] != "directie_code")]
    # a statistic of a table that prints no n in any row (e.g. chapter 06's gap per wave) tells nothing
    # about a group's n where it hides a row: only the tables that print n are occurrences of it
    res = res[res.groupby(["chapter", "table", "statistic"])["n"].transform(lambda x: x.notna().any()).astype(bool)]

    def key(source, waves, indicator, dimension, group):
        return ("enquete-groep", str(source), str(waves), str(indicator), str(dimension), str(group), "n")
    for (source, waves, indicator), part in res.groupby(["source", "waves", "indicator"], sort=True):
        seen = {}
        for r in part.itertuples(index=False):
            shown = not bool(r.suppressed) and pd.notna(r.n)
            if not shown and not bool(r.suppressed):
                continue  # no n printed with this row (e.g. an adjusted gap): nothing published
            k_ = key(source, waves, indicator, r.dimension, r.group)
            rel.count(k_, float(r.n) if shown else None, f"results {r.chapter} {r.table}")
            seen.setdefault(r.dimension, {})[r.group] = float(r.n) if shown else None
        total = seen.get("totaal", {}).get("totaal")
        if total is None:
            continue
        for dim, groups in seen.items():
            if dim == "totaal" or all(v is not None for v in groups.values()):
                continue
            if "×" not in dim:
                if sum(v for v in groups.values() if v is not None) <= total:
                    rel.total(key(source, waves, indicator, "totaal", "totaal"),
                              [key(source, waves, indicator, dim, g) for g in groups])
                continue
            # a crossed dimension a×b: per level of a, its cells add up to a's margin (and so for b)
            # (every level of the other side, also a cell no file prints: the gap's reference, a free count)
            dims = dim.split("×")
            for side, margin_dim in enumerate(dims):
                other = sorted(set(seen.get(dims[1 - side], {})) | {g.split("/")[1 - side] for g in groups})
                for level, m in seen.get(margin_dim, {}).items():
                    cells = ["/".join((level, o) if side == 0 else (o, level)) for o in other]
                    if (m is None or all(groups.get(g) is not None for g in cells)
                            or sum(groups.get(g) or 0 for g in cells) > m):  # nothing hidden: nothing to learn
                        continue
                    rel.total(key(source, waves, indicator, margin_dim, level),
                              [*(key(source, waves, indicator, dim, g) for g in cells),
                               key(source, waves, indicator, dim, f"rest {level}")])


def group_tables(rel: Release, reports: Path) -> None:
    """The chapters' group tables as CSV (`indeling;groep;...;n`, chapters 02-08) and their gap tables
    (`groep;referentie;...;n`, the group's n; its dimension read from the two labels): the n each prints is
    the cell `group_counts` reads from results.csv. A table is matched to its source, wave and scale by
    its shown n (the only (source, wave, scale) whose results rows agree with every shown row; none or
    several: left out), and each row adds an occurrence — shown or hidden — of the same cell, so a group
    shown in results.csv or another table and hidden here (or the other way round) is found."""
    from pipeline import labels
    known = {k[1:6]: [o.value for o in occ] for k, occ in rel.cells.items() if k[0] == "enquete-groep"}
    if not known:
        return
    dims = {v: k for k, v in labels.dimensions().items()}
    by_wave = {}
    for (source, waves, indicator, dim, group), values in known.items():
        shown = [v for v in values if v is not None]
        by_wave.setdefault((source, waves, indicator), {})[(dim, group)] = shown[0] if shown else None
    printed = {cell for cells in by_wave.values() for cell in cells}
    for f in sorted(Path(reports, "tables").glob("0[2-8]_*/*.csv")):
        t = _read(f)
        if "n" not in t.columns:
            continue
        if list(t.columns[:2]) == ["groep", "referentie"]:  # a gap table: its n is the group's n
            rows = [(i, *cell, _value(r["n"])) for i, r in t.iterrows()
                    if (cell := _labelled(r["groep"], r["referentie"], printed)) is not None]
        elif list(t.columns[:2]) == ["indeling", "groep"]:
            rows = _group_rows(t, dims)
        else:
            continue
        shown = [(d, g, v) for _, d, g, v in rows if isinstance(v, float) and not np.isnan(v)]
        if not shown:
            continue
        match = [w for w, cells in by_wave.items()
                 if all(cells.get((d, g), -1) in (v, None) for d, g, v in shown)
                 and sum(cells.get((d, g)) == v for d, g, v in shown) >= len(shown) // 2 + 1]
        if len(match) != 1:
            continue
        for i, dim, group, v in rows:
            if v is None or (isinstance(v, float) and not np.isnan(v)):
                key = ("enquete-groep", *match[0], dim, group, "n")
                rel.count(key, v, f"tabel {f.parent.name}/{f.stem}")
                _at(rel, f, i, "n", key)


# chapter 01's response tables: kenmerk (its first word) -> the survey dimension whose levels carry the
# same labels (age: only 'Jonger dan 35' is a level of `jong`; origin: the levels the old classification shares)
RESPONSE_DIMENSIONS = {"Gender": "geslacht", "Salarisschaal": "schaalband", "Leeftijd": "jong",
                       "Migratieachtergrond": "herkomst_oud"}


def response_links(rel: Release, reports: Path) -> None:
    """Chapter 01's respondents per group bound each scale's n of that group from above (a scale's
    respondents are among the wave's): per source and wave (from the table's caption), for every group
    printed in both, n <= respondents — an inequality, as the trained are part of the staff."""
    from pipeline import labels
    groups: dict[tuple, list] = {}
    for key in rel.cells:
        if key[0] == "enquete-groep":
            groups.setdefault((key[1], key[2], key[4], key[5]), []).append(key)
    if not groups:
        return
    for f in sorted((reports / "tables" / "01_opschoning").glob("*respons_per_directie*.csv")):
        caption = f.with_suffix(".caption")
        m = re.search(r"(\w+) (\d{4})\s*$", caption.read_text()) if caption.exists() else None
        if m is None:
            continue
        source, wave, table = m.group(1).lower(), m.group(2), f.stem.split("_")[0]
        for var, cat in _read(f)[["kenmerk", "categorie"]].itertuples(index=False):
            dim = RESPONSE_DIMENSIONS.get(str(var).split(" ")[0])
            code = {v: c for c, v in labels.groups(dim).items()}.get(cat) if dim else None
            resp = ("respons", "tabel", table, f"{var}={cat}")
            for key in groups.get((source, wave, dim, code), ()) if resp in rel.cells else ():
                if any(o.value is None for o in (*rel.cells[key], *rel.cells[resp])):  # two shown: nothing to learn
                    rel.ratios.append((key, resp, 0.0, 1.0))


def _group_rows(t: pd.DataFrame, dims: dict) -> list[tuple]:
    """(row, dimension, level code, printed n) of a group table (`indeling;groep;...;n`)."""
    from pipeline import labels
    rows = []
    for i, r in t.iterrows():
        # chapter 08 prints the codes ('herkomst_oud'), the others the labels
        dim = dims.get(r["indeling"], r["indeling"] if r["indeling"] in dims.values() else None)
        if dim is None:
            continue
        codes = labels.groups(dim)
        group = "totaal" if dim == "totaal" else {v: k for k, v in codes.items()}.get(
            r["groep"], r["groep"] if r["groep"] in codes else None)
        if group is not None:
            rows.append((i, dim, group, _value(r["n"])))
    return rows


def _labelled(groep: str, referentie: str, printed: set) -> tuple[str, str] | None:
    """(dimension, level code) of a gap table's row, read from its printed labels: the group and its
    reference ('Westers × Man' against 'Nederlands × Man' for an intersection) name one dimension whose
    levels carry both labels; of several such, the one results.csv prints (`printed`)."""
    from itertools import product

    from pipeline import labels
    gs, rs = str(groep).split(" × "), str(referentie).split(" × ")
    if len(gs) != len(rs):
        return None
    sides = [[(d, c) for d in labels.dimensions() for c, lab in labels.groups(d).items()
              if lab == g and r in labels.groups(d).values()] for g, r in zip(gs, rs)]
    found = [("×".join(d for d, _ in x), "/".join(c for _, c in x)) for x in product(*sides)]
    found = [x for x in found if x in printed]
    return found[0] if len(found) == 1 else None


def bases(shares: list[str], lo: int, hi: int) -> list[int]:
    """The whole bases D in lo..hi at which every printed share (as text) is a count over D within its
    printed precision: one D left gives every count back (issue 25 A4: three origin shares at 6
    decimals and a base known to +-200 from rounded counts left D = 21 671 alone)."""
    vals = [(_share(t), share_halfwidth(t)) for t in shares]
    d = np.arange(max(lo, 1), hi + 1, dtype=float)
    ok = np.ones(len(d), dtype=bool)
    for v, h in vals:
        c = np.round(v * d)
        ok &= np.abs(c / d - v) <= h + 1e-12
    return [int(x) for x in d[ok]]


# register shares of the whole organisation that chapter 04 prints beside no base (composition tables)
COMPOSITION = ("04_streefcijfers", "samenstelling", "medewerkers")


def register_share_precision(reports: Path, decimals: int) -> list[str]:
    """Register shares printed finer than `disclosure.rounding.register_shares` (`decimals` of a
    fraction): with a base known roughly from rounded counts elsewhere, `bases` pins it and with it
    the exact counts."""
    folder, name, column = COMPOSITION
    out = []
    for f in sorted(Path(reports, "tables", folder).glob(f"*{name}*.csv")):
        t = _read(f)
        if column not in t.columns:
            continue
        for i, text in enumerate(t[column]):
            v = _share(text)
            if isinstance(v, float) and not np.isnan(v) and share_halfwidth(text) < 0.5 * 10 ** -decimals - 1e-15:
                out.append(f"{f.relative_to(reports)} rij {i + 1}: {column} {text} (fijner dan {decimals} decimalen)")
    return out


LITERAL = "<k"  # a marker that claims less than k (releases before issue 25 A6)


def literal_marks(rel: Release, reports: Path, k: int) -> None:
    """A reader who takes a printed '<k' at its word: the count it hides is at most k-1 (a complement
    hidden beside a small cell may hold more, so the claim is false there and narrows both). The
    current marker (`SUPPRESSED`) claims nothing; this reads older or hand-made releases."""
    for f in sorted(Path(reports, "tables").rglob("*.csv")):
        t = _read(f)
        if not (t == LITERAL).any().any():
            continue
        for i, row in t.iterrows():
            for column in t.columns:
                keys = rel.where.get((str(f), i, column), ()) if str(row[column]).strip() == LITERAL else ()
                if keys:  # a constant of its own per cell: no link between unrelated components
                    one = ("constante", *map(str, keys[0]))
                    if one not in rel.cells:
                        rel.count(one, 1.0, "constante")
                        rel.ratios.append((keys[0], one, 0.0, float(k - 1)))


def complete_cases(reports: Path, k: int) -> list[tuple[tuple, int]]:
    """A group's respondents minus the adjusted model's complete cases in that group is a count of people
    with a missing covariate (the complete cases are a subset): results.csv's `gap` and `adjusted_gap`
    rows of the same comparison, and each gap table's `n` beside its `n bij gelijke schaal ...` column
    (issue 25 A3). Differences of 1..k-1 are returned as recovered counts; exact arithmetic, no LP."""
    out = []
    f = reports / "results.csv"
    if f.exists():
        res = pd.read_csv(f, dtype={"waves": str, "group": str})
        on = ["chapter", "table", "source", "waves", "indicator", "dimension", "group", "reference"]
        if set(on) | {"statistic", "n", "suppressed"} <= set(res.columns):
            shown = res[~res["suppressed"].astype(bool) & res["n"].notna()]
            pair = shown[shown["statistic"] == "gap"].merge(shown[shown["statistic"] == "adjusted_gap"], on=on,
                                                            suffixes=("", "_adj"))
            for r in pair.itertuples(index=False):
                d = float(r.n) - float(r.n_adj)
                if 1 <= d <= k - 1:
                    out.append((("enquete-onvolledig", r.source, r.waves, r.indicator, r.dimension, r.group), int(d)))
    for f in sorted(Path(reports, "tables").rglob("*.csv")):
        t = _read(f)
        adj = [c for c in t.columns if c.startswith("n bij gelijke")]
        if "n" not in t.columns or not adj:
            continue
        for i, r in t.iterrows():
            # a count column with empty cells may be printed as a float ('43.0'): read it as such
            n, a = (float(str(x).strip()) if re.fullmatch(r"\d+\.0", str(x).strip()) else _value(x)
                    for x in (r["n"], r[adj[0]]))
            if isinstance(n, float) and isinstance(a, float) and 1 <= n - a <= k - 1:
                out.append((("enquete-onvolledig", str(f.relative_to(reports)), f"rij {i + 1}"), int(n - a)))
    return out


def attack(reports: str | Path, k: int = 10, base: int = 5, nested: tuple = ()) -> tuple[list, list[str], Release]:
    """(pinned hidden cells: (key, value), cells shown in one file and hidden in another, the model)."""
    reports = Path(reports)
    rel = Release()
    rel.read = []  # shown page counts with their shares (`shown_counts`)
    rel.status = {}  # the status of printed shares (`exit_young`)
    flows(rel, reports, base)
    exit_tables(rel, reports, base)
    exit_young(rel, reports)
    response_tables(rel, reports)
    target_tables(rel, reports, base, tuple(nested))
    gender_tables(rel, reports, base)
    training_tables(rel, reports)
    survey_counts(rel, reports)
    group_counts(rel, reports)
    group_tables(rel, reports)
    response_links(rel, reports)
    literal_marks(rel, reports, k)
    sys = _System(rel)
    pinned = []
    rel.found = {}  # every hidden cell's interval, for the findings file
    hidden = rel.hidden()
    found = sys.many_bounds([sys.index[key] for key in hidden])
    for key in hidden:
        if isinstance(found[sys.index[key]], AuditError):
            rel.found[key] = None
            continue  # the attacker's assumptions do not fit these numbers: nothing learnt here
        lo, hi = found[sys.index[key]]
        rel.found[key] = (lo, hi)
        ints = int(np.floor(hi + 1e-6) - np.ceil(lo - 1e-6) + 1)
        value = int(np.ceil(lo - 1e-6)) if ints == 1 else int(round(lo)) if round(lo) == round(hi) else None
        # one whole number left, or a count published as the rounding of a fractional allocation
        # (respondents per category) whose interval rounds to one number: recovered
        if value is not None and 1 <= value <= k - 1:
            pinned.append((key, value))
    pinned += complete_cases(reports, k)
    return pinned, rel.inconsistent() + _status(rel), rel


def _status(rel: Release) -> list[str]:
    """`Release.inconsistent` for the statuses `exit_young` records (shares: no count, no LP variable)."""
    other = Release()
    for key, occ in rel.status.items():
        other.cells[key] = occ
    return other.inconsistent()


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
    return out + _pair_shares(reports, k)


# a comparison table's two sides, each a share beside its own n (chapter 09: young against older leavers)
SHARE_PAIRS = (("jong", "n jong"), ("ouder", "n ouder"))


def _pair_shares(reports: Path, k: int) -> list[str]:
    """`attribute_check` for the sides of comparison tables (`SHARE_PAIRS`); a side that is not a share
    (a scale mean: a value above 1) is skipped."""
    out = []
    for f in sorted(Path(reports, "tables").rglob("*.csv")):
        t = _read(f)
        pairs = [(s, n) for s, n in SHARE_PAIRS if s in t.columns and n in t.columns]
        for i, row in t.iterrows():
            for s_col, n_col in pairs:
                s, n = _value(row[s_col]), _value(row[n_col])
                if not isinstance(n, float) or not isinstance(s, float) or np.isnan(n) or np.isnan(s) or n <= 0 or s > 1:
                    continue
                yes, no = s * n, n - s * n
                if any(0.5 <= x < k - 0.5 for x in (yes, no)) or (s in (0.0, 1.0) and n < 2 * k):
                    out.append(f"{f.relative_to(reports)} rij {i + 1}: {s_col} {row[s_col]} van {row[n_col]}")
    return out


def _whole(b) -> tuple:
    """An LP interval as whole counts (ceil of the minimum, floor of the maximum; ∞ stays)."""
    return int(np.ceil(b[0] - 1e-6)), (int(np.floor(b[1] + 1e-6)) if b[1] < 1e6 else np.inf)


def _remainder(key) -> bool:
    """A dimension's remainder: the level between a table's total and its printed rows (`exit_tables`)."""
    return any(str(part).startswith("rest ") for part in key)


def _protection(lo: float, hi: float, k: int, width: float) -> str:
    """Why an interval protects its cell (the rule of `audit.audit`), or why it does not."""
    if lo >= k or hi < 1:
        return "beschermd: buiten 1..k-1" if lo >= k else "beschermd: alleen 0 mogelijk"
    if hi - lo >= width:
        return f"beschermd: breedte {'∞' if hi >= 1e6 else f'{hi - lo:g}'} >= {width:g}"
    return f"NIET BESCHERMD: {'vastgepind' if lo == hi else f'breedte {hi - lo:g} < {width:g}'}"


def hidden_cells(reports: str | Path, rel: Release, k: int = 10, width: float = 5) -> list[str]:
    """Every hidden ('x', `SUPPRESSED`) cell of every published CSV table, one line each: the file, row and column,
    the interval it can still lie in and what protects it. Cells the attacker's linear model reads
    (`rel.where`: flows, exit and response tables, targets per directorate, training) get the LP
    interval over the whole release; the others only the interval their own table allows — up to the
    row's shown base (the n of the share, per `N_COLUMNS`) when it has one, else [0, ∞) — and say so."""
    from pipeline.disclosure.errors import SUPPRESSED
    reports = Path(reports)
    out = []
    for f in sorted(Path(reports, "tables").rglob("*.csv")):
        t = _read(f)
        if not (t == SUPPRESSED).any().any():
            continue
        ns = [c for c in N_COLUMNS if c in t.columns]
        for i, row in t.iterrows():
            for column in t.columns:
                if str(row[column]).strip() != SUPPRESSED:
                    continue
                where = f"{f.relative_to(reports)} rij {i + 1}, kolom {column}"
                keys = rel.where.get((str(f), i, column), ())
                key = next((k_ for k_ in keys if k_ in rel.found), keys[0] if keys else None)
                b = rel.found.get(key) if key is not None else None
                if b is not None:
                    lo, hi = _whole(b)
                    out.append(f"{where}: [{lo}, {'∞' if hi == np.inf else hi}] {_protection(lo, hi, k, width)} "
                               f"(lineair model van de publicatie: {'/'.join(map(str, key))})")
                    continue
                n = _value(row[ns[0]]) if ns and ns[0] != column else np.nan
                hi = n if isinstance(n, float) and not np.isnan(n) else np.inf
                how = (f"alleen de eigen tabel: hoogstens {ns[0]}" if hi < np.inf
                       else "alleen de eigen tabel: niets begrenst de cel")
                if key is not None and key in rel.found:
                    how += " (het lineaire model vond de aannames van de lezer hier niet kloppen)"
                elif key is not None:
                    how += " (wat de cel telt, is elders getoond)"
                out.append(f"{where}: [0, {'∞' if hi == np.inf else f'{hi:g}'}] "
                           f"verborgen door de tabelregel (<{k} of tweede cel); {_protection(0, hi, k, width)}; {how}")
    return out


def guard_release(reports: str | Path, target: str | Path, k: int = 10, base: int = 5, width: float = 5,
                  nested: tuple = (), share_decimals: int = 2) -> None:
    """The last check of a build: the attacker's reading of the whole release. Writes what it found to
    `target` (researchers only, outside reports/) and stops the build if a hidden count of 1..k-1 can
    be worked out, a hidden count's interval meets 1..k-1 and is narrower than `width` (the declared
    protection width; a dimension's remainder excepted, `_remainder`), a cell is shown in one file and
    hidden in another, or a share implies 1..k-1 people."""
    from pipeline.disclosure.errors import DisclosureError
    from pipeline.io import atomic_write_text
    pinned, inconsistent, rel = attack(reports, k, base, nested)
    shares = attribute_check(reports, k) + register_share_precision(Path(reports), share_decimals)
    cells = hidden_cells(reports, rel, k, width)
    modelled = sum("lineair model" in c for c in cells)
    unprotected = [key for key, b in rel.found.items() if b is not None and "NIET" in _protection(*_whole(b), k, width)]
    pinned_keys = {key for key, _ in pinned}
    # a shown count (and its complement) is protected by its rounding: narrower than that, meeting 1..k-1
    read = shown_counts(rel, k, width)
    # a dimension's remainder (total minus its printed rows) is 0 by construction: every level with
    # people has a row of its own (an unknown level too), so its interval protects no one and needs no width
    rests = [key for key in unprotected if key not in pinned_keys and _remainder(key)]
    narrow = [key for key in unprotected if key not in pinned_keys and key not in rests]
    # survey respondents per group ('enquete-groep') stop the build like any count: the build takes one
    # decision per statistic on which groups are hidden (`coordinate`), the same in every table
    lines = [f"# Controle van de hele publicatie als aanvaller: {len(rel.cells)} cellen, {len(rel.hidden())} verborgen",
             f"te berekenen aantallen 1..{k - 1}: {len(pinned)}",
             *[f"  {'/'.join(map(str, key))} = {v}" for key, v in pinned],
             f"getoond in het ene en verborgen in het andere bestand: {len(inconsistent)}", *[f"  {x}" for x in inconsistent],
             f"aandelen die 1..{k - 1} personen met of zonder het kenmerk betekenen: {len(shares)}", *[f"  {x}" for x in shares],
             f"verborgen cellen in de CSV-tabellen: {len(cells)}, waarvan {modelled} in het lineaire model en "
             f"{len(cells) - modelled} alleen door hun eigen tabel begrensd",
             f"niet vastgepind, maar smaller dan de beschermingsbreedte {width:g}: {len(narrow)}",
             *[f"  {'/'.join(map(str, key))}: {_whole(rel.found[key])}" for key in narrow],
             f"getoonde aantallen (of de rest van hun populatie) die met het aandeel smaller worden dan hun afronding "
             f"en 1..{k - 1} raken: {len(read)}",
             *[f"  {'/'.join(map(str, key))}: {b}" for key, b in read],
             f"rest van een dimensie (0: elk niveau met mensen heeft een eigen rij), smaller dan {width:g}: {len(rests)}",
             *[f"  {'/'.join(map(str, key))}: {_whole(rel.found[key])}" for key in rests],
             "", "# Elke verborgen cel van elke gepubliceerde tabel (CSV): interval en wat haar beschermt",
             "# 'lineair model van de publicatie': het interval over alle bestanden samen (lineaire programmering);",
             "# 'alleen de eigen tabel': de tabel staat (nog) niet in het model; het interval is wat de tabel zelf toelaat",
             *cells,
             "", "# Elke verborgen cel van het lineaire model: het interval waarin ze voor een lezer van alle bestanden "
             "nog kan liggen"]
    for key, b in rel.found.items():
        where = ", ".join(dict.fromkeys(o.artefact for o in rel.cells.get(key, ())))
        lines.append(f"{'/'.join(map(str, key))}: " + ("aannames van de lezer kloppen hier niet: niets af te leiden" if b is None
                     else f"[{b[0]:.1f}, {'∞' if b[1] >= 1e6 else f'{b[1]:.1f}'}] {_protection(*_whole(b), k, width)}")
                     + (f" ({where})" if where else ""))
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, "\n".join(lines) + "\n")
    if pinned or inconsistent or shares or narrow or read:
        raise DisclosureError([*(f"te berekenen: {'/'.join(map(str, key))} = {v}" for key, v in pinned),
                               *(f"smaller dan de afronding: {'/'.join(map(str, key))} {b}" for key, b in read),
                               *(f"smaller dan de beschermingsbreedte {width:g}: {'/'.join(map(str, key))} "
                                 f"{_whole(rel.found[key])}" for key in narrow),
                               *inconsistent, *shares, f"bevindingen in {target}"])

"""What a published table counts: published tables as cells and identities of a release audit
(`pipeline.disclosure.audit.Release`).

Why a module of its own: the audit is only as good as its model of what each number means. Each
function here reads one kind of published table — the same frame the pages, CSV tables, workbook and
results.csv are made from — and says which count every cell is (source, period, unit, group, measure),
at what precision it is published, and which identities hold between the cells, so the same count
published twice is one variable and the linear system is what an attacker could write down.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

import math

from pipeline.disclosure.audit import Occurrence, Release, rounding_interval, share_halfwidth

STOCK = "stand"


def _start(period: str) -> str:
    return str(period).split("-")[0]


def _end(period: str) -> str:
    return str(period).split("-")[-1]


def flow_cells(rel: Release, table: pd.DataFrame, artefact: str, *, base: int, rate_decimals: int | None,
               source: str = "register", unit: str | None = None, rates_derived: bool = False) -> None:
    """A flow table (periode, stroom, [eenheid], groep, aantal, noemer, rate) as published: the flow
    count of (period, unit, group), the base = the group's stock at the start of the period (one cell
    for every flow of the period and the next period's stock at its start), counts to `base`, and the
    rate printed with `rate_decimals` decimals (None: at full precision, 6 significant digits).
    `rates_derived`: the rates are the published counts' ratio (`Rounding.ratios`): they add nothing."""
    for r in table.itertuples(index=False):
        u = unit or getattr(r, "eenheid")
        stock = (source, _start(r.periode), u, str(r.groep), STOCK)
        flow = (source, str(r.periode), u, str(r.groep), str(r.stroom))
        rel.count(flow, r.aantal, artefact, base)
        rel.count(stock, r.noemer, artefact, base)
        if pd.notna(r.rate) and not rates_derived:
            h = 0.5 * 10 ** -rate_decimals if rate_decimals is not None else share_halfwidth(f"{r.rate:.6g}")
            rel.share(flow, stock, float(r.rate), h, artefact)


def flow_identities(rel: Release, truth: pd.DataFrame, source: str = "register",
                    organisation: str = "gemeente") -> None:
    """The identities an attacker writes down between flow cells, where they hold in the register
    (`truth`: the unsuppressed flow table): stock(t) + inflow - outflow = stock(t+1) per unit and group,
    and the organisation's stock of a group = the sum of its units' stocks."""
    t = truth.copy()
    t["start"], t["end"] = t["periode"].map(_start), t["periode"].map(_end)
    wide = t.pivot_table(index=["periode", "start", "end", "eenheid", "groep"], columns="stroom", values="aantal",
                         aggfunc="sum", observed=True).reset_index()
    stock = t.drop_duplicates(["start", "eenheid", "groep"]).set_index(["start", "eenheid", "groep"])["noemer"]
    for r in wide.itertuples(index=False):
        nxt = stock.get((r.end, r.eenheid, r.groep))
        if nxt is None or np.isnan(getattr(r, "instroom", np.nan)) or np.isnan(getattr(r, "uitstroom", np.nan)):
            continue
        if stock[(r.start, r.eenheid, r.groep)] + r.instroom - r.uitstroom != nxt:
            continue  # does not hold (e.g. a person's group changed): an attacker cannot use it either
        g = str(r.groep)
        rel.identity({(source, r.start, r.eenheid, g, STOCK): 1.0, (source, r.periode, r.eenheid, g, "instroom"): 1.0,
                      (source, r.periode, r.eenheid, g, "uitstroom"): -1.0, (source, r.end, r.eenheid, g, STOCK): -1.0})
    units = stock.reset_index()
    for (year, g), part in units[units["eenheid"] != organisation].groupby(["start", "groep"]):
        if (year, organisation, g) in stock.index and part["noemer"].sum() == stock[(year, organisation, g)]:
            rel.total((source, year, organisation, str(g), STOCK),
                      [(source, year, u, str(g), STOCK) for u in part["eenheid"]])
    rel.keep |= {(source, y, organisation, str(g), STOCK) for (y, u, g) in stock.index if u == organisation}


def hidden_flows(table: pd.DataFrame, hidden: set, source: str = "register",
                 unit: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(rows whose flow count, rows whose base) the audit hid, by cell key: the caller blanks them."""
    count, base = [], []
    for r in table.itertuples(index=False):
        u = unit or getattr(r, "eenheid")
        count.append((source, str(r.periode), u, str(r.groep), str(r.stroom)) in hidden)
        base.append((source, _start(r.periode), u, str(r.groep), STOCK) in hidden)
    return np.array(count, dtype=bool), np.array(base, dtype=bool)


def protect_flows(org, units, truth: pd.DataFrame, policy, organisation: str = "gemeente", archive=(), reports=None):
    """The release audit on the flow tables (organisation and every unit, all periods together) with
    the stock-flow identities and the archived releases' numbers (`archive`: Releases, `archived_flows`);
    secondary suppression where a hidden count is not protected.
    `reports`: the build's reports folder — the audit then runs once per build (`once_per_build`), its
    findings are recorded and an unprotected cell stops the build.
    Returns (org, units, audit, cells hidden by the audit); `org` and `units` are Published."""
    from pipeline.disclosure.audit import audit, protect
    from pipeline.disclosure.publish import hide_cells
    rel = Release()
    r = policy.rounding
    derived = policy.rounding["register_counts"] > 1  # rates are then the rounded counts' ratio (Rounding.ratios)
    for p, name in ((org.table.assign(eenheid=organisation), "stromen gemeente"), (units.table, "stromen directies")):
        flow_cells(rel, p, name, base=r["register_counts"], rate_decimals=r["register_rates"] if derived else None,
                   rates_derived=derived)
    for a in archive:
        rel.merge(a)
    flow_identities(rel, truth, organisation=organisation)
    if not policy.audit:
        return org, units, audit(rel, policy.k, policy.width), []
    if reports is None:
        result, added = protect(rel, policy.k, policy.width)
    else:
        result, added = once_per_build(rel, policy, reports, "stromen")
    hidden = set(added)
    out = []
    for p, unit in ((org, organisation), (units, None)):
        count, base = hidden_flows(p.table, hidden, unit=unit)
        p = hide_cells(p, count, ("aantal", "rate"))
        out.append(hide_cells(p, base, ("noemer", "rate")))
    return out[0], out[1], result, added


def _digest(rel: Release, policy) -> str:
    """What the audit of `rel` depends on: every cell as published, every identity, k and width."""
    import hashlib
    cells = sorted((tuple(map(str, k)), tuple((o.artefact, o.value, o.lo, o.hi) for o in occ))
                   for k, occ in rel.cells.items())
    eqs = sorted((sorted((tuple(map(str, k)), c) for k, c in t.items()), r) for t, r in rel.equalities)
    ratios = sorted((tuple(map(str, c)), tuple(map(str, b)), lo, hi) for c, b, lo, hi in rel.ratios)
    keep = sorted(tuple(map(str, k)) for k in rel.keep)
    return hashlib.sha256(repr((cells, eqs, ratios, keep, policy.k, policy.width)).encode()).hexdigest()


def once_per_build(rel: Release, policy, reports, name: str):
    """`audit.protect` on `rel`, once per build: the directorate pages are built in several steps that
    each publish the same tables, so the first step audits and records the result (keyed by everything
    the audit depends on, `_digest`) under a lock, and the others read it. The findings are written
    once (`record_audit`), an unprotected cell stops every step. Returns (audit, cells it hid)."""
    import fcntl
    import json
    from pathlib import Path

    from pipeline.disclosure.audit import Interval, protect
    from pipeline.io import atomic_write_text, quarantine_dir
    folder = quarantine_dir(Path(reports)) / "audit"  # beside reports/, never published
    folder.mkdir(parents=True, exist_ok=True)
    memo = folder / f".{name}.json"
    digest = _digest(rel, policy)
    with open(folder / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # released when the block ends (or the process does)
        got = json.loads(memo.read_text()) if memo.exists() else {}
        if got.get("digest") == digest:
            result = [Interval(tuple(r["key"]), r["lo"], r["hi"], r["rule"], r["protected"], tuple(r["artefacts"]))
                      for r in got["result"]]
            added = [tuple(k) for k in got["added"]]
        else:
            result, added = protect(rel, policy.k, policy.width)
            record_audit(reports, name, result, stop=False)
            atomic_write_text(memo, json.dumps({"digest": digest, "added": [list(k) for k in added],
                                                "result": [{"key": list(r.key), "lo": r.lo, "hi": r.hi, "rule": r.rule,
                                                            "protected": r.protected, "artefacts": list(r.artefacts)}
                                                           for r in result]}))
    record_audit(reports, name, result, write=False)
    return result, added


def record_audit(reports, name: str, result, *, write: bool = True, stop: bool = True) -> None:
    """The researchers' view of one audit (never published): every hidden cell, its interval and what
    protects it, in .quarantaine/<reports>/audit/<name>.txt. Stops the build if a cell is unprotected."""
    from pathlib import Path

    from pipeline.disclosure.audit import findings_text
    from pipeline.disclosure.errors import DisclosureError
    from pipeline.io import quarantine_dir
    reports = Path(reports)
    target = quarantine_dir(reports) / "audit" / f"{name}.txt"  # beside reports/, also while staging
    target.parent.mkdir(parents=True, exist_ok=True)
    if write:
        from pipeline.io import atomic_write_text
        atomic_write_text(target, findings_text(result))
    bad = [r for r in result if not r.protected]
    if bad and stop:
        raise DisclosureError([f"audit {name}: {r}" for r in bad] + [f"niets gepubliceerd; bevindingen in {target}"])


def archived_flows(results: pd.DataFrame, artefact: str, *, base: int, rate_decimals: int = 3,
                   source: str = "register", organisation: str = "gemeente") -> Release:
    """An earlier release's flow rows of results.csv (statistic rate; indicator = flow, waves = period,
    category = unit, group, n = the base as published) as cells: the base within its rounding interval,
    and the flow count within rate x base, widened by the rounding of the count the rate was made from
    and by the precision of the rate (`rate_decimals`, config disclosure.rounding.register_rates)."""
    rel = Release()
    # not throughflow: chapter 04 divides it by the stayers, so its n is not the stock (read as the stock,
    # 5 015 stayers against 5 590 staff made release 2 and its archived release 1 contradict each other)
    rows = results[(results["statistic"] == "rate") & results["indicator"].isin(["instroom", "uitstroom"])
                   & (results["source"] == source)]
    for r in rows.itertuples(index=False):
        unit = str(r.category) if isinstance(r.category, str) and r.category else organisation
        stock = (source, _start(r.waves), unit, str(r.group), STOCK)
        flow = (source, str(r.waves), unit, str(r.group), str(r.indicator))
        if bool(r.suppressed) or pd.isna(r.estimate) or pd.isna(r.n):
            rel.count(flow, None, artefact)
            continue
        rel.count(stock, r.n, artefact, base)
        h = 0.5 * 10 ** -rate_decimals  # the declared rule (a printed 0.4 may be 0.400)
        slack = (base - 1) / 2 + 0.5 if base > 1 else 0.0
        lo, hi = rounding_interval(r.n, base)
        rel.cells[flow].append(Occurrence(artefact, float(r.estimate * r.n),
                                          max(0.0, math.ceil((r.estimate - h) * lo - slack - 1e-9)),
                                          math.floor((r.estimate + h) * hi + slack + 1e-9)))
    rel.keep |= set(rel.cells)  # published already: hiding them now protects nothing
    return rel


def load_archive(folder, before: int, **kw) -> list[Release]:
    """The archived releases (folder/<year>/results.csv) of years before `before`, as constraints."""
    from pathlib import Path
    out = []
    for f in sorted(Path(folder).glob("*/results.csv")):
        if f.parent.name.isdigit() and int(f.parent.name) < before:
            out.append(archived_flows(pd.read_csv(f, dtype={"waves": str, "group": str, "category": str}),
                                      f"archief {f.parent.name}", **kw))
    return out


def training_cells(rel: Release, city: pd.DataFrame, units: pd.DataFrame, unit: str = "directie_code") -> None:
    """Chapter 10's tables as published: per year, course and role (and unit) the role holders `n` and
    the trained (exact counts of the register), the share beside them (printed with 6 significant
    digits), the trained part of the role holders, and the units adding up to the organisation (the
    per-unit table holds the last year; a role holder's unit comes from the register)."""
    def key(r, u: str, m: str):
        return ("training", str(r.jaar), str(r.cursus), str(r.rol), u, m)
    for t, name, col in ((city, "training gemeente", None), (units, "training directies", unit)):
        for r in t.itertuples(index=False):
            u = "gemeente" if col is None else str(getattr(r, col))
            a, g = key(r, u, "n"), key(r, u, "getraind")
            rel.count(a, r.n, name)
            rel.count(g, r.getraind, name)
            if pd.notna(r.aandeel):
                rel.share(g, a, float(r.aandeel), share_halfwidth(f"{r.aandeel:.6g}"), name)
            rel.ratios.append((g, a, 0.0, 1.0))
    for (jaar, cursus, rol), part in units.groupby(["jaar", "cursus", "rol"], sort=True):
        for m in ("n", "getraind"):
            total = ("training", str(jaar), str(cursus), str(rol), "gemeente", m)
            if total in rel.cells:
                rel.total(total, [("training", str(jaar), str(cursus), str(rol), str(u), m) for u in part[unit]])
                rel.keep.add(total)


def protect_training(city, units, policy, unit: str = "directie_code"):
    """The release audit on chapter 10 (the organisation per year and the units of the last year, with
    the trained part of the role holders and the units adding up): where a hidden count is not protected
    (pinned, or narrower than the width and meeting 1..k-1), the smallest shown count sharing a constraint
    with it is hidden too, with its share and distance to the target. Returns (city, units, audit, cells
    hidden by the audit); `city` and `units` are Published (`LinkedCounts`/`Rates` applied)."""
    from pipeline.disclosure.audit import AuditError, audit, protect
    from pipeline.disclosure.publish import hide_cells
    rel = Release()
    training_cells(rel, city.table, units.table, unit)
    try:
        if not policy.audit:
            return city, units, audit(rel, policy.k, policy.width), []
        result, added = protect(rel, policy.k, policy.width)
    except AuditError:  # the tables contradict the model's identities: nothing a reader could combine
        return city, units, [], []
    out = []
    for p, col in ((city, None), (units, unit)):
        t = p.table
        for m, columns in (("n", ("n", "aandeel", "verschil")), ("getraind", ("getraind", "aandeel", "verschil"))):
            u = pd.Series("gemeente", index=t.index) if col is None else t[col].astype(str)
            keys = list(zip(*(t[c].astype(str) for c in ("jaar", "cursus", "rol")), u))
            rows = np.array([("training", *k_, m) in set(added) for k_ in keys], dtype=bool)
            p = hide_cells(p, rows, columns)
        out.append(p)
    return out[0], out[1], result, added

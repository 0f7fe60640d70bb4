"""Declared workforce targets (config/targets.yaml): counts, progress and the intake needed.

Why: the organisation and ~40 directorates each set their own targets (action plans); a target is
data — population (pay scales), group counted, kind, baseline and target year — so a new target or
a directorate's own target needs no code. One engine counts every target for the organisation and
for every directorate, so the organisation page, chapter 04 and the directorate pages show the same,
identically suppressed numbers.

Kinds: `share` (the group's share of the population reaches `value` by the target year),
`relative_increase` (the share rises by `value`, 0.25 = +25%, from baseline to target year),
`count` (at least `value` persons) and `monitor` (a goal an action plan names without a number: the
share is followed from the baseline on, with no value, path, verdict or intake). A `share` whose
baseline is already at its value is a hold goal: reached, and the point is to keep it ("vasthouden"). Staff whose value of the counted variable is unknown (unknown
origin) leave the denominator: counting them as 'not in the group' would bias every share down.

Progress: the straight line from the baseline value to the target value is the path; a unit is on
track when its latest value is at or beyond the path in that year. Intake needed: with the
population's size held constant and its observed yearly outflow rate o, the group grows as
d_{t+1} = d_t (1 - o) + x; the constant yearly inflow x of group members (hires or promotions into
the population) that reaches the target G after L years is x = (G - d_0 (1-o)^L) / sum_{i<L} (1-o)^i.
The o*N vacancies per year are what that intake has to come from.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import LinkedCounts, Rates, Result, Rounding
from pipeline.results import Tidy
# the declaration (what a target is, the file, its check) lives in target_spec: read on every run without pandas
from pipeline.analysis.target_spec import (KEYS, KINDS, MONITOR_REQUIRED, MONITORED, ORGANISATION,  # noqa: F401
                                           REQUIRED, Target, _bounds, _counted, check, declared_entries,
                                           declared_path, from_dict, load, nested_in, pct, population_nl)


def members(df: pd.DataFrame, t: Target, young_cutoff: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(in the population, known value of the counted variable, in the counted group) per person."""
    scale = pd.to_numeric(df["salarisschaal"], errors="coerce").to_numpy(float)
    pop = np.ones(len(df), bool)
    if t.scale:
        lo, hi = t.scale
        pop &= (scale >= lo) if lo is not None else True
        pop &= (scale <= hi) if hi is not None else True
    col, levels, below = _counted(t.counted, young_cutoff)
    if below is not None and col not in df:
        # processed data keep no exact age: the `jong` flag the cleaning step derived with the same cut-off
        col, levels, below = "jong", ["ja"], None
    if below is not None:
        x = pd.to_numeric(df[col], errors="coerce")
        known, grp = x.notna().to_numpy(), (x < below).to_numpy()
    else:
        v = df[col].astype("object")
        known = v.notna().to_numpy()
        grp = known & v.astype(str).isin(levels).to_numpy()
    return pop, pop & known, pop & known & grp


# --- counting ------------------------------------------------------------------------------------

def counts(snapshots: dict[int, pd.DataFrame], targets: list[Target], young_cutoff: int,
           unit: str = "directie_code") -> pd.DataFrame:
    """Per target, unit (the organisation and every directorate) and year: aantal (in the group),
    noemer (population of known value), n (the unit's headcount). Long format, one row each."""
    frames = []
    for year, df in sorted(snapshots.items()):
        cols = {"n": np.ones(len(df), int)}
        for t in targets:
            _, known, grp = members(df, t, young_cutoff)
            cols[f"a|{t.name}"], cols[f"b|{t.name}"] = grp.astype(int), known.astype(int)
        wide = pd.DataFrame(cols, index=df.index)
        per_unit = wide.groupby(df[unit].astype(str).to_numpy()).sum()
        per_unit.loc[ORGANISATION] = wide.sum()
        for t in targets:
            frames.append(pd.DataFrame({"target": t.name, "eenheid": per_unit.index, "jaar": str(year),
                                        "aantal": per_unit[f"a|{t.name}"].to_numpy(),
                                        "noemer": per_unit[f"b|{t.name}"].to_numpy(), "n": per_unit["n"].to_numpy(),
                                        "soort": t.kind}))
    out = pd.concat(frames, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["aandeel"] = out["aantal"] / out["noemer"].where(out["noemer"] > 0)
    out["indicator"] = "target:" + out["target"]
    out["sleutel"] = out["target"] + "|" + out["jaar"]
    return _with_nested(out, targets)


def _with_nested(out: pd.DataFrame, targets: list[Target]) -> pd.DataFrame:
    """`binnen_aantal`, `binnen_noemer`: per row the counts of the widest target nested in its target
    (0 without one), so disclosure control can audit the difference (`count_results`)."""
    out = out.assign(binnen_aantal=0, binnen_noemer=0)
    for t in targets:
        inner = [i for i in targets if nested_in(t, i)]
        if not inner:
            continue
        widest = max(inner, key=lambda i: _bounds(i.scale)[1] - _bounds(i.scale)[0])
        mine = out["target"] == t.name
        ref = out[out["target"] == widest.name].set_index(["eenheid", "jaar"])
        keys = pd.MultiIndex.from_frame(out.loc[mine, ["eenheid", "jaar"]])
        out.loc[mine, "binnen_aantal"] = ref["aantal"].reindex(keys).to_numpy()
        out.loc[mine, "binnen_noemer"] = ref["noemer"].reindex(keys).to_numpy()
    return out


def outflow(snapshots: dict[int, pd.DataFrame], targets: list[Target], young_cutoff: int,
            unit: str = "directie_code", id_col: str = "pseudo_id") -> pd.DataFrame:
    """Per target, unit and part (`deel`: the counted group, or the others of known value in the
    population), pooled over consecutive years: how many were there at the start (basis) and how many
    had left the next year (vertrek). A group member leaves when no longer in the group in the same
    unit's population (left the organisation or the directorate, moved out of its pay scales, or
    turned 35 for a young target); another member when no longer in the population. Two rates, because
    the groups a target is about often leave at another rate than the others. `groep_weg`: group
    members who left the population (only they free a place: who turns 35 stays)."""
    years = sorted(snapshots)
    acc: dict[tuple[str, str, str], list[int]] = {}
    for y0, y1 in zip(years[:-1], years[1:]):
        a, b = snapshots[y0], snapshots[y1]
        ids_a = pd.MultiIndex.from_arrays([a[id_col].astype(str), a[unit].astype(str)])
        ids_b = pd.MultiIndex.from_arrays([b[id_col].astype(str), b[unit].astype(str)])
        units_a = a[unit].astype(str).to_numpy()
        for t in targets:
            _, known_a, grp_a = members(a, t, young_cutoff)
            pop_b, _, grp_b = members(b, t, young_cutoff)
            gone = ~ids_a.isin(ids_b[pop_b])
            parts = {"groep": (grp_a, ~ids_a.isin(ids_b[grp_b])), "overig": (known_a & ~grp_a, gone),
                     "groep_weg": (grp_a, gone)}
            for part, (start, gone) in parts.items():
                left = pd.DataFrame({"vertrek": (start & gone).astype(int), "basis": start.astype(int)})
                per = left.groupby(units_a).sum()
                per.loc[ORGANISATION] = left.sum()
                for u, (v, n) in zip(per.index, per.to_numpy()):
                    cell = acc.setdefault((t.name, u, part), [0, 0])
                    cell[0] += int(v)
                    cell[1] += int(n)
    out = pd.DataFrame([{"target": tn, "eenheid": u, "deel": part, "vertrek": v, "basis": n}
                        for (tn, u, part), (v, n) in acc.items()],
                       columns=["target", "eenheid", "deel", "vertrek", "basis"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["uitstroom"] = out["vertrek"] / out["basis"].where(out["basis"] > 0)
    out["sleutel"] = out["target"] + "|" + out["deel"]
    return out


# --- the standing shares of chapter 04 (the one place target shares are computed) ---------------

# indicator code -> (share column, base column) of the shares table's results rows
SHARES = {"share_under_young_cutoff": ("share_young", "n"), "share_diverse_12_14": ("share_div_12_14", "known_12_14"),
          "share_diverse_12plus": ("share_div_12plus", "known_12plus")}


def share_tidy(unit: str | None = None) -> tuple[Tidy, ...]:
    """Results rows of a shares table: each share per year (and per unit, e.g. directorate)."""
    where = ({"group": unit}, {"dimension": unit}) if unit else ({}, {})
    return tuple(Tidy("share", {"estimate": share, "n": base, "waves": "jaar", **where[0]}, {"indicator": code, **where[1]})
                 for code, (share, base) in SHARES.items())


def share_table(snapshots: dict[int, pd.DataFrame], *, classification: str = "old", young_cutoff: int = 35,
                by: str | None = None) -> pd.DataFrame:
    """The young share and the diverse shares in scales 12-14 and from 12 up per year (and per `by`),
    with their counts, by the same rule (`members`) as every declared target: staff whose origin is
    unknown leave the denominator (`known_*`) and are counted apart (`unknown_*`)."""
    origin = {"origin": classification}
    spec = {"young": (None, "young"), "12_14": ([12, 14], origin), "12plus": ([12, None], origin)}
    rows = []
    for year, df in sorted(snapshots.items()):
        cols = {"n": np.ones(len(df), int)}
        for suffix, (scale, counted) in spec.items():
            t = from_dict({"name": suffix, "label": suffix, "scope": "organisation", "scale": scale, "counted": counted,
                           "kind": "share", "value": 0, "baseline_year": 0, "target_year": 1})
            pop, known, grp = members(df, t, young_cutoff)
            if suffix == "young":
                cols["n_young"] = grp.astype(int)
            else:
                cols[f"n_{suffix}"], cols[f"div_{suffix}"] = pop.astype(int), grp.astype(int)
                cols[f"known_{suffix}"] = known.astype(int)
        key = df[by].astype(str).to_numpy() if by else np.full(len(df), "gemeente")
        agg = pd.DataFrame(cols).groupby(key).sum().rename_axis(by or "niveau").reset_index()
        agg.insert(0, "jaar", year)
        rows.append(agg)
    out = pd.concat(rows, ignore_index=True)
    out = out[["jaar", by or "niveau", "n", "n_young", "n_12_14", "div_12_14", "n_12plus", "div_12plus",
               "known_12_14", "known_12plus"]]
    out["unknown_12_14"] = out["n_12_14"] - out["known_12_14"]
    out["unknown_12plus"] = out["n_12plus"] - out["known_12plus"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share_young"] = out["n_young"] / out["n"]
        out["share_div_12_14"] = out["div_12_14"] / out["known_12_14"]
        out["share_div_12plus"] = out["div_12plus"] / out["known_12plus"]
    return out


# --- disclosure: the same rule for every consumer -------------------------------------------------

NESTED = ("binnen_aantal", "binnen_noemer")


def _nested_columns(table: pd.DataFrame) -> pd.DataFrame:
    """A counts table from before the nested audit (or made by hand) gets zero nested counts."""
    return table.assign(**{c: table[c] if c in table else 0 for c in NESTED})


def count_results(table: pd.DataFrame) -> dict[str, Result]:
    """The counts as publishable results: the organisation's rows (a count of 1..k-1 or a denominator
    below k hidden) and the directorates' rows, linked: the organisation total is published, so per
    target and year every hidden directorate cell has a second one (rule 2 across directorates), for
    the group count within the population and for the population within the headcount."""
    cols = ["target", "indicator", "soort", "eenheid", "jaar", "aantal", "noemer", "aandeel", "n"]
    org = table[table["eenheid"] == ORGANISATION]
    units = table[table["eenheid"] != ORGANISATION]
    where = {"n": "noemer", "waves": "jaar", "group": "eenheid"}
    tidy = tuple(Tidy(stat, {"estimate": col, **where}, {"dimension": "eenheid"}, only={"soort": kind})
                 for kind, stat, col in (("share", "share", "aandeel"), ("relative_increase", "share", "aandeel"),
                                         ("count", "count", "aantal"), ("monitor", "share", "aandeel")))
    return {
        "targets_org": Result(org[cols].reset_index(drop=True), Rates("aantal", "noemer", columns=("aandeel",)),
                              tidy=tidy),
        # audit of nested targets (scale 12-14 within 12 and up): the count in between (`verschil`, of
        # the group and of the others) is checked like a published cell; where it is hidden, the outer
        # target's count and share go, with secondary suppression across the directorates
        "targets_dir": Result(_nested_columns(units)[[*cols, "sleutel", *NESTED]].reset_index(drop=True), LinkedCounts(
            unit="eenheid", pairs=(("aantal", "noemer"), ("noemer", "n"), ("verschil", "verschil_noemer")),
            shares={"aantal": "aandeel"}, depends={"noemer": ("aantal", "aandeel")}, total="n", year="sleutel",
            differences={"verschil": ("aantal", "binnen_aantal", "aantal"),
                         "verschil_noemer": ("noemer", "binnen_noemer", "noemer")}, audit_only=NESTED,
            # counts to base 5 and shares to whole percentages: the organisation's total minus the
            # other directorates gives no exact count (nested populations need the audit above as well)
            rounding=Rounding(counts=("aantal", "noemer", "n"), shares=("aandeel",))), tidy=tidy),
    }


def outflow_results(table: pd.DataFrame) -> dict[str, Result]:
    """Outflow of each target's group and of the others: organisation (rate rule) and directorates
    (linked per target and part: the organisation's count is published)."""
    org = table[table["eenheid"] == ORGANISATION].reset_index(drop=True)
    units = table[table["eenheid"] != ORGANISATION].reset_index(drop=True)
    return {"outflow_org": Result(org, Rates("vertrek", "basis", columns=("uitstroom",))),
            "outflow_dir": Result(units, LinkedCounts(unit="eenheid", pairs=(("vertrek", "basis"),),
                                                      shares={"vertrek": "uitstroom"}, total="basis", year="sleutel"))}


# --- progress ------------------------------------------------------------------------------------

def needed_per_year(goal_count: float, d0: float, rate: float, years_left: int) -> float:
    """Constant yearly inflow of group members that brings d0 to goal_count in `years_left` years
    when a share `rate` of the group leaves each year (0 if the target is reached anyway)."""
    if any(pd.isna(v) for v in (goal_count, d0, rate)):
        return np.nan
    if years_left <= 0:
        return max(0.0, math.ceil(goal_count - d0 - 1e-9))
    keep = 1.0 - rate
    total = sum(keep ** i for i in range(years_left))
    return max(0.0, math.ceil((goal_count - d0 * keep ** years_left) / total - 1e-9))


def intake_plan(goal_count: float, d0: float, size: float, rate_group: float, rate_other: float,
                years_left: int, rate_group_gone: float | None = None) -> tuple[float, float]:
    """(group members needed per year, places that come free per year on average) to bring d0 to
    goal_count in `years_left` years in a population of constant `size`, when each year a share
    `rate_group` of the group and `rate_other` of the others leave and every place that comes free is
    filled again (from outside or by promotion). The places follow the path the needed intake makes:
    V_t = g d_t + rate_other (size - d_t), averaged over the years left, with g the share of the
    group that leaves the population (`rate_group_gone`, default `rate_group`: who leaves the group
    by turning 35 frees no place)."""
    need = needed_per_year(goal_count, d0, rate_group, years_left)
    g = rate_group if rate_group_gone is None else rate_group_gone
    if any(pd.isna(v) for v in (need, size, rate_other, g)):
        return need, np.nan
    d, free = float(d0), []
    for _ in range(max(years_left, 1)):
        free.append(g * d + rate_other * (size - d))
        d = d * (1 - rate_group) + need
    return need, float(np.mean(free))


def progress(counts_pub: pd.DataFrame, outflow_pub: pd.DataFrame, targets: list[Target],
             units: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per (target, unit): baseline, latest value, goal, value on the straight-line path in
    the latest year, verdict, and the intake needed per year (`intake_plan`) from the observed outflow
    of the counted group and of the others — each the unit's own where published, else the
    organisation's (`bron_groep`, `bron_overig`). Computed from published (suppressed) counts only;
    `units`: target name -> units to report (default: every unit in the counts)."""
    rows = []
    rates = outflow_pub.set_index(["target", "eenheid", "deel"])["uitstroom"]

    def rate(t: str, u: str, part: str) -> tuple[float, str]:
        own = rates.get((t, u, part), np.nan)
        return (own, "eigen") if not pd.isna(own) else (rates.get((t, ORGANISATION, part), np.nan), "gemeente")

    for t in targets:
        sub = counts_pub[counts_pub["target"] == t.name]
        for u in (units or {}).get(t.name, sub["eenheid"].unique()):
            s = sub[sub["eenheid"] == u].assign(jaar=lambda d: d["jaar"].astype(int)).set_index("jaar").sort_index()
            if s.empty:
                continue
            if t.monitored:  # no number: where it stands and where it started, nothing judged
                last = int(s.index.max())
                rows.append({"target": t.name, "indicator": f"target:{t.name}", "doel": t.label, "eenheid": u,
                             "basisjaar": str(t.baseline_year), "basis": s[t.measure].get(t.baseline_year, np.nan),
                             "jaar": str(last), "huidig": s.at[last, t.measure], "doeljaar": "",
                             "streefwaarde": np.nan, "pad": np.nan,
                             "oordeel": "niet te tonen" if pd.isna(s.at[last, t.measure]) else MONITORED,
                             "uitstroom_groep": np.nan, "bron_groep": "", "uitstroom_overig": np.nan, "bron_overig": "",
                             "vacatures_per_jaar": np.nan, "nodig_per_jaar": np.nan, "noemer": s.at[last, "noemer"],
                             "soort": t.kind})
                continue
            last = int(min(s.index.max(), max(t.target_year, s.index.min())))
            base = s[t.measure].get(t.baseline_year, np.nan)
            now = s.at[last, t.measure]
            goal = t.goal(base) if t.kind == "relative_increase" else t.goal(np.nan)
            frac = min(max((last - t.baseline_year) / (t.target_year - t.baseline_year), 0.0), 1.0)
            path = base + (goal - base) * frac
            # every target is a minimum: reached when the value is at or above the goal
            if pd.isna(now) or pd.isna(goal) or pd.isna(path):
                verdict = "niet te tonen"
            elif now >= goal - 1e-9:
                verdict = "gehaald"
            elif last >= t.target_year:
                verdict = "niet gehaald"
            elif now >= path - 1e-9:
                verdict = "op koers"
            else:
                verdict = "achter op schema"
            (rg, src_g), (ro, src_o) = rate(t.name, u, "groep"), rate(t.name, u, "overig")
            gone = rates.get((t.name, u, "groep_weg"), np.nan) if src_g == "eigen" else \
                rates.get((t.name, ORGANISATION, "groep_weg"), np.nan)
            N, d = s.at[last, "noemer"], s.at[last, "aantal"]
            goal_count = goal if t.kind == "count" else goal * N
            need, free = intake_plan(goal_count, d, N, rg, ro, t.target_year - last, gone)
            rows.append({"target": t.name, "indicator": f"target:{t.name}", "doel": t.label, "eenheid": u,
                         "basisjaar": str(t.baseline_year), "basis": base, "jaar": str(last), "huidig": now,
                         "doeljaar": str(t.target_year), "streefwaarde": goal, "pad": path, "oordeel": verdict,
                         "uitstroom_groep": rg, "bron_groep": src_g, "uitstroom_overig": ro, "bron_overig": src_o,
                         "vacatures_per_jaar": np.nan if pd.isna(free) else round(free),
                         "nodig_per_jaar": need, "noemer": N, "soort": t.kind})
    return pd.DataFrame(rows, columns=PROGRESS)


PROGRESS = ["target", "indicator", "doel", "eenheid", "basisjaar", "basis", "jaar", "huidig", "doeljaar",
            "streefwaarde", "pad", "oordeel", "uitstroom_groep", "bron_groep", "uitstroom_overig", "bron_overig",
            "vacatures_per_jaar", "nodig_per_jaar", "noemer", "soort"]


def shown_progress(prog: pd.DataFrame, targets: list[Target]) -> pd.DataFrame:
    """The progress table for reading: shares as percentages, counts as whole numbers (text)."""
    kinds = {t.name: t.kind for t in targets}
    out = prog.copy()
    for col in ("basis", "huidig", "streefwaarde", "pad"):
        out[col] = [show_value(v, kinds[t] == "count") for v, t in zip(prog[col], prog["target"])]
    monitored = prog["target"].map(kinds).eq("monitor").to_numpy()
    hold = [kinds[t] == "share" and o == "gehaald" and not pd.isna(b) and b >= g - 1e-9
            for t, o, b, g in zip(prog["target"], prog["oordeel"], prog["basis"], prog["streefwaarde"])]
    out["oordeel"] = [HOLD if h else o for h, o in zip(hold, prog["oordeel"])]
    out["pad"] = [NO_PATH if h else p for h, p in zip(hold, out["pad"])]  # nothing to climb: keep it
    for part in ("groep", "overig"):  # a rate borrowed from the organisation says so
        out[f"uitstroom_{part}"] = [show_value(v, False) + ("" if src == "eigen" or pd.isna(v) else " (gemeente)")
                                    for v, src in zip(prog[f"uitstroom_{part}"], prog[f"bron_{part}"])]
    out["vacatures_per_jaar"] = [show_value(v, True) for v in prog["vacatures_per_jaar"]]
    # one number, two meanings split in two columns: the yearly intake while the target year is ahead,
    # the shortfall once it is reached
    passed = [bool(d) and int(j) >= int(d) for j, d in zip(prog["jaar"], prog["doeljaar"])]
    out["nodig_per_jaar"] = ["n.v.t. (doeljaar bereikt)" if p and not pd.isna(v) else show_value(v, True)
                             for v, p in zip(prog["nodig_per_jaar"], passed)]
    out["tekort"] = [show_value(v, True) if p else "n.v.t. (doeljaar nog niet bereikt)"
                     for v, p in zip(prog["nodig_per_jaar"], passed)]
    if monitored.any():  # a goal without a number: nothing to reach, so no target, path or intake
        for col in ("streefwaarde", "pad", "doeljaar", "uitstroom_groep", "uitstroom_overig", "vacatures_per_jaar",
                    "nodig_per_jaar", "tekort"):
            out[col] = out[col].astype(object).where(~monitored, NO_NUMBER)
    return out


HOLD = "gehaald, vasthouden"  # a share goal already reached at the baseline: the point is to keep it
NO_NUMBER = "n.v.t. (geen streefwaarde)"
NO_PATH = "n.v.t. (al gehaald)"


# the intake columns of a shown progress table (`shown_progress`), with their headers
INTAKE_COLUMNS = {"nodig_per_jaar": "nodig per jaar tot het doeljaar", "tekort": "tekort in het doeljaar"}


def show_value(v: float, count: bool) -> str:
    from pipeline.disclosure import SUPPRESSED
    if pd.isna(v):
        return SUPPRESSED
    return f"{int(round(v))}" if count else pct(v)


def intake_note(r) -> str:
    """The assumptions behind the intake needed, in plain Dutch, with the rates used."""
    def src(part: str) -> str:
        return "" if r[f"bron_{part}"] == "eigen" else ", cijfer van de gemeente"
    return (f"aangenomen dat de omvang gelijk blijft, dat elk jaar {pct(r['uitstroom_groep'])} van de doelgroep"
            f"{src('groep')} en {pct(r['uitstroom_overig'])} van de anderen{src('overig')} vertrekt zoals in de "
            "afgelopen jaren, en dat elke vrijgekomen plaats weer wordt bezet")


INTAKE_NL = ("Nodig per jaar: hoeveel mensen uit de doelgroep er elk jaar bij moeten komen (instroom van buiten of "
             "doorstroom van binnen) om het doel in het doeljaar te halen. Aannames: de doelpopulatie blijft even "
             "groot; van de doelgroep en van de anderen vertrekt elk jaar hetzelfde aandeel als gemiddeld in de "
             "afgelopen jaren (twee aparte cijfers, want die groepen vertrekken niet even vaak; bij jongeren telt "
             "35 worden als vertrek uit de doelgroep); elke plaats die vrijkomt wordt weer bezet; de instroom is "
             "elk jaar even groot. Vrijkomende plaatsen: het gemiddelde aantal plaatsen per jaar dat zo vrijkomt. "
             "Het vertrek is dat van de eenheid zelf; waar het te weinig mensen betreft om te tonen, dat van de "
             "gemeente (zo aangegeven). Tekort in het doeljaar: hoeveel mensen uit de doelgroep er in het "
             "doeljaar nog ontbreken (alleen als dat jaar bereikt is).")


PROGRESS_TIDY = (Tidy("target_progress", {"estimate": "huidig", "waves": "jaar", "group": "eenheid", "n": "noemer",
                                          "category": "oordeel"}, {"dimension": "eenheid"}),)


def summary_nl(prog: pd.DataFrame, targets: list[Target], unit: str, who: str) -> str:
    """Plain-Dutch lines on where `unit` stands on each of its targets (from the progress table)."""
    by_name = {t.name: t for t in targets}
    lines = []
    for _, r in prog[(prog["eenheid"] == unit) & prog["target"].isin(list(by_name))].iterrows():
        t = by_name[r["target"]]
        fmt = (lambda v: f"{int(v)}") if t.kind == "count" else pct
        if r["oordeel"] == "niet te tonen":
            lines.append(f"- **{t.label}**: voor {who} niet te tonen (te weinig medewerkers om de cijfers te publiceren).")
            continue
        if t.monitored:
            lines.append(f"- **{t.label}**: {monitored_nl(r)} Het actieplan noemt hier geen streefwaarde; "
                         "het volgt dit cijfer.")
            continue
        line = (f"- **{t.label}**: {fmt(r['huidig'])} in {r['jaar']} (was {fmt(r['basis'])} in {r['basisjaar']}; "
                f"doel {t.describe()}, dus {fmt(r['streefwaarde'])}). ")
        if t.kind == "relative_increase" and not pd.isna(r["basis"]) and r["basis"] > 0:
            rise = r["huidig"] / r["basis"] - 1
            line += f"Dat is {'+' if rise >= 0 else '−'}{pct(abs(rise))} sinds {r['basisjaar']}. "
        if r["oordeel"] == "gehaald" and t.kind != "relative_increase" and r["basis"] >= r["streefwaarde"] - 1e-9:
            line += "Het doel was al gehaald bij de nulmeting. Het gaat nu om vasthouden."
        elif r["oordeel"] == "gehaald":
            line += "Het doel is gehaald."
        elif r["oordeel"] == "niet gehaald":
            line += "Het doel is in het doeljaar niet gehaald."
            if not pd.isna(r["nodig_per_jaar"]) and t.kind != "count":
                line += f" Tekort in {r['doeljaar']}: ongeveer {int(r['nodig_per_jaar'])} mensen uit de doelgroep."
        else:
            line += (f"Volgens een rechte lijn naar het doel zou het nu {fmt(r['pad'])} zijn: "
                     + ("**op koers**." if r["oordeel"] == "op koers" else "**achter op schema**."))
            if not pd.isna(r["nodig_per_jaar"]) and r["nodig_per_jaar"] > 0 and not pd.isna(r["vacatures_per_jaar"]):
                line += (f" Om het doel in {r['doeljaar']} te halen zijn elk jaar ongeveer {int(r['nodig_per_jaar'])} "
                         f"instromers of doorstromers uit de doelgroep nodig, van de ongeveer "
                         f"{int(r['vacatures_per_jaar'])} plaatsen die jaarlijks vrijkomen ({intake_note(r)}).")
                if r["nodig_per_jaar"] > r["vacatures_per_jaar"]:
                    line += (" Dat is meer dan er vrijkomt: alleen met extra plaatsen, doorstroom naar deze schalen "
                             "of minder vertrek uit de doelgroep haalbaar.")
        lines.append(line)
    return "\n".join(lines)


def monitored_nl(r) -> str:
    """Where a followed share stands and how it moved since the baseline, in words (a full count:
    no margin; shares are published in whole percentages, so an equal published share is 'gelijk')."""
    now, base = r["huidig"], r["basis"]
    line = f"{pct(now, 0)} in {r['jaar']}"
    if pd.isna(base) or str(r["jaar"]) == str(r["basisjaar"]):
        return line + "."
    step = round(100 * (now - base))
    moved = ("gelijk gebleven" if step == 0 else
             f"{'gestegen' if step > 0 else 'gedaald'} met {abs(step)} procentpunt")
    return f"{line}, {moved} sinds {r['basisjaar']} ({pct(base, 0)})."

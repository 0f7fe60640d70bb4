"""The dashboard in words: headline findings and the reviewer's dashboard table.

Why: a works-council member reads the first screen and maybe nothing else. It must say in plain Dutch
what changed, whether the change is demonstrable (after the chapter's Benjamini–Hochberg correction),
whether a target is met — with units. Every sentence is generated from the published dashboard rows
(pipeline.analysis.dashboard), so the words can never disagree with the numbers.

Each kind of row is spoken in its own terms (`soort`, see pipeline.analysis.dashboard):
- a gap names both groups ("… scoren 0,28 punt lager dan medewerkers met een Nederlandse
  achtergrond") and its change is "kloof kleiner / kloof groter / geen aantoonbaar verschil": a gap
  of −0,43 that becomes −0,28 went *up* but got *smaller*, so "hoger/lager" would read backwards;
- a relative-increase target shows its relative change since the baseline ("+7,9 % sinds 2024"),
  judged against its target ("+25 %"), with the share beside it;
- a target already met at the baseline says so ("al gehaald bij de nulmeting (23,5 %); vasthouden");
- a goal followed without a number (kind `monitor`) says where it stands and how it moved ("gestegen;
  gevolgd zonder streefwaarde"), never "gehaald" or "niet gehaald";
- a target's direction is the movement in words ("stijgt, maar te langzaam voor 30 % in 2026",
  "daalt", "op schema"), never a judgement that contradicts the sign of the change.
Sentences stay at or under 25 words (B1 Dutch; tested).
"""
from __future__ import annotations

import pandas as pd

from pipeline.report import numbers as num

ALPHA = 0.05
UP, DOWN, SAME = "▲", "▼", "●"
CAUSALITY = "Of dit door het programma komt, laat deze vergelijking niet zien."
EPS = 1e-12

# the kind of a row from its unit, for rows made before `soort` existed (hand-made examples)
_KIND_OF_UNIT = {"schaalpunten": "kloof", "aandeel": "aandeel", "aandeel (telling)": "doel_aandeel",
                 "relatieve toename (telling)": "doel_relatief", "aantal (telling)": "doel_aantal"}


def kind(r) -> str:
    """kloof, aandeel, doel_aandeel, doel_relatief or doel_aantal."""
    k = r.get("soort")
    return str(k) if isinstance(k, str) and k else _KIND_OF_UNIT.get(str(r["eenheid"]), "aandeel")


def _get(r, col: str):
    v = r.get(col)
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def _scale(r) -> str:
    lo, hi = r.get("schaal_van"), r.get("schaal_tot")
    return f" op een schaal van {num.integer(lo)} tot {num.integer(hi)}" if pd.notna(lo) and pd.notna(hi) else ""


def _scale_short(r) -> str:
    lo, hi = r.get("schaal_van"), r.get("schaal_tot")
    return f" (schaal {num.integer(lo)} tot {num.integer(hi)})" if pd.notna(lo) and pd.notna(hi) else ""


def _is_count(r) -> bool:
    return kind(r).startswith("doel_") or "telling" in str(r["eenheid"])


def _target(r) -> bool:
    return kind(r).startswith("doel_")


def _years(r) -> tuple[str, str]:
    base, _, last = str(r["periode"]).partition("–")
    return base, last or base


def _missing(r, col: str = "stand") -> bool:
    return _get(r, col) is None


def demonstrable(r) -> bool | None:
    """True/False for a tested change; None for a full count (no sampling error: every change is real)."""
    if _is_count(r) or pd.isna(r["p_bh"]):
        return None
    return bool(r["p_bh"] < ALPHA)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- gaps ------------------------------------------------------------------------------------------

def _points(x: float) -> str:
    return num.decimal(abs(x), 2)


def _side(x: float) -> int:
    """-1 below the reference group, +1 above, 0 level with it (at the shown precision)."""
    return 0 if round(abs(x), 2) == 0 else (1 if x > 0 else -1)


def gap_size_change(r) -> str:
    """'kleiner', 'groter', 'omgedraaid' or 'even groot': the gap's size at the baseline against now."""
    b, s = _basis(r), r["stand"]
    if _side(b) and _side(s) and _side(b) != _side(s):
        return "omgedraaid"
    a, z = round(abs(b), 2), round(abs(s), 2)
    return "kleiner" if z < a else "groter" if z > a else "even groot"


def _basis(r) -> float:
    """The gap at the baseline (a row without it: the latest gap minus its change)."""
    b = _get(r, "basis")
    return float(b) if b is not None else float(r["stand"] - r["verandering"])


def _reference(r) -> str:
    return _get(r, "referentie") or "de referentiegroep"


def _gap_position(x: float, ref: str) -> str:
    """'0,28 punt onder <ref>' — the table's words for a level (no 'hoger/lager': that is a change)."""
    side = _side(x)
    if side == 0:
        return f"even hoog als {ref}"
    return f"{_points(x)} punt {'onder' if side < 0 else 'boven'} {ref}"


# --- the table -----------------------------------------------------------------------------------

def level_text(r) -> str:
    """The latest value in the row's own kind, with its unit and, for a share not of all staff, its base."""
    k = kind(r)
    if _missing(r):
        return "– (niet te tonen)"
    if k == "kloof":
        return _gap_position(r["stand"], _reference(r)) + _scale_short(r)
    base = _get(r, "populatie")
    of = f" van de {base}" if base and base != "alle medewerkers" else ""
    if k in ("doel_relatief", "doel_aantal", "doel_aandeel", "aandeel"):
        return _value(r, of)
    return f"{num.decimal(r['stand'], 2, sign=True)} punt{_scale(r)}"


def change_text(r) -> str:
    """The change since the baseline: a gap's size then and now; a share in percentage points."""
    k = kind(r)
    if _missing(r) or _missing(r, "verandering"):
        return "–"
    if k == "kloof":
        b = _basis(r)
        if gap_size_change(r) == "omgedraaid":
            return (f"van {_points(b)} punt {'onder' if b < 0 else 'boven'} naar "
                    f"{_points(r['stand'])} punt {'onder' if r['stand'] < 0 else 'boven'}")
        return f"van {_points(b)} naar {_points(r['stand'])} punt"
    if k == "doel_relatief":
        if _get(r, "aandeel") is None or _get(r, "aandeel_basis") is None:
            return "–"
        return f"{num.points(r['aandeel'] - r['aandeel_basis'])} (aandeel was {num.percent(r['aandeel_basis'], 1)})"
    if k == "doel_aantal":
        was = f" (was {num.integer(r['basis'])})" if _get(r, "basis") is not None else ""
        return f"{num.decimal(r['verandering'], 0, sign=True)} personen{was}"
    was = f" (was {num.percent(r['basis'], 1)})" if _get(r, "basis") is not None else ""
    return num.points(r["verandering"]) + was


def interval_text(r) -> str:
    """The 95% interval of the change; for a gap as how much smaller (or larger) the gap became."""
    if pd.isna(r["ci_low"]) or pd.isna(r["ci_high"]):
        return "n.v.t. (volledige telling)" if _is_count(r) else "–"
    if kind(r) == "kloof":
        b = _basis(r)
        if _side(b) == 0 or gap_size_change(r) == "omgedraaid":
            return f"{num.decimal(r['ci_low'], 2, sign=True)} tot {num.decimal(r['ci_high'], 2, sign=True)} punt"
        # the shrinking of the gap: |basis| - |stand| moves with the change when the gap is negative
        lo, hi = (r["ci_low"], r["ci_high"]) if b < 0 else (-r["ci_high"], -r["ci_low"])
        if lo >= 0:
            return f"kloof {num.decimal(lo, 2)} tot {num.decimal(hi, 2)} punt kleiner"
        if hi <= 0:
            return f"kloof {num.decimal(-hi, 2)} tot {num.decimal(-lo, 2)} punt groter"
        return f"van {num.decimal(-lo, 2)} punt groter tot {num.decimal(hi, 2)} punt kleiner"
    if kind(r) == "aandeel":
        return f"{num.decimal(100 * r['ci_low'], 1, sign=True)} tot {num.decimal(100 * r['ci_high'], 1, sign=True)} procentpunt"
    return f"{num.decimal(r['ci_low'], 2, sign=True)} tot {num.decimal(r['ci_high'], 2, sign=True)} punt"


def verdict_text(r) -> str:
    """Gap: ▼ kloof kleiner / ▲ kloof groter; share: ▲ hoger / ▼ lager; ● geen aantoonbaar verschil —
    in words and symbol, never colour alone."""
    d = demonstrable(r)
    if _missing(r) or _missing(r, "verandering"):
        return "–"
    if kind(r) == "kloof":
        if d is False:
            return f"{SAME} geen aantoonbaar verschil"
        size = gap_size_change(r)
        if size == "omgedraaid":
            now, then = round(abs(r["stand"]), 2), round(abs(_basis(r)), 2)
            if now == then:
                return f"{SAME} kloof omgedraaid, even groot"
            return f"{DOWN} kloof omgedraaid en kleiner" if now < then else f"{UP} kloof omgedraaid en groter"
        if size == "even groot":
            return f"{SAME} kloof even groot"
        return f"{DOWN} kloof kleiner" if size == "kleiner" else f"{UP} kloof groter"
    if d is False or r["verandering"] == 0:
        return f"{SAME} geen aantoonbaar verschil" if d is False else f"{SAME} gelijk (telling)"
    word = f"{UP} hoger" if r["verandering"] > 0 else f"{DOWN} lager"
    return word + (" (telling)" if d is None else "")


def _goal(r) -> str:
    """A target's value in its own kind: '30 %', '+25 %', '150 personen'."""
    k = kind(r)
    if k == "doel_aantal":
        return f"{num.integer(r['doel'])} personen"
    return num.percent(r["doel"], 0, sign=k == "doel_relatief")


def _deadline(r) -> str:
    y = _get(r, "doeljaar")
    return f" in {int(y)}" if y is not None else ""


def met(r) -> bool | None:
    """Whether a target is met, judged in its own kind (a relative target on its relative change)."""
    if _missing(r) or _get(r, "doel") is None:
        return None
    return bool(r["stand"] >= r["doel"] - EPS)


def direction_text(r) -> str:
    """The movement in words that match its sign. Survey rows: de goede / de verkeerde kant op (or not
    demonstrable). Targets: gehaald / al gehaald; vasthouden / stijgt (op schema, or too slowly for the
    target) / daalt / gelijk gebleven."""
    if _missing(r) or _missing(r, "verandering"):
        return "niet te tonen"
    if not _target(r):
        if demonstrable(r) is False:
            return "niet aantoonbaar"
        return "de goede kant op" if r["naar_doel"] else "de verkeerde kant op"
    ok, change = met(r), r["verandering"]
    if _get(r, "doel") is None:  # a goal followed without a number: its movement, nothing judged
        return f"{_moved(change)}; gevolgd zonder streefwaarde"
    if ok and bool(r.get("basis_gehaald")):
        return "al gehaald; vasthouden"
    if ok:
        return "gehaald"
    if bool(r.get("basis_gehaald")):
        return "daalt; was bij de nulmeting gehaald"
    goal = f"{_goal(r)}{_deadline(r)}"
    if abs(change) < EPS:
        return f"gelijk gebleven; doel {goal}"
    if change < 0:
        return f"daalt; doel {goal}"
    if r.get("doel_oordeel") == "op koers":
        return f"stijgt; op schema voor {goal}"
    return f"stijgt, maar te langzaam voor {goal}"


def _moved(change: float) -> str:
    return "gelijk gebleven" if abs(change) < EPS else "gestegen" if change > 0 else "gedaald"


def figure_word(r) -> str:
    """The short word beside a point in the dashboard figure (the table has the full words)."""
    if kind(r) == "kloof":
        d = demonstrable(r)
        return "niet aantoonbaar" if d is False else f"kloof {gap_size_change(r)}"
    text = direction_text(r)
    return text.split(";")[0].split(",")[0]


def target_text(r) -> tuple[str, str]:
    """(target with its deadline, met?) — 'geen streefcijfer' where the indicator has none. A target met
    at the baseline says so: the programme did not bring it about."""
    if _get(r, "doel") is None:
        return "geen streefcijfer", "n.v.t."
    goal = f"{_goal(r)}{_deadline(r)}"
    if kind(r) == "doel_relatief" and _get(r, "aandeel_basis") is not None:
        goal += f" (aandeel {num.percent(r['aandeel_basis'] * (1 + r['doel']), 1)})"
    ok = met(r)
    if ok is None:
        return goal, "niet te tonen"
    if ok and bool(r.get("basis_gehaald")):
        return goal, f"al gehaald bij de nulmeting ({num.percent(r['basis'], 1)}); vasthouden"
    if ok:
        return goal, "ja"
    y = _get(r, "doeljaar")
    _, last = _years(r)
    if y is not None and last.isdigit() and int(last) < int(y):
        return goal, f"nog niet (doeljaar {int(y)})"
    return goal, "nee"


def period_text(r) -> str:
    return str(r["periode"]) + (" (grotendeels vóór het programma)" if bool(r.get("voor_programma")) else "")


COLUMNS = ["indicator", "periode", "stand", "streefcijfer", "doel gehaald?", "verandering sinds nulmeting",
           "95%-interval", "oordeel", "richting"]


def readable(dash: pd.DataFrame) -> pd.DataFrame:
    """The reviewer's dashboard: every cell a Dutch text with its unit."""
    rows = []
    for _, r in dash.iterrows():
        goal, ok = target_text(r)
        rows.append({"indicator": r["indicator"], "periode": period_text(r), "stand": level_text(r),
                     "streefcijfer": goal, "doel gehaald?": ok, "verandering sinds nulmeting": change_text(r),
                     "95%-interval": interval_text(r), "oordeel": verdict_text(r), "richting": direction_text(r)})
    return pd.DataFrame(rows, columns=COLUMNS)


def words(dash: pd.DataFrame) -> pd.DataFrame:
    """The dashboard rows with their verdicts in words (columns of reports/_dashboard/dashboard.csv)."""
    out = dash.copy()
    if out.empty:
        return out.assign(significant=pd.Series(dtype=str), richting=pd.Series(dtype=str))
    out["significant"] = ["n.v.t. (telling)" if demonstrable(r) is None else "ja" if demonstrable(r) else "nee"
                          for _, r in out.iterrows()]
    out["richting"] = [direction_text(r) for _, r in out.iterrows()]
    return out


# --- findings ------------------------------------------------------------------------------------

def gap_sentence(r) -> str:
    """'<Onderwerp>: <groep> scoren 0,28 punt lager dan <referentie>. In 2019 was dat 0,43 punt …'"""
    base, _ = _years(r)
    who, ref = _get(r, "groep") or "de groep", _reference(r)
    topic = _get(r, "onderwerp") or str(r["indicator"])
    s, b = r["stand"], _basis(r)
    if _side(s) == 0:
        first = f"{topic}: {who} scoren even hoog als {ref}."
    else:
        first = f"{topic}: {who} scoren {_points(s)} punt {'lager' if s < 0 else 'hoger'} dan {ref}."
    size = gap_size_change(r)
    d = demonstrable(r)
    if size == "omgedraaid":
        then = f"In {base} scoorden zij juist {_points(b)} punt {'lager' if b < 0 else 'hoger'}{_scale_short(r)}"
    else:
        then = f"In {base} was dat {_points(b)} punt{_scale_short(r)}"
    if d is False:
        verdict = "de kloof is niet aantoonbaar veranderd"
    elif size == "omgedraaid":
        verdict = "de kloof is aantoonbaar omgedraaid"
    elif size == "even groot":
        verdict = "de kloof is even groot"
    else:
        verdict = f"de kloof is aantoonbaar {size} geworden"
    return f"{_upper_first(first)} {then}; {verdict}."


def _unclear_gap(r) -> str:
    base, _ = _years(r)
    topic = _get(r, "onderwerp") or str(r["indicator"])
    return (f"{_upper_first(topic)}: geen aantoonbare verandering sinds {base} in de kloof tussen "
            f"{_get(r, 'groep') or 'de groep'} en {_reference(r)}.")


def _share_sentence(r) -> str:
    base, last = _years(r)
    word = "gestegen" if r["verandering"] > 0 else "gedaald"
    before = r["stand"] - r["verandering"]
    return (f"{r['indicator']} is tussen {base} en {last} aantoonbaar {word}: van {num.percent(before)} "
            f"naar {num.percent(r['stand'])} ({num.points(r['verandering'])}).")


def _target_sentences(goals: pd.DataFrame) -> str:
    """One sentence on how many targets are met, then one per target: what it stands at in its own
    kind, and its movement."""
    shown = goals[[met(r) is not None for _, r in goals.iterrows()]]
    n_met = sum(bool(met(r)) for _, r in shown.iterrows())
    out = [f"Van de {len(shown)} streefcijfers van de gemeente {'is' if n_met == 1 else 'zijn'} er {n_met} gehaald."]
    for _, r in shown.iterrows():
        label = str(r["indicator"])
        first, last = _years(r)
        if met(r) and bool(r.get("basis_gehaald")):
            out.append(f"{label}: al gehaald bij de nulmeting ({num.percent(r['basis'], 1)} in {first}); vasthouden.")
            continue
        if met(r):
            out.append(f"{label}: gehaald ({_value(r)} in {last}).")
            continue
        if kind(r) == "doel_relatief":
            shares = (f" (aandeel {num.percent(r['aandeel_basis'], 1)} → {num.percent(r['aandeel'], 1)})"
                      if _get(r, "aandeel") is not None and _get(r, "aandeel_basis") is not None else "")
            now = f"{num.percent(r['stand'], 1, sign=True)} sinds {first}{shares}"
        else:
            now = f"{_value(r)} in {last}"
        out.append(f"{label}: {now}; doel {_goal(r)}{_deadline(r)}.")
        move = direction_text(r).split(";")[0]
        subject = "Het aantal" if kind(r) == "doel_aantal" else "Het aandeel"
        if move.startswith("stijgt, maar te langzaam"):
            out.append(f"{subject} stijgt, maar te langzaam.")
        elif move.startswith("stijgt"):
            out.append(f"{subject} stijgt en ligt op schema.")
        elif move.startswith("daalt"):
            out.append(f"{subject} daalt.")
        else:
            out.append(f"{subject} is gelijk gebleven.")
    return " ".join(out)


def _value(r, of: str = "") -> str:
    """A target's value in its own kind: '18,3 %', '+7,9 % sinds 2024 (aandeel 19,2 %)'; `of` names the
    base of a share that is not all staff (' van de medewerkers in schaal 12–14 …')."""
    k = kind(r)
    if k == "doel_relatief":
        first, _ = _years(r)
        share = f" (aandeel {num.percent(r['aandeel'], 1)}{of})" if _get(r, "aandeel") is not None else ""
        return f"{num.percent(r['stand'], 1, sign=True)} sinds {first}{share}"
    if k == "doel_aantal":
        return f"{num.integer(r['stand'])} personen"
    return num.percent(r["stand"], 1) + of


def findings(dash: pd.DataFrame, max_items: int = 6) -> list[str]:
    """3–6 plain-Dutch items: demonstrable changes first, then what could not be shown, then the
    targets. Generated from the published dashboard rows only; suppressed values are left out."""
    if dash.empty:
        return []
    out: list[str] = []
    rows = [r for _, r in dash.iterrows() if not _missing(r) and not _missing(r, "verandering")]
    tested = [r for r in rows if demonstrable(r) is not None]
    for r in tested:
        if not demonstrable(r):
            continue
        out.append(gap_sentence(r) if kind(r) == "kloof" else _share_sentence(r))
    unclear = [r for r in tested if demonstrable(r) is False]
    if unclear:
        text = " ".join(_unclear_gap(r) if kind(r) == "kloof" else
                        f"{r['indicator']}: geen aantoonbare verandering sinds {_years(r)[0]}." for r in unclear)
        out.append(text + " Het verschil kan toeval zijn.")
    goals = pd.DataFrame([r for r in rows if _target(r) and _get(r, "doel") is not None])
    if len(goals):
        out.append(_target_sentences(goals))
    followed = [r for r in rows if _target(r) and _get(r, "doel") is None]
    if followed:  # goals without a number: where they stand and how they moved, never "gehaald"
        out.append(" ".join(f"{r['indicator']}: {_value(r)} in {_years(r)[1]}, {_moved(r['verandering'])} sinds "
                            f"{_years(r)[0]} (gevolgd, zonder streefwaarde)." for r in followed))
    keep = out[: max_items - 1] + out[-1:] if len(out) > max_items else out
    return keep


def programme_note(dash: pd.DataFrame, start: int | None = None) -> str:
    """What a change since the baseline is not: said once, beside the dashboard. Names the periods
    that lie mostly before the programme's start."""
    note = CAUSALITY
    if dash.empty or "voor_programma" not in dash:
        return note
    early = list(dict.fromkeys(str(p) for p, v in zip(dash["periode"], dash["voor_programma"]) if bool(v) and v == v))
    if early:
        when = f" in {start}" if start else ""
        periods = " en ".join([", ".join(early[:-1]), early[-1]] if len(early) > 1 else early)
        note += (f" De periode{'s' if len(early) > 1 else ''} {periods} {'liggen' if len(early) > 1 else 'ligt'} "
                 f"grotendeels vóór de start van het programma{when}.")
    return note


def alt_text(dash: pd.DataFrame) -> str:
    """The dashboard figure's alt text: what it shows plus the key findings."""
    head = "Programma-indicatoren: verandering sinds de nulmeting per indicator, met 95%-interval."
    return " ".join([head, *findings(dash)])

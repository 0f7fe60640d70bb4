"""The dashboard in words: headline findings and the reviewer's dashboard table.

Why: a works-council member reads the first screen and maybe nothing else. It must say in plain Dutch
what changed, whether the change is demonstrable (after the chapter's Benjamini–Hochberg correction),
whether a target is met — with units. Every sentence is generated from the published dashboard rows
(pipeline.analysis.dashboard), so the words can never disagree with the numbers.
"""
from __future__ import annotations

import pandas as pd

from pipeline.report import numbers as num

ALPHA = 0.05
UP, DOWN, SAME = "▲", "▼", "●"


def _scale(r) -> str:
    lo, hi = r.get("schaal_van"), r.get("schaal_tot")
    return f" op een schaal van {num.integer(lo)} tot {num.integer(hi)}" if pd.notna(lo) and pd.notna(hi) else ""


def _is_count(r) -> bool:
    return "telling" in str(r["eenheid"])


def _share(r) -> bool:
    return str(r["eenheid"]).startswith("aandeel")


def _relative(r) -> bool:
    return str(r["eenheid"]).startswith("relatieve")


def demonstrable(r) -> bool | None:
    """True/False for a tested change; None for a full count (no sampling error: every change is real)."""
    if _is_count(r) or pd.isna(r["p_bh"]):
        return None
    return bool(r["p_bh"] < ALPHA)


def level_text(r) -> str:
    """The latest value with its unit: "24,2 %", "−0,18 punt op een schaal van 1 tot 5"."""
    if _relative(r):
        return num.percent(r["stand"], 1, sign=True)
    if _share(r):
        return num.percent(r["stand"], 1)
    return f"{num.decimal(r['stand'], 2, sign=True)} punt{_scale(r)}"


def change_text(r) -> str:
    if _relative(r):
        return "zie stand"
    if _share(r):
        return num.points(r["verandering"])
    return f"{num.decimal(r['verandering'], 2, sign=True)} punt"


def interval_text(r) -> str:
    if pd.isna(r["ci_low"]) or pd.isna(r["ci_high"]):
        return "n.v.t. (volledige telling)" if _is_count(r) else "–"
    if _share(r):
        return f"{num.decimal(100 * r['ci_low'], 1, sign=True)} tot {num.decimal(100 * r['ci_high'], 1, sign=True)} procentpunt"
    return f"{num.decimal(r['ci_low'], 2, sign=True)} tot {num.decimal(r['ci_high'], 2, sign=True)} punt"


def verdict_text(r) -> str:
    """▲ hoger / ▼ lager / ● geen aantoonbaar verschil — in words and symbol, never colour alone."""
    d = demonstrable(r)
    if d is False or r["verandering"] == 0 or pd.isna(r["verandering"]):
        return f"{SAME} geen aantoonbaar verschil"
    word = f"{UP} hoger" if r["verandering"] > 0 else f"{DOWN} lager"
    return word + (" (telling)" if d is None else "")


def direction_text(r) -> str:
    if demonstrable(r) is False:
        return "niet aantoonbaar"
    return "naar het doel" if r["naar_doel"] else "van het doel af"


def target_text(r) -> tuple[str, str]:
    """(target, met?) — empty where the indicator has no target."""
    goal = r.get("doel")
    if goal is None or pd.isna(goal):
        return "geen streefcijfer", "n.v.t."
    met = r["stand"] >= goal
    shown = num.percent(goal, 0, sign=_relative(r))
    return shown, "ja" if met else "nee"


def readable(dash: pd.DataFrame) -> pd.DataFrame:
    """The reviewer's dashboard: every cell a Dutch text with its unit."""
    rows = []
    for _, r in dash.iterrows():
        goal, met = target_text(r)
        rows.append({"indicator": r["indicator"], "periode": r["periode"], "stand": level_text(r),
                     "streefcijfer": goal, "doel gehaald?": met, "verandering sinds nulmeting": change_text(r),
                     "95%-interval": interval_text(r), "oordeel": verdict_text(r), "richting": direction_text(r)})
    return pd.DataFrame(rows, columns=["indicator", "periode", "stand", "streefcijfer", "doel gehaald?",
                                       "verandering sinds nulmeting", "95%-interval", "oordeel", "richting"])


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def findings(dash: pd.DataFrame, max_items: int = 6) -> list[str]:
    """3–6 plain-Dutch sentences: demonstrable changes first, then what could not be shown, then the
    targets. Generated from the published dashboard rows only."""
    if dash.empty:
        return []
    out: list[str] = []
    tested = dash[dash["p_bh"].notna()]
    for _, r in tested[tested["p_bh"] < ALPHA].iterrows():
        base, last = str(r["periode"]).split("–")
        name = _lower_first(str(r["indicator"]))
        before = r["stand"] - r["verandering"]
        if _share(r):
            word = "gestegen" if r["verandering"] > 0 else "gedaald"
            out.append(f"{r['indicator']} is tussen {base} en {last} aantoonbaar {word}: van {num.percent(before)} "
                       f"naar {num.percent(r['stand'])} ({num.points(r['verandering'])}).")
        else:
            word = "kleiner" if abs(r["stand"]) < abs(before) else "groter"
            out.append(f"De {name} is tussen {base} en {last} aantoonbaar {word} geworden: van "
                       f"{num.decimal(before, 2, sign=True)} naar {num.decimal(r['stand'], 2, sign=True)} "
                       f"punt{_scale(r)}.")
    unclear = tested[tested["p_bh"] >= ALPHA]
    if len(unclear):
        names = ", ".join(_lower_first(str(i)) for i in unclear["indicator"])
        out.append(f"Geen aantoonbare verandering sinds de nulmeting bij: {names}. Het verschil kan toeval zijn.")
    goals = dash[dash["doel"].notna()] if "doel" in dash else dash.iloc[:0]
    if len(goals):
        met = goals[goals["stand"] >= goals["doel"]]
        parts = [f"{_lower_first(str(r['indicator']))} ({num.percent(r['stand'], 1, sign=_relative(r))}, "
                 f"doel {num.percent(r['doel'], 0, sign=_relative(r))})" for _, r in goals.iterrows()
                 if r["stand"] < r["doel"]]
        sentence = f"Van de {len(goals)} streefcijfers {'is' if len(met) == 1 else 'zijn'} er {len(met)} gehaald"
        out.append(sentence + (f"; nog niet gehaald: {'; '.join(parts)}." if parts else "."))
    keep = out[: max_items - 1] + out[-1:] if len(out) > max_items else out
    return keep


def alt_text(dash: pd.DataFrame) -> str:
    """The dashboard figure's alt text: what it shows plus the key findings."""
    head = "Programma-indicatoren: verandering sinds de nulmeting per indicator, met 95%-interval."
    return " ".join([head, *findings(dash)])

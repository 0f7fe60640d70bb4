"""Soft data-quality rules: duplicate submissions, speeders, straight-liners.

Rules (counted in the cleaning report, never silent):
- Duplicate submissions (same respondent id): keep the most complete submission, and among equally
  complete ones the last (latest end time). The others are excluded as 'dubbele inzending'.
- Speeders: completion time below `min_minutes` (default 3) — excluded as 'te snel ingevuld'.
- Straight-lining: identical answers on every item of a scale that has reverse-worded items is
  contradictory and excluded ('rechte lijn'); identical answers on a scale without reverse-worded
  items can be genuine, so those are only flagged (column `flag_rechte_lijn`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def resolve_duplicates(df: pd.DataFrame, id_col: str, items: list[str], end_col: str | None) -> tuple[pd.DataFrame, int]:
    completeness = df[items].notna().sum(axis=1) if items else pd.Series(0, index=df.index)
    order = pd.DataFrame({"c": completeness, "t": df[end_col] if end_col in df else 0, "pos": range(len(df))},
                         index=df.index)
    order = order.sort_values(["c", "t", "pos"], kind="stable")
    keep_idx = order.index[~df.loc[order.index, id_col].duplicated(keep="last").to_numpy()]
    kept = df.loc[sorted(keep_idx)]
    return kept, len(df) - len(kept)


def speeders(df: pd.DataFrame, start: str, end: str, min_minutes: float) -> pd.Series:
    minutes = (df[end] - df[start]).dt.total_seconds() / 60
    return minutes < min_minutes


def straightlined(df: pd.DataFrame, items: list[str]) -> pd.Series:
    x = df[items].astype(float).to_numpy()
    complete = ~np.isnan(x).any(axis=1)
    with np.errstate(invalid="ignore"):
        same = np.nanmax(x, axis=1, initial=-np.inf) == np.nanmin(x, axis=1, initial=np.inf)
    return pd.Series(complete & same, index=df.index)


def different_people(df: pd.DataFrame, id_col: str, person_col: str, file: str = ""):
    """Submissions under one respondent id whose person keys differ: two people, not a duplicate
    submission (keeping one would silently drop the other). An InputError naming the rows, or None."""
    from pipeline.clean.errors import InputError, Problem
    keyed = df[df[id_col].notna() & df[person_col].notna()]
    keys = keyed[person_col].astype(str).str.strip()
    mixed = keys.groupby(keyed[id_col].astype(str)).transform("nunique") > 1
    if not mixed.any():
        return None
    rows = tuple(int(i) + 1 for i in keyed.index[mixed.to_numpy()][:5])
    ids = keyed.loc[mixed.to_numpy(), id_col].astype(str).nunique()
    return InputError([Problem(file, person_col, rows, int(mixed.sum()), "één persoon per respondentnummer (een "
                               "dubbele inzending heeft dezelfde persoonssleutel)",
                               f"{ids} respondentnummer(s) met verschillende persoonssleutels: twee mensen onder één "
                               "nummer, geen dubbele inzending")])


def apply_quality_rules(df: pd.DataFrame, cb, *, id_col: str = "respondent_id",
                        min_minutes: float = 3.0, file: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (kept rows, exclusions table: reden, aantal)."""
    reasons = []
    all_items = [i for s in cb.scales.values() for i in s["items"]]
    all_items = list(dict.fromkeys(all_items))
    person = next(iter(cb.of_type("person_key")), None)
    if id_col in df and person in df:
        err = different_people(df, id_col, person, file)
        if err is not None:
            raise err
    if id_col in df:
        df, n = resolve_duplicates(df, id_col, all_items, "einddatum")
        reasons.append(("dubbele inzending (eerdere of minder volledige verwijderd)", n))
    if {"startdatum", "einddatum"} <= set(df.columns):
        fast = speeders(df, "startdatum", "einddatum", min_minutes)
        reasons.append((f"te snel ingevuld (< {min_minutes:g} min)", int(fast.sum())))
        df = df.loc[~fast]
    flagged = pd.Series(False, index=df.index)
    excluded = pd.Series(False, index=df.index)
    for spec in cb.scales.values():
        s = straightlined(df, spec["items"])
        if spec.get("reverse"):
            excluded |= s
        else:
            flagged |= s
    if cb.scales:
        reasons.append(("rechte lijn op schaal met omgekeerde items", int(excluded.sum())))
        df = df.loc[~excluded].assign(flag_rechte_lijn=flagged[~excluded])
        reasons.append(("gemarkeerd (niet verwijderd): rechte lijn zonder omgekeerde items", int(flagged[~excluded].sum())))
    return df, pd.DataFrame(reasons, columns=["reden", "aantal"])

"""Soft data-quality rules: duplicate submissions and careless responding.

Rules (counted in the cleaning report, never silent):
- Duplicate submissions (same respondent id): keep the most complete submission, and among equally
  complete ones the last (latest end time). The others are excluded as 'dubbele inzending'.
- Careless responding: one declared definition for every scale (config `careless`: longstring,
  speed, Mahalanobis distance; exclude or keep), see pipeline.clean.careless.
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
                        rule: dict | None = None, file: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (rows, exclusions table: reden, aantal). Duplicates are removed; careless respondents
    (config `careless`, pipeline.clean.careless) stay in the rows with column `onzorgvuldig` (and one
    column per signal), so the analysis can leave them out (`careful`) and chapter 01 can show the
    levels with and without them."""
    from pipeline.clean.careless import battery, flags, reasons, rule_from, scale_blocks
    rule = rule_from(rule)
    out = []
    items = battery(cb)
    person = next(iter(cb.of_type("person_key")), None)
    if id_col in df and person in df:
        err = different_people(df, id_col, person, file)
        if err is not None:
            raise err
    if id_col in df:
        df, n = resolve_duplicates(df, id_col, items, "einddatum")
        out.append(("dubbele inzending (eerdere of minder volledige verwijderd)", n))
    flagged = flags(df, items, rule, cb.source, scale_blocks(cb))
    out += reasons(flagged, rule)
    return df.join(flagged), pd.DataFrame(out, columns=["reden", "aantal"])

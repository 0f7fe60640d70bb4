"""Chapter 01's measurement-invariance verdicts beside the gaps of chapters 02/03.

Why: a gap between groups on a scale is a fair comparison only when the scale measures the same in
every group (scalar invariance). Chapter 01 tests that per scale and dimension and publishes the
verdict as results rows (statistic `invariance_level`); a chapter that shows gaps on such a scale says
so next to them and links to chapter 01's section, from those rows, never from a list kept by hand.
The rows are read from chapter 01's published results (`uses:` in config/chapters.yaml), so no chapter
imports another.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

PAGE = "01_opschoning"   # the chapter that tests invariance
ANCHOR = "meetinvariantie"   # the id of its section "Meten de schalen in elke groep hetzelfde?"
SECTION = "Meten de schalen in elke groep hetzelfde?"
STATISTIC = "invariance_level"
HOLDS = "scalar"   # the level at which group means compare fairly


def failures(results: pd.DataFrame | None, source: str, wave, constructs) -> dict[str, list[tuple[str, str]]]:
    """construct -> [(dimension, level)] of `source`'s wave `wave` where the scale does not measure the
    same in every group of the dimension (invariance below scalar: partial_scalar, metric, configural)."""
    if results is None or not len(results) or "statistic" not in results:
        return {}
    r = results[(results["statistic"] == STATISTIC) & (results["source"].astype(str) == source)
                & (results["waves"].astype(str) == str(wave)) & (results["dimension"].astype(str) != "golf")
                & results["indicator"].isin(list(constructs)) & (results["category"].astype(str) != HOLDS)]
    out: dict[str, list[tuple[str, str]]] = {}
    for c, dim, level in zip(r["indicator"], r["dimension"].astype(str), r["category"].astype(str)):
        out.setdefault(c, []).append((dim, level))
    return out


def read(paths) -> pd.DataFrame | None:
    """The published results of the chapters in `paths` that exist (None if none)."""
    parts = [pd.read_parquet(p) for p in map(Path, paths) if p.exists()]
    return pd.concat(parts, ignore_index=True) if parts else None


def note_nl(construct: str, dimension: str, level: str) -> str:
    """Short B1 sentences: which comparison, what it means for the gap, and where chapter 01 shows it."""
    what = ("niet elke vraag werkt in elke groep hetzelfde" if level == "partial_scalar"
            else "de schaal meet niet in elke groep hetzelfde")
    return (f"Let op bij *{construct}* per {dimension.lower()}: {what}. Vergelijk deze verschillen daarom "
            f"voorzichtig. Zie in hoofdstuk 1: [{SECTION}]({PAGE}.html#{ANCHOR})")

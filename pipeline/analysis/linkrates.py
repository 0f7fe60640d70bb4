"""Link rates: every join across sources or waves, measured before anything relies on it.

Why: the report joins files by pseudonyms — exit respondents to the register of the start of their
year, the register of one year to the next (flows), training records to the register, survey waves
to each other by the agency's person key (linked changes). A join of pseudonyms made with two keys,
of a file with another kind of number, or of the wrong year finds (almost) nobody — silently, or with
an error deep inside pandas. So each join's rate (share of the records of the later or linked file
found in the other) is measured, published in chapter 01 and results.csv, and a rate far below what
the design implies (`linkage:` in report.yaml: the least share expected per kind of join) stops the
build with the likely cause, before any chapter reads the files.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from pipeline.results import Tidy
# what the joins are (from the configuration) lives in joins: read on every run without pandas
from pipeline.analysis.joins import DEFAULT_MINIMUM, KINDS, Join, _surveys, for_sources, joins  # noqa: F401

TIDY = (Tidy("link_rate", {"indicator": "soort", "source": "bron", "waves": "metingen", "category": "metingen",
                           "estimate": "aandeel", "n": "records"}),)


@lru_cache(maxsize=64)
def _ids(path: str, column: str, stamp: int) -> frozenset | None:
    """The column's values in a processed file (None when the file has no such column: a wave
    without a person key is not linked, and says so elsewhere). `stamp`: the file's mtime."""
    import pyarrow.parquet as pq
    if column not in pq.read_schema(path).names:
        return None
    return frozenset(pd.read_parquet(path, columns=[column])[column].dropna())


def _file(processed: Path, ref: tuple[str, int]) -> Path:
    return Path(processed) / f"{ref[0]}_{ref[1]}.parquet"


def measure(joins_: list[Join], processed: Path, minimum: dict[str, float]) -> pd.DataFrame:
    """Per join: linked and total records, the rate and the least rate expected. A panel pair where
    a wave carries no person key is left out (such waves are not linked)."""
    rows = []
    for j in joins_:
        files = [_file(processed, j.earlier), _file(processed, j.later)]
        if not all(f.exists() for f in files):
            continue
        earlier, later = (_ids(str(f), j.column, f.stat().st_mtime_ns) for f in files)
        if earlier is None or later is None or not later:
            continue
        linked = len(later & earlier)
        rows.append({"kind": j.kind, "soort": j.kind, "koppeling": KINDS[j.kind][0], "bron": j.source,
                     "metingen": j.waves, "gekoppeld": linked, "records": len(later), "aandeel": linked / len(later),
                     "minimum": float(minimum.get(j.kind, DEFAULT_MINIMUM[j.kind])), "file": str(files[1])})
    return pd.DataFrame(rows, columns=["kind", "soort", "koppeling", "bron", "metingen", "gekoppeld", "records",
                                       "aandeel", "minimum", "file"])


def check(joins_: list[Join], processed: str | Path, minimum: dict[str, float]) -> None:
    """Stop (InputError, exit code 2) when a join links far fewer records than the design implies,
    naming the join, the rate, what was expected and the likely cause."""
    from pipeline.clean.errors import InputError, Problem
    rates = measure(joins_, Path(processed), minimum)
    low = rates[rates["aandeel"] < rates["minimum"]]
    if len(low):
        raise InputError([Problem(
            r.file, f"koppeling {r.koppeling} ({r.metingen})", (), 0,
            f"minstens {r.minimum:.0%} van de {KINDS[r.kind][1]}",
            f"{r.aandeel:.1%} ({r.gekoppeld} van {r.records}); waarschijnlijke oorzaak: {KINDS[r.kind][2]}. "
            f"De ondergrens staat in report.yaml onder linkage.{r.kind}")
            for r in low.itertuples()])


def table(rates: pd.DataFrame):
    """The link rates for chapter 01 and results.csv: whole files, no group breakdown."""
    from pipeline.disclosure.publish import NoSmallCells, Result
    shown = rates[["koppeling", "soort", "bron", "metingen", "records", "aandeel", "minimum"]].reset_index(drop=True)
    return Result(shown, NoSmallCells("shares of all records of whole files found in another file; no groups"),
                  tidy=TIDY)

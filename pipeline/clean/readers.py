"""Readers for the formats sources arrive in: SPSS .sav, CSV, Excel and parquet.

Why: each reader returns raw codes (not labels) plus the file's value labels, so that the codebook,
not the file, decides what a code means; SPSS user-missing codes are kept as values for the same reason.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.clean.errors import InputError, Problem
from pipeline.codebook import Codebook

SUFFIXES = {".sav": "sav", ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}


UTF8_BOM = b"\xef\xbb\xbf"


def csv_encoding(path: Path, declared: str) -> str:
    """The encoding to read a CSV with. A byte-order mark proves UTF-8 (Excel's "CSV UTF-8"): read as
    such whatever the codebook declares. Otherwise the declared encoding, unless the bytes show another:
    then stop and say which (a guess would turn 'é' into 'Ã©' in every code, or fail on the first one)."""
    data = path.read_bytes()
    if data.startswith(UTF8_BOM):
        return "utf-8-sig"
    utf8 = declared.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    try:
        data.decode("utf-8")
        is_utf8 = not data.isascii()
    except UnicodeDecodeError:
        is_utf8 = False
    if utf8 and not data.isascii() and not is_utf8:
        found = "cp1252 (Windows/Excel 'CSV (gescheiden door lijstscheidingsteken)')"
    elif not utf8 and is_utf8:
        found = "UTF-8 zonder byte-order mark"
    else:
        return declared
    raise InputError([Problem(str(path), "-", (), 0, f"tekst in de codering {declared} (csv.encoding in het codeboek)",
                              f"het bestand is {found}; sla het op in {declared}, of zet csv.encoding in het codeboek "
                              "op de codering van dit bestand")])


def read_raw(path: str | Path, cb: Codebook) -> tuple[pd.DataFrame, dict]:
    """Read `path` as declared by `cb`; returns (frame with raw column names, value labels)."""
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(str(path), "-", (), 0, "een bestaand bestand", "bestand ontbreekt")])
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError([Problem(str(path), "-", (), 0, f"een bestand van type {sorted(SUFFIXES)}",
                                  f"extensie '{path.suffix}'")])
    # String-like codebook columns are read as text so codes such as '007' or 'v' survive intact.
    text_cols = [cb.raw_name(n) for n, v in cb.variables.items()
                 if v["type"] in ("id", "person_key", "string", "identifier", "free_text", "date")
                 or (v["type"] == "code" and any(isinstance(c, str) for c in v.get("codes", {})))]
    try:
        if kind == "sav":
            import pyreadstat
            df, meta = pyreadstat.read_sav(str(path), user_missing=True)
            return df, dict(meta.variable_value_labels)
        if kind == "csv":
            opts = cb.csv
            df = pd.read_csv(path, sep=opts.get("sep", ","), decimal=opts.get("decimal", "."),
                             encoding=csv_encoding(path, opts.get("encoding", "utf-8")),
                             dtype={c: str for c in text_cols}, keep_default_na=False, na_values=[""])
            return df, {}
        if kind == "xlsx":
            return pd.read_excel(path, dtype={c: str for c in text_cols}), {}
        return pd.read_parquet(path), {}
    except InputError:
        raise
    except Exception as err:  # unreadable file: say which and why
        raise InputError([Problem(str(path), "-", (), 0, f"een leesbaar {kind}-bestand volgens {cb.path}",
                                  f"{type(err).__name__}: {err}")]) from err

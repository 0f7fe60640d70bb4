"""What a supplier's file says about itself: columns, variable labels, value labels, user-missing codes,
and what the values look like. Shared by `draft` (which turns it into a codebook) and `check`
(which compares it with one).

Why: SPSS files carry most of a codebook already (labels, value labels, missing codes); a CSV or Excel
export carries only names and values, so there the values themselves are the evidence.
"""
from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

FORMATS = {".sav": "sav", ".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}


@dataclass
class Column:
    name: str
    label: str | None
    kind: str                    # number | text | datetime | date
    values: pd.Series            # the non-empty values, user-missing codes included
    n_rows: int
    value_labels: dict = field(default_factory=dict)   # code -> label, missing codes included
    missing: list = field(default_factory=list)        # discrete user-missing codes
    missing_ranges: list = field(default_factory=list)  # (lo, hi) user-missing ranges with lo < hi

    @property
    def answers(self) -> pd.Series:
        """Values that are not user-missing codes."""
        return self.values[~self.values.isin(self.missing)] if self.missing else self.values

    @property
    def code_labels(self) -> dict:
        """Value labels of the answer codes (not of the missing codes)."""
        return {c: l for c, l in self.value_labels.items() if c not in self.missing}


@dataclass
class FileMeta:
    path: Path
    format: str
    label: str | None
    columns: dict[str, Column]
    csv: dict = field(default_factory=dict)   # sep, decimal, encoding as detected or given


def _num_key(k):
    """SPSS value-label keys arrive as floats: 1.0 -> 1."""
    if isinstance(k, float) and k.is_integer():
        return int(k)
    return k


def sniff_csv(path: Path) -> dict:
    """Separator, decimal mark and encoding of a CSV export (UTF-8 if it decodes, else cp1252)."""
    raw = path.read_bytes()[:200_000]
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("cp1252", errors="replace"), "cp1252"
    if text.startswith("\ufeff"):
        encoding = "utf-8-sig"
    lines = text.splitlines()[:50]
    try:
        sep = csv.Sniffer().sniff("\n".join(lines), delimiters=";,\t|").delimiter
    except csv.Error:
        sep = max(";,\t|", key=lambda d: lines[0].count(d) if lines else 0)
    decimal = "."
    if sep != ",":
        cells = [c.strip() for line in lines[1:] for c in line.split(sep)]
        if any(re.fullmatch(r"-?\d+,\d+", c) for c in cells) and not any(re.fullmatch(r"-?\d+\.\d+", c) for c in cells):
            decimal = ","
    return {"sep": sep, "decimal": decimal, "encoding": encoding}


def read_file_meta(path: str | Path, csv_options: dict | None = None) -> FileMeta:
    """Read a .sav, .csv or .xlsx file with everything it says about its variables."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: onbekend bestandstype '{path.suffix}' (bekend: {', '.join(sorted(FORMATS))})")
    if not path.exists():
        raise FileNotFoundError(f"{path}: bestand ontbreekt")
    if fmt == "sav":
        import pyreadstat
        df, meta = pyreadstat.read_sav(str(path), user_missing=True)
        columns = {}
        for name in meta.column_names:
            s = df[name]
            fmt_name = str(meta.original_variable_types.get(name, "")).upper()
            if pd.api.types.is_datetime64_any_dtype(s) or fmt_name.startswith(("DATETIME", "DATE", "ADATE", "EDATE", "SDATE")):
                kind = "datetime" if fmt_name.startswith("DATETIME") or fmt_name.startswith("YMDHMS") else "date"
                values = s.dropna()
            elif meta.readstat_variable_types.get(name) == "string" or s.dtype == object:
                kind = "text"
                values = s.astype("string").str.strip()
                values = values[values.notna() & (values != "")]
            else:
                kind = "number"
                values = s.dropna()
            missing, ranges = [], []
            for r in meta.missing_ranges.get(name, []):
                lo, hi = _num_key(r["lo"]), _num_key(r["hi"])
                (missing.append(lo) if lo == hi else ranges.append((lo, hi)))
            labels = {_num_key(k): str(v) for k, v in (meta.variable_value_labels.get(name) or {}).items()}
            columns[name] = Column(name, meta.column_names_to_labels.get(name) or None, kind, values, len(df),
                                   labels, missing, ranges)
        return FileMeta(path, fmt, meta.file_label or None, columns)
    if fmt == "csv":
        opts = {**sniff_csv(path), **(csv_options or {})}
        df = pd.read_csv(path, sep=opts["sep"], encoding=opts["encoding"], dtype=str, keep_default_na=False)
    else:
        opts = {}
        df = pd.read_excel(path, dtype=str, keep_default_na=False)
    columns = {}
    for name in df.columns:
        values = df[name].astype("string").str.strip()
        values = values[values.notna() & (values != "")]
        columns[str(name)] = Column(str(name), None, "text", values, len(df))
    return FileMeta(path, fmt, None, columns, opts)


# --- comparing words --------------------------------------------------------------------------

def normalise(text: str | None) -> str:
    """Lower case, no accents, punctuation and underscores as spaces: 'Non_binair' == 'Non binair'."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def slug(text: str) -> str:
    """A harmonised token from a label: 'Wil ik niet zeggen' -> 'wil_ik_niet_zeggen'."""
    s = normalise(text).replace(" ", "_")
    if not s:
        return "leeg"
    return s if not s[0].isdigit() else f"c{s}"


def similarity(a: str | None, b: str | None) -> float | None:
    """difflib ratio of two normalised labels; None when either is missing."""
    if not a or not b:
        return None
    a, b = normalise(a), normalise(b)
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()

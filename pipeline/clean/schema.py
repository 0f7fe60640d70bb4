"""Hard validation of a raw file against its codebook, with pandera.

Why: a wrong file, column, code or range must stop the run with *all* problems listed at once.
The schema is built from the codebook, so every rule is declared as data (ranges, codes, patterns,
unique ids, plausible dates), and pandera's lazy validation collects every failure in one pass.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipeline.clean.errors import InputError, Problem
from pipeline.codebook import Codebook

MAX_ROWS_SHOWN = 5


def to_number(s: pd.Series) -> pd.Series:
    """Numbers from a column; text cells may use a Dutch decimal comma (a CSV column that pandas
    could not parse as a whole arrives as text, and its valid cells must still count as valid)."""
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        s = s.astype("string").str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce")


def _allowed_codes(spec: dict) -> list:
    return [*spec.get("codes", {}), *spec.get("missing", {})]


def _normalise_code(value, case_insensitive: bool):
    if isinstance(value, str):
        value = value.strip()
        return value.upper() if case_insensitive else value
    return value


def column_checks(name: str, spec: dict) -> tuple[list[pa.Check], str]:
    """Checks for one codebook variable and a Dutch description of what is expected."""
    t = spec["type"]
    missing = list(spec.get("missing", {}))
    if t in ("integer", "likert", "binary", "float"):
        lo, hi = spec.get("range", (0, 1) if t == "binary" else (None, None))
        whole = t != "float"

        def ok(s, lo=lo, hi=hi, whole=whole, missing=missing):
            x = to_number(s)
            good = x.notna() | s.isna()
            inside = pd.Series(True, index=s.index)
            if lo is not None:
                inside &= x.between(lo, hi)
            if whole:
                inside &= (x.round() == x)
            return s.isna() | (good & (inside | x.isin(missing)))
        exp = f"{'een geheel getal' if whole else 'een getal'}" + (f" in [{lo}, {hi}]" if lo is not None else "") + \
            (f" of missingcode {missing}" if missing else "")
        return [pa.Check(ok, error=exp)], exp
    if t == "code":
        ci = bool(spec.get("case_insensitive"))
        allowed = {_normalise_code(c, ci) for c in _allowed_codes(spec)}
        numeric_codes = all(not isinstance(c, str) for c in allowed)

        def ok(s, allowed=allowed, ci=ci, numeric_codes=numeric_codes):
            vals = to_number(s) if numeric_codes else s.map(lambda v: _normalise_code(v, ci))
            return s.isna() | vals.isin(allowed)
        exp = f"een code uit {sorted(allowed, key=str)}"
        return [pa.Check(ok, error=exp)], exp
    if t in ("datetime", "date"):
        lo, hi = (pd.Timestamp(x) for x in spec.get("range", ("1900-01-01", "2100-12-31")))
        fmt = spec.get("date_format")

        def ok(s, lo=lo, hi=hi, fmt=fmt):
            d = pd.to_datetime(s, format=fmt, errors="coerce") if fmt or s.dtype == object else s
            return s.isna() | d.between(lo, hi)
        exp = f"een datum{f' ({fmt})' if fmt else ''} tussen {lo.date()} en {hi.date()}"
        return [pa.Check(ok, error=exp)], exp
    if t == "string" and "pattern" in spec:
        pattern = spec["pattern"]
        exp = f"tekst volgens patroon {pattern}"
        return [pa.Check(lambda s, p=pattern: s.isna() | s.astype(str).str.strip().str.match(p), error=exp)], exp
    return [], "tekst"


def build_schema(cb: Codebook) -> tuple[pa.DataFrameSchema, dict[str, str]]:
    columns, expected = {}, {}
    for name, spec in cb.variables.items():
        raw = cb.raw_name(name)
        checks, exp = column_checks(name, spec)
        required = spec["type"] not in ("identifier", "free_text") and not spec.get("optional", False)
        columns[raw] = pa.Column(None, checks=checks, nullable=spec["type"] != "id", required=required,
                                 unique=bool(spec.get("unique")) , coerce=False)
        expected[raw] = exp
    return pa.DataFrameSchema(columns, strict=False), expected


def validate(df: pd.DataFrame, cb: Codebook, file: str) -> None:
    """Raise InputError listing every hard problem in `df` (raw names), or return silently."""
    schema, expected = build_schema(cb)
    try:
        schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise InputError(problems_from_failures(err.failure_cases, df, expected, file)) from None


def problems_from_failures(fc: pd.DataFrame, df: pd.DataFrame, expected: dict[str, str], file: str) -> list[Problem]:
    problems = []
    fc = fc.copy()
    fc["column"] = fc["column"].where(fc["column"].notna(), fc["failure_case"])
    for (column, check), g in fc.groupby(["column", "check"], sort=True, dropna=False):
        idx = pd.to_numeric(g["index"], errors="coerce").dropna().astype(int).drop_duplicates().sort_values()
        rows = tuple(int(i) + 1 for i in idx.iloc[:MAX_ROWS_SHOWN])
        if check == "column_in_dataframe":
            problems.append(Problem(file, str(column), (), 0, "deze kolom (verplicht volgens het codeboek)",
                                    f"kolom ontbreekt; aanwezig: {', '.join(map(str, df.columns[:12]))}"
                                    + (" …" if len(df.columns) > 12 else "")))
            continue
        if check == "field_uniqueness":
            exp, found = "unieke waarden", f"dubbele waarden {sorted(map(str, g['failure_case'].unique()))[:MAX_ROWS_SHOWN]}"
        else:
            vals = df.loc[idx.iloc[:MAX_ROWS_SHOWN], column].tolist() if column in df and len(idx) \
                else list(g["failure_case"].astype(str).unique()[:MAX_ROWS_SHOWN])
            exp, found = expected.get(column, str(check)), f"{vals}"
        problems.append(Problem(file, str(column), rows, len(idx), exp, found))
    return problems

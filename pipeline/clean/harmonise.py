"""Raw codes -> harmonised analysis variables, as declared in the codebook.

Why: the codebook decides what each code means in each wave; missing-value codes ("weet niet",
"wil ik niet zeggen") become NaN here, and their counts go to the cleaning report.
"""
from __future__ import annotations

import pandas as pd

from pipeline.clean.schema import _normalise_code, to_number
from pipeline.codebook import Codebook

DROPPED_TYPES = ("identifier", "free_text")


def harmonise(raw: pd.DataFrame, cb: Codebook) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (harmonised frame, missing-code counts per variable and reason)."""
    out: dict[str, pd.Series] = {}
    miss_rows = []
    for name, spec in cb.variables.items():
        t = spec["type"]
        raw_name = cb.raw_name(name)
        if t in DROPPED_TYPES or raw_name not in raw:
            continue  # direct identifiers and free text never enter the processed set
        s = raw[raw_name]
        missing = spec.get("missing") or {}
        if t == "code":
            ci = bool(spec.get("case_insensitive"))
            codes = {_normalise_code(k, ci): v for k, v in spec["codes"].items()}
            miss = {_normalise_code(k, ci): v for k, v in missing.items()}
            key = s.map(lambda v: _normalise_code(v, ci)) if s.dtype == object else s
            for code, reason in miss.items():
                miss_rows.append((name, reason, int((key == code).sum())))
            out[name] = pd.Categorical(key.map(codes), categories=list(dict.fromkeys(codes.values())))
        elif t in ("integer", "likert", "binary", "float"):
            x = to_number(s)
            for code, reason in missing.items():
                miss_rows.append((name, reason, int((x == code).sum())))
            x = x.mask(x.isin(list(missing)))
            out[name] = x.astype("Float64" if t == "float" else "Int64") if t != "float" else x.astype(float)
        elif t in ("date",):
            out[name] = pd.to_datetime(s, format=spec.get("date_format"), errors="coerce")
        elif t == "datetime":
            out[name] = pd.to_datetime(s, errors="coerce")
        elif t in ("string", "id", "person_key"):
            out[name] = s.astype("string").str.strip()
        else:
            out[name] = s
    missing_report = pd.DataFrame(miss_rows, columns=["variabele", "reden", "aantal"])
    return pd.DataFrame(out, index=raw.index), missing_report[missing_report["aantal"] > 0]

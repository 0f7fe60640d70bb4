"""Model formulas: the data patsy needs for a formula, and the design matrices with patsy's own names."""
from __future__ import annotations

import ast
import re

import numpy as np
import pandas as pd

# C(col) or C(col, Treatment(<literal>)): the categorical terms model_frame hands to patsy pre-coded
C_TERM = re.compile(r"C\(\s*([A-Za-z_]\w*)\s*(?:,\s*Treatment\(([^()]*)\))?\s*\)")


def model_frame(df: pd.DataFrame, formula: str) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """The formula's columns in a form patsy handles quickly and correctly.

    Returns (data, formula, names): patsy cannot handle pandas' nullable dtypes (pd.NA), so numbers
    become float. Each `C(col)` / `C(col, Treatment(ref))` term becomes a pandas Categorical with the
    level order patsy would choose (sorted, the reference first), passed bare: patsy inspects a
    C()-wrapped column value by value, which dominated the report's run time. `names` maps the
    stand-in names back, so coefficient names are exactly patsy's own."""
    out, names = {}, {}

    def precode(m: re.Match) -> str:
        col, ref = m.group(1), m.group(2)
        if col not in df.columns:
            return m.group(0)
        s = df[col]
        values = s.astype(object).where(s.notna(), None)
        try:
            levels = list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype) else sorted(values.dropna().unique())
            if ref is not None:
                r = ast.literal_eval(ref.strip())
                if r not in levels:
                    return m.group(0)  # let patsy report the unknown reference level
                levels = [r] + [v for v in levels if v != r]
        except (TypeError, ValueError, SyntaxError):
            return m.group(0)
        stand_in = f"_cat{len(names)}_"
        out[stand_in] = pd.Categorical(values, categories=levels)
        names[stand_in] = m.group(0)
        return stand_in

    formula = C_TERM.sub(precode, formula)
    for c in df.columns:
        if not re.search(r"(?<![\w.])" + re.escape(str(c)) + r"(?![\w.])", formula):
            continue
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            pass
        elif pd.api.types.is_extension_array_dtype(s) and (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            s = s.astype(float)
        elif pd.api.types.is_extension_array_dtype(s):
            s = s.astype(object).where(s.notna(), np.nan)
        out[c] = s
    return pd.DataFrame(out, index=df.index), formula, names


def design_matrices(df: pd.DataFrame, formula: str) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """(y, X, terms, rows): response and model matrix of the complete rows, patsy's coefficient
    names, and the positions in `df` of the rows used (rows with a missing value are dropped)."""
    import patsy

    data, coded, names = model_frame(df, formula)
    data = data.assign(_row=np.arange(len(df)))
    y, X = patsy.dmatrices(coded, data, return_type="dataframe", NA_action="drop")
    terms = list(X.columns)
    for stand_in, original in names.items():
        terms = [t.replace(stand_in + "[", original + "[") for t in terms]
    rows = data.loc[X.index, "_row"].to_numpy()
    return y.to_numpy()[:, 0], X.to_numpy(), terms, rows

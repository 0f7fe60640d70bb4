"""Survey weights from the register: stratified by directorate with FPC, raked to register margins.

Design (issue 4): all employees are invited, so respondents are treated as a stratified sample by
directorate, base weight N_h / n_h with a finite-population correction, then raked to the register's
margins (config `weighting.margins`) with standard errors that account for the raking.

Respondents with a missing value on a margin variable keep their base-weighted total in an own
'onbekend' category; the known categories share the rest in the register's proportions. So nobody is
dropped and every margin sums to the register headcount.
"""
from __future__ import annotations

import pandas as pd

from pipeline.survey import SurveyDesign

UNKNOWN = "onbekend"


class WeightingError(ValueError):
    pass


def population_margins(survey: pd.DataFrame, register: pd.DataFrame, margins: list[str], w0: pd.Series) -> dict:
    N = float(len(register))
    out = {}
    for var in margins:
        shares = register[var].astype("object").dropna().value_counts(normalize=True)
        unknown_total = float(w0[survey[var].isna()].sum())
        totals = {str(k): (N - unknown_total) * float(v) for k, v in shares.items()}
        if unknown_total > 0:
            totals[UNKNOWN] = unknown_total
        out[var] = totals
    return out


def weighted_design(survey: pd.DataFrame, register: pd.DataFrame, *, strata: str = "directie_code",
                    margins: list[str] = ("geslacht", "leeftijdsband", "schaalband"),
                    trim: tuple[float, float] | None = None, lonely_psu: str = "adjust") -> tuple[SurveyDesign, dict]:
    """Raked SurveyDesign for one survey wave against the register snapshot of the same year."""
    df = survey.copy()
    N_h = register[strata].value_counts()
    unknown = sorted(set(df[strata].dropna()) - set(N_h.index))
    if unknown or df[strata].isna().any():
        raise WeightingError(f"{strata}: respondents in directorates absent from the register: {unknown[:10]} "
                             f"({int(df[strata].isna().sum())} with no directorate)")
    n_h = df[strata].value_counts()
    df["N_h"] = df[strata].map(N_h).astype(float)
    df["w0"] = df["N_h"] / df[strata].map(n_h).astype(float)
    pops = population_margins(df, register, list(margins), df["w0"])
    for var in margins:
        df[var] = df[var].astype("object").where(df[var].notna(), UNKNOWN).astype(str)
    base = SurveyDesign(df, weights="w0", strata=strata, fpc="N_h", lonely_psu=lonely_psu)
    # A register category without respondents cannot be calibrated; that margin is then left out of
    # the raking (reported), rather than failing a small wave or a small subgroup run.
    dropped = {var: [c for c in totals if not (df[var] == c).any()] for var, totals in pops.items()}
    dropped = {v: c for v, c in dropped.items() if c}
    pops = {v: t for v, t in pops.items() if v not in dropped}
    design = base.calibrate(pops, trim=trim) if pops else base
    g = design.w / base.w
    report = {"respondents": int(len(df)), "population": int(len(register)),
              "response_rate": len(df) / len(register),
              "response_by_stratum": (n_h / N_h).dropna().describe()[["min", "50%", "max"]].to_dict(),
              "g_range": (float(g.min()), float(g.max())),
              "kish_deff": float(len(g) * (design.w ** 2).sum() / design.w.sum() ** 2),
              "margins_used": list(pops), "margins_dropped": dropped}
    # keep original missing values for analysis: the 'onbekend' category exists only for weighting
    design = design.update(**{v: survey[v].reset_index(drop=True) for v in margins})
    return design, report

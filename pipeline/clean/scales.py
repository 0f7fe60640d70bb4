"""Scale scores and their reliability (Cronbach's alpha, McDonald's omega).

Why: a scale score is the mean of its valid items after reverse-coding negatively worded ones
(Edmondson 1999: psychological-safety items 1, 3, 5), and only when enough items are valid
(`min_valid` in the codebook) — otherwise the score is missing rather than based on one or two items.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def reverse(values: pd.Series | np.ndarray, lo: int, hi: int):
    """Reverse-code a Likert item on [lo, hi]: x -> lo + hi - x."""
    return lo + hi - values


def score(df: pd.DataFrame, items: list[str], *, reverse_items=(), value_range=(1, 5), min_valid: int) -> pd.Series:
    """Mean of valid items (after reversal); NaN when fewer than `min_valid` items are valid."""
    lo, hi = value_range
    x = df[items].astype(float).copy()
    for it in reverse_items:
        x[it] = reverse(x[it], lo, hi)
    n_valid = x.notna().sum(axis=1)
    return x.mean(axis=1).where(n_valid >= min_valid)


def keyed_items(df: pd.DataFrame, spec: dict, value_range) -> pd.DataFrame:
    lo, hi = value_range
    x = df[spec["items"]].astype(float).copy()
    for it in spec.get("reverse", []):
        x[it] = reverse(x[it], lo, hi)
    return x


def cronbach_alpha(items: pd.DataFrame) -> float:
    """alpha = k/(k-1) * (1 - sum item variances / variance of the sum), complete cases."""
    x = items.dropna().to_numpy(float)
    k = x.shape[1]
    if len(x) < 3 or k < 2:
        return float("nan")
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def mcdonald_omega(items: pd.DataFrame) -> float:
    """Omega total from a one-factor model: (sum lambda)^2 / ((sum lambda)^2 + sum psi).

    Loadings from maximum-likelihood factor analysis of the correlation matrix (statsmodels Factor),
    so omega refers to the standardised items.
    """
    from statsmodels.multivariate.factor import Factor

    x = items.dropna().to_numpy(float)
    if len(x) < max(10, x.shape[1] + 2) or np.any(x.std(axis=0) == 0):
        return float("nan")
    fa = Factor(x, n_factor=1, method="ml").fit()
    lam = np.abs(np.asarray(fa.loadings)[:, 0])
    psi = np.asarray(fa.uniqueness)
    return float(lam.sum() ** 2 / (lam.sum() ** 2 + psi.sum()))


def reliability(df: pd.DataFrame, scales: dict, ranges: dict[str, tuple], by: str | None = None,
                min_n: int = 30) -> pd.DataFrame:
    """Alpha and omega per scale (and per group of `by`); groups below `min_n` complete cases are skipped."""
    rows = []
    groups = [("totaal", df)] if by is None else [(str(k), g) for k, g in df.groupby(by, observed=True)]
    for name, spec in scales.items():
        for level, g in groups:
            x = keyed_items(g, spec, ranges[name])
            n = int(x.dropna().shape[0])
            if n < min_n:
                continue
            # 4 decimals: the ML factor fit behind omega is iterative, and a report must not change in
            # the 10th digit between identical runs
            rows.append({"schaal": name, "groep": level, "n": n, "items": len(spec["items"]),
                         "alpha": round(cronbach_alpha(x), 4), "omega": round(mcdonald_omega(x), 4)})
    return pd.DataFrame(rows, columns=["schaal", "groep", "n", "items", "alpha", "omega"])

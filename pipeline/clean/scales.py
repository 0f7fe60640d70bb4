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


def _complete(items: pd.DataFrame, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Complete cases of the items and their weights (1 each when unweighted; rows without a weight dropped)."""
    w = pd.Series(1.0, index=items.index) if weights is None else pd.Series(weights, index=items.index, dtype=float)
    keep = items.notna().all(axis=1) & w.notna()
    return items[keep].to_numpy(float), w[keep].to_numpy(float)


def weighted_cov(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance matrix with divisor sum(w) (the population covariance the weights estimate)."""
    mean = w @ x / w.sum()
    d = x - mean
    return (d * w[:, None]).T @ d / w.sum()


def cronbach_alpha(items: pd.DataFrame, weights=None) -> float:
    """alpha = k/(k-1) * (1 - sum item variances / variance of the sum), complete cases; with `weights` from
    the weighted covariance matrix (the divisor cancels, so unweighted it is the usual alpha)."""
    x, w = _complete(items, weights)
    k = x.shape[1]
    if len(x) < 3 or k < 2:
        return float("nan")
    cov = weighted_cov(x, w)
    if cov.sum() <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / cov.sum()))


def mcdonald_omega(items: pd.DataFrame, weights=None) -> float:
    """Omega total of the sum score from a one-factor model: (sum lambda)^2 phi / ((sum lambda)^2 phi + sum theta).

    The one-factor model is fitted by maximum likelihood to the (weighted) covariance matrix of the items as
    scored (reverse-keyed items reversed), with the CFA of pipeline.measurement: a fixed start and a
    gradient tolerance far below the 4 published decimals, so the same data give the same bytes on every
    build (statsmodels' Factor, used before, left the 4th decimal to its iteration)."""
    from pipeline.measurement.cfa import GroupStats, fit
    from pipeline.measurement.syntax import Model

    x, w = _complete(items, weights)
    if len(x) < max(10, x.shape[1] + 2) or np.any(x.std(axis=0) == 0):
        return float("nan")
    names = tuple(f"i{j}" for j in range(x.shape[1]))
    stats = GroupStats("totaal", float(len(x)), len(x), w @ x / w.sum(), weighted_cov(x, w))
    est = fit(Model((("f", names),)), [stats]).estimates["groups"][0]
    common = est["lambda"][:, 0].sum() ** 2 * est["phi"][0, 0]
    return float(common / (common + est["theta"].sum()))


def reliability(df: pd.DataFrame, scales: dict, ranges: dict[str, tuple], by: str | None = None,
                min_n: int = 30, weights: str | None = None) -> pd.DataFrame:
    """Alpha and omega per scale (and per group of `by`); groups below `min_n` complete cases are skipped.
    `weights`: a column of survey weights (alpha and omega of the population the weights describe)."""
    rows = []
    groups = [("totaal", df)] if by is None else [(str(k), g) for k, g in df.groupby(by, observed=True)]
    for name, spec in scales.items():
        for level, g in groups:
            x = keyed_items(g, spec, ranges[name])
            w = g[weights] if weights else None
            n = int(x.dropna().shape[0])
            if n < min_n:
                continue
            rows.append({"schaal": name, "groep": level, "n": n, "items": len(spec["items"]),
                         "alpha": round(cronbach_alpha(x, w), 4), "omega": round(mcdonald_omega(x, w), 4)})
    return pd.DataFrame(rows, columns=["schaal", "groep", "n", "items", "alpha", "omega"])

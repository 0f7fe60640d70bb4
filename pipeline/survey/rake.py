"""Raking (multiplicative calibration) of weights to population margins.

Solved by Newton's method on the calibration equations sum_i w0_i g_i x_i = T with g = exp(X lambda),
exactly R's grake() for calibrate(calfun = "raking"); its fixed point is the iterative-proportional-
fitting (raking ratio) solution. Convergence is checked on *every* margin (ipfn's bug was to check one).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


class RakingError(ValueError):
    pass


@dataclass
class RakeReport:
    converged: bool
    iterations: int
    max_rel_error: dict[str, float]
    trimmed: int = 0
    weight_ratio_range: tuple[float, float] = (np.nan, np.nan)
    notes: list[str] = field(default_factory=list)


def margin_matrix(df: pd.DataFrame, margins: dict[str, dict]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Model matrix ~ m1 + m2 + ... (intercept + treatment dummies) and the matching population totals."""
    problems = []
    cols, totals, names = [np.ones(len(df))], [], ["(Intercept)"]
    N = None
    for var, pop in margins.items():
        if var not in df:
            problems.append(f"margin '{var}': column not in the data")
            continue
        x = df[var].astype("object")
        if x.isna().any():
            problems.append(f"margin '{var}': {int(x.isna().sum())} rows with a missing value (impute or "
                            "give them their own category before raking)")
        levels = list(pop)
        unknown = sorted(set(x.dropna().astype(str)) - set(map(str, levels)))
        if unknown:
            problems.append(f"margin '{var}': categories {unknown} in the data have no population total")
        empty = [lv for lv in levels if pop[lv] > 0 and not (x.astype(str) == str(lv)).any()]
        if empty:
            problems.append(f"margin '{var}': categories {empty} have a population total but no respondents")
        total = float(sum(pop.values()))
        if N is None:
            N = total
        elif abs(total - N) > 1e-6 * N:
            problems.append(f"margin '{var}': population totals sum to {total:g}, other margins to {N:g}")
        for lv in levels[1:]:
            cols.append((x.astype(str) == str(lv)).to_numpy(float))
            totals.append(float(pop[lv]))
            names.append(f"{var}={lv}")
    if problems:
        raise RakingError("Raking impossible:\n  " + "\n  ".join(problems))
    return np.column_stack(cols), np.array([N, *totals]), names


def calibrate_g(X: np.ndarray, w0: np.ndarray, totals: np.ndarray, *, max_iter: int = 100,
                tol: float = 1e-10) -> tuple[np.ndarray, int, bool]:
    """g-weights with sum(w0 g X) = totals, g = exp(X lambda); Newton iterations as R's grake."""
    lam = np.zeros(X.shape[1])
    g = np.ones(len(w0))
    for it in range(1, max_iter + 1):
        wg = w0 * g
        misfit = totals - X.T @ wg
        if np.all(np.abs(misfit) / (1 + np.abs(totals)) < tol):
            return g, it - 1, True
        J = (X * wg[:, None]).T @ X
        lam = lam + np.linalg.lstsq(J, misfit, rcond=None)[0]
        g = np.exp(np.clip(X @ lam, -50, 50))
    misfit = totals - X.T @ (w0 * g)
    return g, max_iter, bool(np.all(np.abs(misfit) / (1 + np.abs(totals)) < tol))


def trim_g(g: np.ndarray, w0: np.ndarray, bounds: tuple[float, float]) -> tuple[np.ndarray, int]:
    """R's calibrate(trim=): clip g to bounds and spread the trimmed weight over the untrimmed units."""
    lo, hi = bounds
    gnew = np.clip(g, lo, hi)
    outside = (g < lo) | (g > hi)
    if outside.any():
        gnew[~outside] += ((g - gnew) * w0).sum() / w0[~outside].sum()
    return gnew, int(outside.sum())


def rake(df: pd.DataFrame, margins: dict[str, dict], weights: str | None = None, *,
         trim: tuple[float, float] | None = None, max_iter: int = 100, tol: float = 1e-10):
    """Raked weights for `df` so that weighted counts match `margins` ({var: {category: N}}).

    Returns (weights as a Series aligned with df, RakeReport). `trim` bounds g = w / w0 as R's
    calibrate(trim=); after trimming the margins hold only approximately (reported).
    """
    w0 = np.ones(len(df)) if weights is None else df[weights].to_numpy(float)
    X, totals, names = margin_matrix(df, margins)
    g, iters, ok = calibrate_g(X, w0, totals, max_iter=max_iter, tol=tol)
    n_trim = 0
    if trim is not None:
        g, n_trim = trim_g(g, w0, trim)
    w = w0 * g
    report = RakeReport(converged=ok, iterations=iters, max_rel_error={}, trimmed=n_trim,
                        weight_ratio_range=(float(g.min()), float(g.max())))
    for var, pop in margins.items():
        x = df[var].astype(str)
        errs = [abs(w[(x == str(lv)).to_numpy()].sum() - N) / N for lv, N in pop.items() if N > 0]
        report.max_rel_error[var] = float(max(errs))
    if not ok:
        report.notes.append(f"niet geconvergeerd na {iters} iteraties")
    return pd.Series(w, index=df.index, name="w"), report

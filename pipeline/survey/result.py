"""What glm() returns: the tidy coefficient table (used as a DataFrame) plus the coefficients'
design-based covariance, for linear combinations (R's svycontrast)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def t_stats(est, se, df, level: float) -> dict:
    """t, two-sided p and the t interval at `level` on df degrees of freedom (df < 1: no interval)."""
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        q = np.where(df >= 1, stats.t.ppf(0.5 + level / 2, np.maximum(df, 1)), np.nan)
    t = est / se
    half = q * se
    return {"t": t, "p": 2 * stats.t.sf(np.abs(t), np.maximum(df, 1)), "ci_low": est - half, "ci_high": est + half}


class GLMResult:
    """A survey-weighted GLM fit.

    Behaves as its tidy table for existing code (`fit["term"]`, `fit[mask]`, `len(fit)`, `fit.iloc`,
    `fit.set_index(...)`: one row per coefficient with term, estimate, se, t, p, ci_low, ci_high, df, n).
    `vcov` is the coefficients' design-based covariance (terms x terms); `contrast()` tests a linear
    combination of coefficients, as R's svycontrast.
    """

    def __init__(self, terms: list[str], beta: np.ndarray, vcov: np.ndarray, df: int, n: int, level: float,
                 formula: str = "", family: str = "gaussian"):
        self.formula, self.family, self.level = formula, family, level
        self.df, self.n = int(df), int(n)
        self.vcov = pd.DataFrame(vcov, index=terms, columns=terms)
        se = np.sqrt(np.diag(vcov))
        s = t_stats(beta, se, self.df, level)
        self.table = pd.DataFrame({"term": terms, "estimate": beta, "se": se, "t": s["t"], "p": s["p"],
                                   "ci_low": s["ci_low"], "ci_high": s["ci_high"], "df": self.df, "n": self.n})

    @property
    def coef(self) -> pd.Series:
        return pd.Series(self.table["estimate"].to_numpy(), index=self.table["term"], name="estimate")

    def _weights(self, weights) -> np.ndarray:
        from pipeline.survey.errors import DesignError
        terms = list(self.vcov.index)
        if isinstance(weights, (dict, pd.Series)):
            unknown = [t for t in weights if t not in terms]
            if unknown:
                raise DesignError(f"contrast: terms {unknown} not in the model; terms: {terms}")
            return np.array([float(weights.get(t, 0.0)) for t in terms])
        w = np.asarray(weights, dtype=float)
        if w.shape != (len(terms),):
            raise DesignError(f"contrast: expected {len(terms)} weights (one per term), got shape {w.shape}")
        return w

    def contrast(self, weights) -> pd.Series:
        """Estimate, se, t, df, p and interval of sum_j weights_j * coefficient_j.

        weights: {term: weight} (terms left out weigh 0) or an array with one weight per term.
        The SE is sqrt(w' V w) with V = vcov; t, p and the interval on the model's residual df."""
        w = self._weights(weights)
        beta = self.table["estimate"].to_numpy()
        V = self.vcov.to_numpy()
        est = w @ beta
        se = np.sqrt(w @ V @ w)
        s = t_stats(est, se, self.df, self.level)
        return pd.Series({"estimate": est, "se": se, "t": s["t"], "df": self.df, "p": s["p"],
                          "ci_low": s["ci_low"], "ci_high": s["ci_high"]}, dtype=float, name="contrast")

    # --- the tidy table -------------------------------------------------------------------------

    def __getitem__(self, key):
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    def __iter__(self):
        return iter(self.table)

    def __getattr__(self, name):
        if name.startswith("_") or name == "table":  # not during unpickling/copying, before __dict__ is set
            raise AttributeError(name)
        return getattr(self.table, name)

    def __repr__(self) -> str:
        return repr(self.table)

    def _repr_html_(self):
        return self.table._repr_html_()

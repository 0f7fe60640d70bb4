"""Representativeness of a survey wave against its frame: R-indicator, its standard error and the
unconditional partial R-indicators (Schouten, Cobben & Bethlehem 2009; Shlomo, Skinner & Schouten 2012).

Why: a response rate alone does not say whether two waves (53% vs 26% response) are comparable; the
R-indicator R = 1 - 2 S(rho) measures how much the response propensities rho vary with the
auxiliary variables (1: response does not depend on them), and the partial indicators say which
variable drives it — exactly the variables the weighting then repairs.

Respondents cannot be linked to register records (their ids are random per wave), so the
propensities are estimated from counts per cell of the auxiliaries: the register gives the
population count N_c of every cell, the survey the respondent count r_c (from the respondents' own
answers). A logistic model with main effects of the auxiliaries is fitted to (r_c, N_c) — for
categorical auxiliaries this is the model a linked data set would give. Respondents who left an
auxiliary blank cannot be placed in a cell: the known cells' counts are scaled up to the total
number of respondents (they are assumed to be distributed like the others).

Standard error: delta method on the model coefficients (the part of Shlomo et al.'s variance that
comes from estimating the propensities; the register is a census, so their sampling-design term
vanishes). S^2 is biased upward by the estimation noise of the propensities; the bias
(1/(N-1)) sum_c N_c (a_c - abar)' V (a_c - abar), with a_c = rho_c (1 - rho_c) x_c, is subtracted
for the bias-adjusted R (as Shlomo et al. propose). Near R = 1 the delta-method SE understates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit


@dataclass(frozen=True)
class Representativeness:
    response_rate: float
    R: float
    se: float
    R_adjusted: float
    partial: pd.DataFrame     # variable, category, N, respondents, rate, partial (signed) and partial_se,
                              # P_u and P_u_se per variable
    cells: int
    respondents_unplaced: int


def cell_counts(register: pd.DataFrame, respondents: pd.DataFrame, auxiliaries: list[str]) -> tuple[pd.DataFrame, int]:
    """Population and (scaled) respondent counts per cell of the auxiliaries; second value: the
    number of respondents not placed in a cell (a blank auxiliary, or a cell empty in the register)."""
    reg = register[auxiliaries].astype("object").dropna()
    N = reg.groupby(auxiliaries, observed=True).size().rename("N")
    resp = respondents[auxiliaries].astype("object")
    known = resp.notna().all(axis=1)
    r = resp[known].groupby(auxiliaries, observed=True).size().rename("r")
    cells = pd.concat([N, r], axis=1).fillna(0.0)
    outside = cells["N"] == 0
    placed = float(cells.loc[~outside, "r"].sum())
    cells = cells[~outside].copy()
    n_resp = len(respondents)
    # scale to every respondent of the wave, but the frame is the register with a known cell
    cells["r"] = np.minimum(cells["r"] * (n_resp * len(reg) / len(register)) / max(placed, 1.0), cells["N"])
    return cells.reset_index(), int(n_resp - placed)


def _logit_counts(X: np.ndarray, r: np.ndarray, N: np.ndarray, max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Binomial logit MLE for r successes of N per row (Newton on p parameters: cheap for thousands of
    cells) and its covariance (inverse information)."""
    beta = np.zeros(X.shape[1])
    rate = r.sum() / N.sum()
    beta[0] = np.log(rate / (1 - rate))
    ll_old = -np.inf
    for _ in range(max_iter):
        eta = X @ beta
        mu = expit(eta)
        # converged when the log-likelihood stops changing: with a cell category nobody (or everybody)
        # answered in, a coefficient drifts off to infinity while the fitted propensities are settled
        ll = float((r * eta - N * np.logaddexp(0, eta)).sum())
        if abs(ll - ll_old) < 1e-10 * (abs(ll) + 1):
            break
        ll_old = ll
        H = X.T @ (X * (N * mu * (1 - mu))[:, None])
        # pseudo-inverse: small frames can have aliased dummies or a category nobody answered in
        step = np.linalg.pinv(H, hermitian=True) @ (X.T @ (r - N * mu))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    mu = expit(X @ beta)
    return beta, np.linalg.pinv(X.T @ (X * (N * mu * (1 - mu))[:, None]), hermitian=True)


def r_indicator(cells: pd.DataFrame, auxiliaries: list[str], *, unplaced: int = 0) -> Representativeness:
    """R-indicator of the main-effects logistic response model fitted to cell counts (N, r)."""
    X = pd.get_dummies(cells[auxiliaries].astype(str), drop_first=True, dtype=float)
    X.insert(0, "const", 1.0)
    X = X.loc[:, X.std(axis=0).gt(0) | (X.columns == "const")]
    Nc, rc = cells["N"].to_numpy(float), cells["r"].to_numpy(float)
    beta, V = _logit_counts(X.to_numpy(), rc, Nc)
    rho = expit(X.to_numpy() @ beta)
    N = Nc.sum()
    rbar = (Nc * rho).sum() / N
    S2 = (Nc * (rho - rbar) ** 2).sum() / (N - 1)
    S = np.sqrt(S2)
    a = (rho * (1 - rho))[:, None] * X.to_numpy()
    grad = 2 * ((Nc * (rho - rbar))[:, None] * a).sum(axis=0) / (N - 1)   # dS^2/dbeta
    se_S2 = float(np.sqrt(grad @ V @ grad))
    se_R = se_S2 / S if S > 0 else np.nan          # R = 1 - 2 sqrt(S2): dR = -dS2 / S
    abar = (Nc[:, None] * a).sum(axis=0) / N
    d = a - abar
    bias = float((Nc * np.einsum("ij,jk,ik->i", d, V, d)).sum() / (N - 1))
    R_adj = 1 - 2 * np.sqrt(max(S2 - bias, 0.0))
    rows = []
    for var in auxiliaries:
        rows += _partials(cells, var, Nc, rho, a, abar, V)
    return Representativeness(response_rate=float(rc.sum() / N), R=float(1 - 2 * S), se=float(se_R),
                              R_adjusted=float(R_adj), partial=pd.DataFrame(rows), cells=int(len(cells)),
                              respondents_unplaced=int(unplaced))


def _partials(cells: pd.DataFrame, var: str, Nc, rho, a, abar, V) -> list[dict]:
    """Unconditional partial R-indicators of `var` with delta-method standard errors.

    Per category k: P_u(k) = sqrt(N_k / N) (rho_k - rho), rho_k the mean propensity in k, so
    dP_u(k)/dbeta = sqrt(N_k / N) (abar_k - abar). Per variable: P_u = sqrt(B), B = sum_k N_k/N (rho_k -
    rho)^2, dP_u/dbeta = sum_k N_k/N (rho_k - rho)(abar_k - abar) / P_u. The variance is g' V g with V
    the covariance of the propensity model's coefficients: the linearisation of Shlomo, Skinner &
    Schouten (2012) with the register as a census (no sampling-design term). P_u is a square root of
    a sum of squares, so near 0 it is biased upward and its delta-method SE is too small (as for R
    near 1); a category's signed partial has no such problem."""
    N = Nc.sum()
    rbar = (Nc * rho).sum() / N
    codes, cats = pd.factorize(cells[var], sort=True)
    K = len(cats)
    Nk = np.bincount(codes, weights=Nc, minlength=K)
    rk = np.bincount(codes, weights=cells["r"].to_numpy(float), minlength=K)
    rho_k = np.bincount(codes, weights=Nc * rho, minlength=K) / Nk
    abar_k = np.stack([np.bincount(codes, weights=Nc * a[:, j], minlength=K) for j in range(a.shape[1])], axis=1) / Nk[:, None]
    G = np.sqrt(Nk / N)[:, None] * (abar_k - abar)                       # one gradient row per category
    partial = np.sqrt(Nk / N) * (rho_k - rbar)
    partial_se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", G, V, G), 0.0))
    Pu = float(np.sqrt((Nk / N * (rho_k - rbar) ** 2).sum()))
    g = (Nk / N * (rho_k - rbar)) @ (abar_k - abar) / Pu if Pu > 0 else np.zeros(a.shape[1])
    Pu_se = float(np.sqrt(max(g @ V @ g, 0.0))) if Pu > 0 else np.nan
    return [{"variable": var, "category": str(cat), "N": int(Nk[k]), "respondents": float(rk[k]),
             "rate": float(rk[k] / Nk[k]), "partial": float(partial[k]), "partial_se": float(partial_se[k]),
             "P_u": Pu, "P_u_se": Pu_se} for k, cat in enumerate(cats)]


def representativeness(register: pd.DataFrame, respondents: pd.DataFrame, auxiliaries: list[str]) -> Representativeness:
    """R-indicator of one wave: register as the frame, respondents' own answers for their cell."""
    aux = [a for a in auxiliaries if a in register and a in respondents]
    cells, unplaced = cell_counts(register, respondents, aux)
    return r_indicator(cells, aux, unplaced=unplaced)

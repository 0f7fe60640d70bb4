"""Taylor-linearisation variance for a stratified element sample with finite-population correction.

This is R survey's `svyrecvar` for one-stage designs (each respondent its own PSU):

    V(sum_i u_i) = sum_h (1 - n_h/N_h) * n_h/(n_h - 1) * sum_{i in h} (u_i - mean_h(u))^2

where n_h counts every design row in stratum h (domain estimation: rows outside a domain carry
u_i = 0 but still count, as R pads a subset back to n_h PSUs). Calibration enters through the
residuals of u on the calibration model (R's `greg_calibration` post-strata), see `calibration_residuals`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class LonelyPSUError(ValueError):
    pass


@dataclass(frozen=True)
class Strata:
    """Stratum codes (0..H-1) per row, n_h and the per-row scale f_h * n_h/(n_h-1)."""

    codes: np.ndarray
    n_h: np.ndarray
    N_h: np.ndarray | None
    scale_h: np.ndarray
    labels: np.ndarray

    @property
    def n_strata(self) -> int:
        return len(self.n_h)


def make_strata(strata: np.ndarray | None, fpc: np.ndarray | None, n: int, lonely_psu: str = "fail") -> Strata:
    """Build stratum bookkeeping; `lonely_psu` as R's survey.lonely.psu: 'fail', 'certainty' or 'adjust'."""
    if strata is None:
        codes, labels = np.zeros(n, dtype=np.int64), np.array(["(geen strata)"], dtype=object)
    else:
        labels, codes = np.unique(np.asarray(strata, dtype=object).astype(str), return_inverse=True)
    n_h = np.bincount(codes, minlength=len(labels)).astype(float)
    if fpc is None:
        f_h = np.ones_like(n_h)
        N_h = None
    else:
        fpc = np.asarray(fpc, dtype=float)
        N_h = np.full(len(labels), np.nan)
        N_h[codes] = fpc
        # every row of a stratum must carry the same population size
        if not np.allclose(np.bincount(codes, weights=fpc) / n_h, N_h):
            raise ValueError("fpc: population size differs between rows of the same stratum")
        if np.any(N_h < n_h):
            bad = labels[N_h < n_h]
            raise ValueError(f"fpc: population size smaller than the number of respondents in strata {list(bad)[:5]}")
        f_h = 1.0 - n_h / N_h
    lonely = n_h < 2
    scale_h = np.where(lonely, f_h, f_h * n_h / np.maximum(n_h - 1, 1))
    if lonely.any() and lonely_psu == "fail":
        census = f_h[lonely] < 1e-7
        if not census.all():
            bad = labels[lonely][~census]
            raise LonelyPSUError(
                f"Stratum/strata with a single respondent: {list(bad)[:10]}. The variance cannot be "
                "estimated there. Merge small strata, or pass lonely_psu='certainty' (contributes no "
                "variance) or 'adjust' (centred at the grand mean), as R's options(survey.lonely.psu).")
    return Strata(codes=codes, n_h=n_h, N_h=N_h, scale_h=scale_h, labels=labels)


def indicator(st: Strata):
    """Sparse H x n stratum membership matrix."""
    from scipy import sparse
    n = len(st.codes)
    return sparse.csr_matrix((np.ones(n), (st.codes, np.arange(n))), shape=(st.n_strata, n))


def stratified_variance(u: np.ndarray, st: Strata, lonely_psu: str = "fail") -> np.ndarray:
    """Variance of the column totals of u (n x k): returns the diagonal (length k).

    Vectorised over rows and columns: two sparse products, no Python loop over domains.
    """
    u = np.asarray(u, dtype=float)
    if u.ndim == 1:
        u = u[:, None]
    # sums and sums of squares per stratum, for all columns at once (sparse indicator product)
    ind = indicator(st)
    s1 = np.asarray(ind @ u)
    s2 = np.asarray(ind @ (u * u))
    n_h = st.n_h[:, None]
    ss = s2 - s1 ** 2 / n_h                      # sum of squared deviations from the stratum mean
    lonely = (st.n_h < 2)
    if lonely.any():
        if lonely_psu == "adjust":
            grand = s1.sum(axis=0) / st.n_h.sum()
            ss[lonely] = (s1[lonely] - grand) ** 2  # one PSU: deviation from the grand mean
        else:  # certainty (or census strata): no contribution
            ss[lonely] = 0.0
    return (st.scale_h[:, None] * ss).sum(axis=0)


def stratified_covariance(u: np.ndarray, st: Strata, lonely_psu: str = "fail") -> np.ndarray:
    """Full k x k covariance of the column totals of u (for tests and GLM coefficients)."""
    u = np.asarray(u, dtype=float)
    if u.ndim == 1:
        u = u[:, None]
    H = st.n_strata
    means = np.column_stack([np.bincount(st.codes, weights=u[:, j], minlength=H) for j in range(u.shape[1])]) \
        if u.shape[1] else np.zeros((H, 0))
    means /= st.n_h[:, None]
    centred = u - means[st.codes]
    lonely = st.n_h < 2
    if lonely.any():
        rows = lonely[st.codes]
        if lonely_psu == "adjust":
            centred[rows] = u[rows] - u.sum(axis=0) / len(u)
        else:
            centred[rows] = 0.0
    scaled = centred * np.sqrt(st.scale_h[st.codes])[:, None]
    return scaled.T @ scaled


@dataclass(frozen=True)
class Calibration:
    """What R keeps for a calibrated design: QR of the calibration model and g * sqrt(w0)."""

    q: np.ndarray        # orthonormal basis of X * sqrt(w0), n x p
    mult: np.ndarray     # g * sqrt(w0)
    # stacked waves: q is block diagonal, (row start, row end, column start, column end) per wave;
    # projecting block by block skips the zeros (a wave-stacked design is otherwise 2-4x slower)
    blocks: tuple[tuple[int, int, int, int], ...] | None = None

    def residuals(self, u: np.ndarray) -> np.ndarray:
        """u -> qr.resid(qr, u / mult) * mult, as svyrecvar does for a greg_calibration."""
        u = np.asarray(u, dtype=float)
        one = u.ndim == 1
        a = (u[:, None] if one else u) / self.mult[:, None]
        if self.blocks is None:
            r = a - self.q @ (self.q.T @ a)
        else:
            r = a.copy()
            for r0, r1, c0, c1 in self.blocks:
                qb = self.q[r0:r1, c0:c1]
                r[r0:r1] -= qb @ (qb.T @ a[r0:r1])
        r = r * self.mult[:, None]
        return r[:, 0] if one else r

"""Taylor-linearisation variance for a stratified element sample with finite-population correction.

This is R survey's `svyrecvar` for one-stage designs (each respondent its own PSU by default):

    V(sum_i u_i) = sum_h (1 - n_h/N_h) * n_h/(n_h - 1) * sum_{i in h} (u_i - mean_h(u))^2

where n_h counts every design row in stratum h (domain estimation: rows outside a domain carry
u_i = 0 but still count, as R pads a subset back to n_h PSUs). Calibration enters through the
residuals of u on the calibration model (R's `greg_calibration` post-strata), see `calibration_residuals`.

Linked panel (`Strata.panel`: waves stacked with each wave's own strata and FPC, and the same persons
answering several waves): the variance of a total over the stack adds, for every pair of waves, the
covariance estimated from the respondents the two waves share (`Panel`, `panel_covariance`).

With clusters (`Strata.psu`: several rows per PSU, e.g. one person answering several stacked waves)
the residuals are summed per PSU first and the formula runs over PSU totals, n_h counting PSUs, as
svydesign(ids = ~psu) with replacement at the first stage (no FPC); so the covariance between rows
of one PSU enters every variance.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class LonelyPSUError(ValueError):
    pass


LONELY_PSU = ("fail", "certainty", "adjust")


def check_lonely_psu(lonely_psu: str) -> str:
    if lonely_psu not in LONELY_PSU:
        raise ValueError(f"lonely_psu must be one of {', '.join(map(repr, LONELY_PSU))}; got {lonely_psu!r}")
    return lonely_psu


def lonely_deviation(x: np.ndarray, grand: np.ndarray, lonely_psu: str) -> np.ndarray:
    """The lonely-PSU rule (R's options(survey.lonely.psu)): the deviation a stratum with a single
    PSU contributes. 'adjust': its value centred at the grand mean; 'certainty' (and a census stratum
    under 'fail'): nothing. Every variance in this module takes its lonely strata from here."""
    if lonely_psu == "adjust":
        return x - grand
    return np.zeros_like(x)


def stratum_ss(s1: np.ndarray, s2: np.ndarray, n_h: np.ndarray, lonely_psu: str) -> np.ndarray:
    """Sums of squared deviations from the stratum mean (H x k), from the stratum sums s1 and sums of
    squares s2 of the values; n_h counts every design row of the stratum (padding, as R)."""
    ss = s2 - s1 ** 2 / n_h[:, None]
    lonely = n_h < 2
    if lonely.any():
        grand = s1.sum(axis=0) / n_h.sum()
        ss[lonely] = lonely_deviation(s1[lonely], grand, lonely_psu) ** 2
    return ss


@dataclass(frozen=True)
class Strata:
    """Stratum codes (0..H-1) per row, n_h and the per-row scale f_h * n_h/(n_h-1)."""

    codes: np.ndarray
    n_h: np.ndarray
    N_h: np.ndarray | None
    scale_h: np.ndarray
    labels: np.ndarray
    psu: np.ndarray | None = None   # PSU code (0..P-1) per row; None: every row its own PSU
    panel: "Panel | None" = None    # linked waves in one design: the covariance of shared respondents

    @property
    def n_strata(self) -> int:
        return len(self.n_h)

    @property
    def n_psu(self) -> int:
        return len(self.codes) if self.psu is None else int(self.psu.max()) + 1

    def psu_level(self, u: np.ndarray) -> tuple[np.ndarray, "Strata"]:
        """(u summed per PSU, the strata of the PSUs as one-row-per-PSU strata); as is without clusters."""
        if self.psu is None:
            return u, self
        from scipy import sparse
        P = self.n_psu
        agg = sparse.csr_matrix((np.ones(len(self.psu)), (self.psu, np.arange(len(self.psu)))), shape=(P, len(self.psu)))
        codes = np.zeros(P, dtype=np.int64)
        codes[self.psu] = self.codes
        return np.asarray(agg @ u), Strata(codes=codes, n_h=self.n_h, N_h=self.N_h, scale_h=self.scale_h,
                                           labels=self.labels)


def make_strata(strata: np.ndarray | None, fpc: np.ndarray | None, n: int, lonely_psu: str = "fail",
                psu: np.ndarray | None = None) -> Strata:
    """Build stratum bookkeeping; `lonely_psu` as R's survey.lonely.psu: 'fail', 'certainty' or 'adjust'.

    psu: the primary sampling unit of each row (clusters, sampled with replacement: no FPC); each PSU
    must lie in one stratum (R's svydesign refuses PSUs that cross strata without nest = TRUE)."""
    check_lonely_psu(lonely_psu)
    if strata is None:
        codes, labels = np.zeros(n, dtype=np.int64), np.array(["(geen strata)"], dtype=object)
    else:
        labels, codes = np.unique(np.asarray(strata, dtype=object).astype(str), return_inverse=True)
    psu_codes = None
    if psu is not None:
        if fpc is not None:
            raise ValueError("fpc: a finite-population correction with clusters is not supported (PSUs are "
                             "taken as sampled with replacement)")
        _, psu_codes = np.unique(np.asarray(psu, dtype=object).astype(str), return_inverse=True)
        psu_codes = psu_codes.astype(np.int64)
        first = np.full(psu_codes.max() + 1, -1)
        first[psu_codes[::-1]] = codes[::-1]
        if np.any(first[psu_codes] != codes):
            raise ValueError("psu: a PSU lies in more than one stratum (a person in several strata); use strata "
                             "that are constant per PSU, or none")
        n_h = np.bincount(first, minlength=len(labels)).astype(float)
    else:
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
    return Strata(codes=codes, n_h=n_h, N_h=N_h, scale_h=scale_h, labels=labels, psu=psu_codes)


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
    u, st = st.psu_level(u)
    # sums and sums of squares per stratum, for all columns at once (sparse indicator product)
    ind = indicator(st)
    s1 = np.asarray(ind @ u)
    s2 = np.asarray(ind @ (u * u))
    per_stratum = st.scale_h[:, None] * stratum_ss(s1, s2, st.n_h, lonely_psu)
    var = per_stratum.sum(axis=0)
    if st.panel is not None:
        var = var + 2 * st.panel.cross(u, diagonal=True, wave_var=st.panel.per_wave(per_stratum))
    return var


def stratified_covariance(u: np.ndarray, st: Strata, lonely_psu: str = "fail") -> np.ndarray:
    """Full k x k covariance of the column totals of u (for tests and GLM coefficients)."""
    u = np.asarray(u, dtype=float)
    if u.ndim == 1:
        u = u[:, None]
    u, st = st.psu_level(u)
    H = st.n_strata
    means = np.column_stack([np.bincount(st.codes, weights=u[:, j], minlength=H) for j in range(u.shape[1])]) \
        if u.shape[1] else np.zeros((H, 0))
    means /= st.n_h[:, None]
    centred = u - means[st.codes]
    lonely = st.n_h < 2
    if lonely.any():
        rows = lonely[st.codes]
        centred[rows] = lonely_deviation(u[rows], u.sum(axis=0) / len(u), lonely_psu)
    scaled = centred * np.sqrt(st.scale_h[st.codes])[:, None]
    cov = scaled.T @ scaled
    if st.panel is not None:
        c = st.panel.cross(u, wave_var=st.panel.per_wave(_per_stratum_sq(scaled, st)))
        cov = cov + c + c.T
    return cov


def _per_stratum_sq(scaled: np.ndarray, st: Strata) -> np.ndarray:
    """Per stratum the sum of squares of each column of the scaled, centred values (H x k)."""
    return np.column_stack([np.bincount(st.codes, weights=scaled[:, j] ** 2, minlength=st.n_strata)
                            for j in range(scaled.shape[1])]) if scaled.shape[1] else np.zeros((st.n_strata, 0))


def design_covariance(u: np.ndarray, st: Strata, lonely_psu: str, calibration: "Calibration | None" = None) -> np.ndarray:
    """Covariance of the column totals of the influence values u (n x k), calibration residuals taken first."""
    if calibration is not None:
        u = calibration.residuals(u)
    return stratified_covariance(u, st, lonely_psu)


# --- domains: variance of per-domain totals ---------------------------------------------------------
# u_own holds each row's value in its own domain (0 elsewhere); codes the row's domain, -1 outside every
# domain (rows outside still count in n_h, so these are domain estimates of the full design).

def _stratum_sums(u_own: np.ndarray, codes: np.ndarray, D: int, st: Strata) -> tuple[np.ndarray, np.ndarray]:
    """Stratum x domain sums s1 and sums of squares s2 of u (H x D each), by bincount."""
    H = st.n_strata
    ok = codes >= 0
    flat = st.codes[ok] * D + codes[ok]
    s1 = np.bincount(flat, weights=u_own[ok], minlength=H * D).reshape(H, D)
    s2 = np.bincount(flat, weights=u_own[ok] ** 2, minlength=H * D).reshape(H, D)
    return s1, s2


def _dense(u_own: np.ndarray, codes: np.ndarray, D: int) -> np.ndarray:
    U = np.zeros((len(u_own), D))
    ok = codes >= 0
    U[np.flatnonzero(ok), codes[ok]] = u_own[ok]
    return U


def domain_variance(u_own: np.ndarray, codes: np.ndarray, D: int, st: Strata, lonely_psu: str,
                    calibration: "Calibration | None" = None) -> np.ndarray:
    """Variance of each of the D domain totals of u (length D)."""
    if calibration is None and st.psu is None and st.panel is None:
        s1, s2 = _stratum_sums(u_own, codes, D, st)
        return (st.scale_h[:, None] * stratum_ss(s1, s2, st.n_h, lonely_psu)).sum(axis=0)
    U = _dense(u_own, codes, D)
    return stratified_variance(U if calibration is None else calibration.residuals(U), st, lonely_psu)


def difference_variance(u_own: np.ndarray, codes: np.ndarray, ref: np.ndarray, st: Strata, lonely_psu: str,
                        calibration: "Calibration | None" = None) -> np.ndarray:
    """Variance of each domain's total minus the total of its reference domain ref[d] (length D).

    The domains are disjoint, so per stratum the difference's sum is s1_d - s1_ref and its sum of
    squares s2_d + s2_ref."""
    D = len(ref)
    if calibration is None and st.psu is None and st.panel is None:
        s1, s2 = _stratum_sums(u_own, codes, D, st)
        ss = stratum_ss(s1 - s1[:, ref], s2 + s2[:, ref], st.n_h, lonely_psu)
        return (st.scale_h[:, None] * ss).sum(axis=0)
    U = _dense(u_own, codes, D)
    U = U - U[:, ref]
    return stratified_variance(U if calibration is None else calibration.residuals(U), st, lonely_psu)


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


# --- linked panel: the covariance between waves from the respondents they share ----------------------

@dataclass(frozen=True)
class PanelPair:
    """The respondents two waves a < b share: their row in wave a (`rows_a`) and in wave b (`rows_b`) of
    the stacked design, their cell (`cells`, 0..C-1: the wave-a stratum) and the factor per cell."""

    rows_a: np.ndarray
    rows_b: np.ndarray
    cells: np.ndarray
    factor: np.ndarray   # per cell: m_c/(m_c - 1) * (1 - E_c/m_c); 0 for a cell of one shared respondent
    waves: tuple[int, int] = (0, 1)   # position of wave a and wave b among the stacked waves


@dataclass(frozen=True)
class Panel:
    """Waves stacked with each wave's strata and FPC, linked by the persons they share.

    The linked-panel estimator (Berger 2004; Qualité & Tillé 2008) for totals t_a, t_b of two waves:
    V(t_b - t_a) = V_a + V_b - 2 C_ab, each V the wave's own stratified variance with FPC (the published
    level's variance), and C_ab the covariance from the m respondents in both waves, per cell c:

        C_ab = sum_c m_c/(m_c - 1) * (1 - E_c/m_c) * sum_{k shared, in c} (u_ak - mean_c u_a)(u_bk - mean_c u_b)

    with E_c the overlap that two independent draws at the waves' sampling fractions would give,
    E_c = sum_k in both frames, in c  f_a(k) f_b(k)  (f = n_h/N_h of the person's stratum in that
    wave). 1 - E_c/m_c plays the part of the FPC: the covariance vanishes when the overlap is what chance
    gives, and with the same sample twice (m = n, E = n^2/N) C_ab is the stratified covariance with
    FPC, so the change of a paired sample is R's svycontrast on the paired (wide) design, the golden case.
    """

    pairs: tuple[PanelPair, ...]
    stratum_wave: np.ndarray | None = None   # position of each stratum's wave among the stacked waves

    def per_wave(self, per_stratum: np.ndarray) -> np.ndarray:
        """Each wave's own variance per column (waves x k), from the strata's contributions (H x k)."""
        W = int(self.stratum_wave.max()) + 1
        return np.column_stack([np.bincount(self.stratum_wave, weights=per_stratum[:, j], minlength=W)
                                for j in range(per_stratum.shape[1])]) if per_stratum.shape[1] else np.zeros((W, 0))

    def cross(self, u: np.ndarray, diagonal: bool = False, wave_var: np.ndarray | None = None) -> np.ndarray:
        """sum over wave pairs of C_ab for the column totals of u (n x k): k x k, or its diagonal.

        wave_var (waves x k): each wave's own variance; a C_ab beyond the Cauchy-Schwarz bound
        sqrt(V_a V_b) (possible in a domain of a few shared respondents) is cut back to it, so that the
        variance of a change is never negative."""
        u = np.asarray(u, dtype=float)
        if u.ndim == 1:
            u = u[:, None]
        k = u.shape[1]
        out = np.zeros(k) if diagonal else np.zeros((k, k))
        for p in self.pairs:
            if not len(p.rows_a):
                continue
            C = len(p.factor)
            m = np.bincount(p.cells, minlength=C).astype(float)
            a, b = u[p.rows_a], u[p.rows_b]
            a = a - (np.column_stack([np.bincount(p.cells, weights=a[:, j], minlength=C) for j in range(k)])
                     / np.maximum(m, 1)[:, None])[p.cells]
            b = b - (np.column_stack([np.bincount(p.cells, weights=b[:, j], minlength=C) for j in range(k)])
                     / np.maximum(m, 1)[:, None])[p.cells]
            a = a * p.factor[p.cells][:, None]
            c = (a * b).sum(axis=0) if diagonal else a.T @ b
            if wave_var is not None:
                va, vb = np.clip(wave_var[p.waves[0]], 0, None), np.clip(wave_var[p.waves[1]], 0, None)
                bound = np.sqrt(va * vb) if diagonal else np.sqrt(np.outer(va, vb))
                c = np.clip(c, -bound, bound)
            out = out + c
        return out


def panel_factor(m: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Per cell m/(m - 1) * (1 - E/m): the small-sample and overlap-beyond-chance factor of `Panel`."""
    m = np.asarray(m, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        f = m / (m - 1) * (1 - np.asarray(expected, dtype=float) / m)
    return np.where(m >= 2, f, 0.0)

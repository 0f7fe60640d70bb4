"""SurveyDesign: one object carrying weights, strata, FPC and calibration; small verbs on it.

Every estimator is R survey's linearisation estimator (Lumley 2010), checked against golden values
from R survey 4.x (tests/golden/). Subgroups are domains of the full design, never plain subsets:
rows outside a domain or with a missing value contribute zero influence but still count in n_h.

A design is immutable. The verbs return a new design and leave the old one as it was, as R's:
  update(**columns)   columns added or replaced (update.survey.design)
  subset(mask)        a domain of this design (subset.survey.design)
  calibrate(margins)  raked weights, SEs that account for the raking (calibrate)
  stack(designs)      waves as one design: independent, or linked by a person key (person as PSU)
  linked_panel(designs, person)  waves as one design with each wave's strata and FPC, plus the
                      covariance of the respondents the waves share (changes in the frame of the levels)

Degrees of freedom follow R's degf() of the domain: its respondents (item non-respondents included,
as svyciprop on a svyby domain) minus the strata represented among them; for a GLM, svyglm's
df.residual (rows used minus strata minus coefficients plus one).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.survey.errors import DesignError
from pipeline.survey.formula import design_matrices
from pipeline.survey.result import GLMResult
from pipeline.survey.variance import (LONELY_PSU, Calibration, Panel, PanelPair, Strata, design_covariance,
                                      _dense, difference_variance, domain_variance, make_strata,
                                      panel_factor)

NOTE_FEW = "te weinig waarnemingen voor een interval"
NOTE_CONST = "geen variatie in deze groep"
PROPORTION_METHODS = ("logit", "xlogit", "beta")


def _as_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


class SurveyDesign:
    """Stratified element design with optional FPC and calibration.

    SurveyDesign(df, weights="w", strata="directie", fpc="N_h"); fpc is the stratum population size.
    lonely_psu: what to do with a stratum of one respondent ('fail' as R's default, 'certainty',
    'adjust'). `level` is the confidence level of every interval.

    Immutable: `data` and the design's parts are read-only; `update`, `subset` and `calibrate` return
    new designs. A subset keeps every row (rows outside the domain keep their place in the strata
    with zero influence): `data` and `w` stay aligned to all rows, `domain` marks the rows inside.
    """

    def __init__(self, data: pd.DataFrame, weights: str | None = None, strata: str | None = None,
                 fpc: str | None = None, *, lonely_psu: str = "fail", level: float = 0.95):
        _check_options(lonely_psu, level)
        data = data.reset_index(drop=True)
        n = len(data)
        if n == 0:
            raise DesignError("SurveyDesign: the data has no rows")
        missing = [c for c in (weights, strata, fpc) if c is not None and c not in data]
        if missing:
            raise DesignError(f"SurveyDesign: columns {missing} not in the data")
        if weights is None:
            w = np.ones(n)
        else:
            w = pd.to_numeric(data[weights], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(w) | (w <= 0))
        if len(bad):
            raise DesignError(f"SurveyDesign: weights must be positive and finite; {len(bad)} rows are not "
                              f"(rows {[int(i) + 1 for i in bad[:5]]})")
        st = None if strata is None else data[strata].to_numpy()
        if st is not None and pd.isna(data[strata]).any():
            raise DesignError(f"SurveyDesign: stratum variable '{strata}' has missing values")
        fp = None if fpc is None else data[fpc].to_numpy(float)
        self._init_parts(data, w, make_strata(st, fp, n, lonely_psu), names=(weights, strata, fpc),
                         lonely_psu=lonely_psu, level=level)

    # --- construction: the one place a design's parts are set -------------------------------------

    @classmethod
    def _from_parts(cls, data: pd.DataFrame, w: np.ndarray, strata: Strata, *, names=(None, None, None),
                    lonely_psu: str, level: float, calibration: Calibration | None = None,
                    domain: np.ndarray | None = None) -> "SurveyDesign":
        new = object.__new__(cls)
        new._init_parts(data, w, strata, names=names, lonely_psu=lonely_psu, level=level,
                        calibration=calibration, domain=domain)
        return new

    def _init_parts(self, data, w, strata, *, names, lonely_psu, level, calibration=None, domain=None):
        _check_options(lonely_psu, level)
        if domain is not None:
            domain = np.asarray(domain, dtype=bool)
            domain.setflags(write=False)
        parts = {"_data": data, "_w": w, "_strata": strata, "_names": tuple(names), "_lonely_psu": lonely_psu,
                 "_level": level, "_calibration": calibration, "_domain": domain, "_domain_cache": {}}
        for k, v in parts.items():
            object.__setattr__(self, k, v)

    def _parts(self, **changes) -> "SurveyDesign":
        """A new design with some parts changed and the rest shared with this one."""
        parts = dict(data=self._data, w=self._w, strata=self._strata, names=self._names,
                     lonely_psu=self._lonely_psu, level=self._level, calibration=self._calibration,
                     domain=self._domain)
        parts.update(changes)
        return type(self)._from_parts(**parts)

    def __setattr__(self, name, value):
        if name == "data":
            raise AttributeError("SurveyDesign.data is read-only: design.update(column=values) returns a new "
                                 "design with columns added or replaced (design.subset(mask) for a domain)")
        raise AttributeError(f"SurveyDesign is immutable (cannot set '{name}'): update(), subset() and "
                             "calibrate() return a new design")

    def __delattr__(self, name):
        raise AttributeError(f"SurveyDesign is immutable (cannot delete '{name}')")

    def __repr__(self) -> str:
        dom = "" if self._domain is None else f", domain of {int(self._domain.sum())} rows"
        psu = "" if self._strata.psu is None else f", {self._strata.n_psu} PSUs"
        return (f"<SurveyDesign: {len(self._w)} rows{psu}, {self._strata.n_strata} strata"
                f"{', FPC' if self._strata.N_h is not None else ''}"
                f"{', calibrated' if self._calibration is not None else ''}{dom}>")

    # --- read-only parts ------------------------------------------------------------------------

    @property
    def data(self) -> pd.DataFrame:
        """The variables, one row per respondent (all rows, also those outside a subset's domain)."""
        return self._data

    @property
    def w(self) -> np.ndarray:
        return self._w

    @property
    def strata(self) -> Strata:
        return self._strata

    @property
    def calibration(self) -> Calibration | None:
        return self._calibration

    @property
    def lonely_psu(self) -> str:
        return self._lonely_psu

    @property
    def level(self) -> float:
        return self._level

    @property
    def weights_name(self) -> str | None:
        return self._names[0]

    @property
    def strata_name(self) -> str | None:
        return self._names[1]

    @property
    def fpc_name(self) -> str | None:
        return self._names[2]

    @property
    def domain(self) -> np.ndarray:
        """Which rows are in this design's domain (all rows unless it came from subset())."""
        return np.ones(len(self._w), dtype=bool) if self._domain is None else self._domain

    @property
    def weights(self) -> pd.Series:
        return pd.Series(self.w, index=self.data.index, name="w")

    @property
    def degf(self) -> int:
        """R's degf(): PSUs (respondents, or clusters) in the domain minus the strata represented among them."""
        if self._domain is None:
            return self.strata.n_psu - self.strata.n_strata
        inside = self._domain
        return int(self._psus(inside) - len(np.unique(self.strata.codes[inside])))

    def _psus(self, rows: np.ndarray) -> int:
        """Number of PSUs among the rows marked True (the rows themselves without clusters)."""
        psu = self.strata.psu
        return int(rows.sum()) if psu is None else len(np.unique(psu[rows]))

    def _psu_presence(self, rows: np.ndarray, codes: np.ndarray, D: int):
        """Sparse PSU x domain indicator of the PSUs with a marked row in each domain (None without clusters)."""
        from scipy import sparse
        psu = self.strata.psu
        if psu is None:
            return None
        ok = rows & (codes >= 0)
        M = sparse.csr_matrix((np.ones(int(ok.sum())), (psu[ok], codes[ok])), shape=(self.strata.n_psu, D))
        M.sum_duplicates()
        M.data[:] = 1.0  # rows per PSU and domain -> presence
        return M

    # --- verbs ----------------------------------------------------------------------------------

    def update(self, **columns) -> "SurveyDesign":
        """A new design with columns added or replaced, as R's update(design, ...); weights, strata,
        FPC, calibration and domain stay as they are (replacing a design variable's column changes
        the data, not the design). Values as pandas' assign: a Series aligned to the design rows
        (index 0..n-1), an array of n values, a scalar, or a callable f(data)."""
        data = self._data
        for name, v in columns.items():
            if isinstance(v, pd.Series):
                self._check_aligned(v, f"update({name}=...)")
            elif not callable(v) and np.ndim(v) > 0 and len(v) != len(data):
                raise DesignError(f"update({name}=...): {len(v)} values for {len(data)} design rows")
        return self._parts(data=data.assign(**columns))

    def subset(self, mask) -> "SurveyDesign":
        """The domain `mask` of this design, as R's subset(design, ...): rows outside keep their place
        in the strata with zero influence, so estimates and SEs are domain estimates (not a sample
        re-designed on fewer rows). mask: booleans aligned to the design rows (missing counts as
        outside, as in R) or a callable f(data). A subset of a subset is the intersection."""
        inside = self._mask(mask, "subset")
        if self._domain is not None:
            inside = inside & self._domain
        return self._parts(domain=inside)

    def _check_aligned(self, s: pd.Series, what: str) -> None:
        idx = self._data.index
        if not s.index.equals(idx) and (len(s) != len(idx) or s.index.has_duplicates or not idx.isin(s.index).all()):
            raise DesignError(f"{what}: the Series is not aligned to the design rows (index 0..{len(idx) - 1}); "
                              "pass .to_numpy() or .reset_index(drop=True)")

    def _mask(self, mask, what: str) -> np.ndarray:
        if callable(mask):
            mask = mask(self._data)
        if isinstance(mask, pd.Series):
            self._check_aligned(mask, what)
            s = mask.reindex(self._data.index)
        else:
            s = pd.Series(np.asarray(mask))
        if len(s) != len(self._w):
            raise DesignError(f"{what}: {len(s)} values for {len(self._w)} design rows")
        if not (pd.api.types.is_bool_dtype(s)
                or s.dtype == object and s.dropna().map(lambda v: isinstance(v, (bool, np.bool_))).all()):
            raise DesignError(f"{what}: expected booleans (True/False, missing counts as outside), got dtype {s.dtype}")
        return s.fillna(False).to_numpy(dtype=bool)

    # --- internals ---------------------------------------------------------------------------

    def _t(self, df):
        df = np.asarray(df, dtype=float)
        with np.errstate(invalid="ignore"):
            return np.where(df >= 1, stats.t.ppf(0.5 + self.level / 2, np.maximum(df, 1)), np.nan)

    def _numeric(self, var: str) -> np.ndarray:
        if var not in self.data:
            raise DesignError(f"variable '{var}' not in the data")
        s = self.data[var]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
            raise DesignError(f"variable '{var}' is not numeric (dtype {s.dtype}); estimate shares with proportion()")
        return pd.to_numeric(s, errors="coerce").to_numpy(float)

    def _domains(self, by) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
        """Domain code per row (-1 where a `by` value is missing or the row is outside the design's
        domain), the table of domain labels, and which labels have rows in the design's domain.

        Cached per `by`: a chapter asks for many constructs over the same groups."""
        key = tuple(_as_list(by))
        cache = self._domain_cache
        if key not in cache:
            cache[key] = self._domains_uncached(by)
        codes, labels, shown = cache[key]
        return codes, labels.copy(), shown

    def _domains_uncached(self, by) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
        cols = _as_list(by)
        if not cols:
            codes, labels = np.zeros(len(self.w), dtype=np.int64), pd.DataFrame(index=[0])
        else:
            for c in cols:
                if c not in self.data:
                    raise DesignError(f"by: column '{c}' not in the data")
            key = self.data[cols]
            codes = key.groupby(cols, observed=True, sort=True, dropna=True).ngroup().fillna(-1).to_numpy()
            codes = np.where(key.isna().any(axis=1).to_numpy(), -1, codes).astype(np.int64)
            labels = key.assign(_c=codes)[codes >= 0].drop_duplicates("_c").sort_values("_c")
            labels = labels.drop(columns="_c").reset_index(drop=True)
        shown = np.ones(len(labels), dtype=bool)
        if self._domain is not None:
            # a subset: the groups are those of the full design (same codes, same sums as the
            # full design), rows outside the domain join none, groups without rows are not shown
            codes = np.where(self._domain, codes, -1)
            if cols:
                shown = np.bincount(codes[codes >= 0], minlength=len(labels)) > 0
        return codes, labels, shown

    @staticmethod
    def _shown(out: pd.DataFrame, shown: np.ndarray) -> pd.DataFrame:
        return out if shown.all() else out[shown].reset_index(drop=True)

    def _df_domains(self, valid: np.ndarray, codes: np.ndarray, D: int) -> tuple[np.ndarray, np.ndarray]:
        """(n_d, df_d): respondents with a valid value, and domain respondents minus strata represented."""
        n_d = np.bincount(codes[valid & (codes >= 0)], minlength=D)
        member = codes >= 0
        H = self.strata.n_strata
        present = np.bincount(self.strata.codes[member] * D + codes[member], minlength=H * D).reshape(H, D) > 0
        M = self._psu_presence(member, codes, D)
        units = np.bincount(codes[member], minlength=D) if M is None else np.asarray(M.sum(axis=0)).ravel()
        return n_d, units - present.sum(axis=0)

    def _frame(self, labels: pd.DataFrame, est, se, df, n, deff=None, ci=None) -> pd.DataFrame:
        if ci is None:
            half = self._t(df) * se
            ci = (est - half, est + half)
        cols = {"estimate": est, "se": se, "ci_low": ci[0], "ci_high": ci[1], "df": df, "n": n}
        if deff is not None:
            cols["deff"] = deff
        cols["note"] = np.where(n - 0 < 1, "lege groep", np.where(np.asarray(df) < 1, NOTE_FEW,
                                np.where(np.asarray(se) == 0, NOTE_CONST, "")))
        # one concat instead of a column assignment each: estimates are asked for thousands of times
        return pd.concat([labels.reset_index(drop=True), pd.DataFrame(cols)], axis=1)

    # --- estimators ----------------------------------------------------------------------------

    def mean(self, var: str, by=None) -> pd.DataFrame:
        """Weighted mean per domain with linearised SE, t interval on the domain df, and deff
        (as svymean(deff=TRUE): design variance over SRS-without-replacement variance)."""
        y = self._numeric(var)
        out, parts = self._mean(y, by)
        return self._shown(out, parts["shown"])

    def mean_covariance(self, var: str, by) -> tuple[pd.DataFrame, np.ndarray]:
        """`mean(var, by)` and the full covariance matrix of its domain means (rows and columns in the
        table's order), as vcov(svyby(~var, by, svymean, covmat = TRUE)): what a contrast of several
        domain means needs. Domains in different strata covary through calibration, and on a linked
        panel (`linked_panel`) domains of two waves through the respondents both waves share."""
        y = self._numeric(var)
        out, parts = self._mean(y, by, covariance=True)
        shown = parts["shown"]
        return self._shown(out, shown), parts["cov"][np.ix_(shown, shown)]

    def _mean(self, y, by, covariance: bool = False) -> tuple[pd.DataFrame, dict]:
        """(estimates for every domain of `by`, the parts compare() builds on); `covariance`: the SEs
        from the full covariance of the domain means (one pass), kept in parts["cov"]."""
        codes, labels, shown = self._domains(by)
        D = len(labels)
        w = self.w
        valid = ~np.isnan(y) & (codes >= 0)
        c = np.where(valid, codes, 0)
        W = np.bincount(c[valid], weights=w[valid], minlength=D)
        T = np.bincount(c[valid], weights=(w * np.nan_to_num(y))[valid], minlength=D)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = T / W
            u = np.where(valid, w * (np.nan_to_num(y) - m[c]) / W[c], 0.0)
        cov = None
        if covariance:
            cov = design_covariance(_dense(u, np.where(valid, codes, -1), D), self.strata, self.lonely_psu,
                                    self.calibration)
            var = np.diag(cov).copy()
        else:
            var = domain_variance(u, np.where(valid, codes, -1), D, self.strata, self.lonely_psu, self.calibration)
        n_d, df_d = self._df_domains(valid, codes, D)
        with np.errstate(invalid="ignore", divide="ignore"):
            dev2 = np.bincount(c[valid], weights=(w * (np.nan_to_num(y) - m[c]) ** 2)[valid], minlength=D)
            s2 = dev2 / W * n_d / (n_d - 1)
            vsrs = s2 * (W - n_d) / (W * n_d)
            deff = var / vsrs
        rows = np.bincount(codes[codes >= 0], minlength=D)
        parts = dict(codes=np.where(valid, codes, -1), u=u, W=W, m=m, n=n_d, s2=s2, shown=shown, rows=rows, cov=cov)
        return self._frame(labels, m, np.sqrt(var), df_d, n_d, deff), parts

    def nested_difference(self, var: str, inner) -> dict:
        """The mean of `var` in the domain `inner` minus its mean over the whole design, with the
        linearised SE of the difference (both means on this one design, so their covariance enters):
        as R's svycontrast(svytotal(~I(y*c) + c + y + one), quote(yc/c - y/one)) with y and c zero
        where y is missing. For a sensitivity check: the level without some respondents against
        the level with them."""
        y = self._numeric(var)
        inside = self._mask(inner, "nested_difference(inner=...)")
        dom = self.domain
        valid = ~np.isnan(y) & dom
        sub = valid & inside
        w, y0 = self.w, np.nan_to_num(y)
        W_all, W_in = w[valid].sum(), w[sub].sum()
        m_all, m_in = (w * y0)[valid].sum() / W_all, (w * y0)[sub].sum() / W_in
        u = np.where(sub, w * (y0 - m_in) / W_in, 0.0) - np.where(valid, w * (y0 - m_all) / W_all, 0.0)
        var = float(design_covariance(u[:, None], self.strata, self.lonely_psu, self.calibration)[0, 0])
        df = self.degf if self._domain is None else int(self._psus(dom) - len(np.unique(self.strata.codes[dom])))
        se = np.sqrt(var)
        half = float(self._t(df)) * se
        diff = m_in - m_all
        return {"estimate_all": m_all, "estimate_inner": m_in, "difference": diff, "se": se,
                "ci_low": diff - half, "ci_high": diff + half, "df": df,
                "n_all": int(valid.sum()), "n_inner": int(sub.sum())}

    def proportion(self, var: str, by=None, *, method: str = "logit") -> pd.DataFrame:
        """Share with var == 1 and its interval, as svyciprop(method = ...):

        "logit"  (default) Wald interval on the logit scale, t on the domain df (svyglm intercept);
        "xlogit" the same from svymean by the delta method (R: svycontrast of log(p/(1-p)); for one
                 share it equals "logit");
        "beta"   Korn & Graubard (1998): Clopper-Pearson with the effective sample size
                 n_eff = p(1-p)/se^2, scaled by (t_{n-1}/t_df)^2 with n the domain's rows.

        At a share of 0 or 1 the design SE is 0: R's logit/xlogit give no interval and its beta gives
        NaN (0/0). Here "beta" then uses n_eff = the domain's respondents with an answer, so the
        interval is Clopper-Pearson on n (e.g. 0 of 44 -> 0 to 8.0%) and never has zero width; the
        logit methods keep the zero-width interval with a note. n for the df scaling counts the
        domain's rows also for a calibrated design (R counts all rows of a calibrated design there)."""
        if method not in PROPORTION_METHODS:
            raise DesignError(f"proportion: method must be one of {', '.join(map(repr, PROPORTION_METHODS))}; "
                              f"got {method!r}")
        y = self._numeric(var)
        vals = np.unique(y[~np.isnan(y)])
        if not np.isin(vals, [0, 1]).all():
            raise DesignError(f"proportion('{var}'): expected values 0/1 (or missing), found {vals[:8].tolist()}")
        out, parts = self._mean(y, by)
        rows = parts["rows"]
        out = self._shown(out, parts["shown"])
        rows = rows[parts["shown"]]
        p, se, df = out["estimate"].to_numpy(), out["se"].to_numpy(), out["df"].to_numpy(float)
        edge = (p == 0) | (p == 1)
        if method == "beta":
            lo, hi = _korn_graubard(p, se, df, out["n"].to_numpy(float), rows, self.level)
            out.loc[edge, "note"] = "aandeel 0 of 1: Clopper-Pearson-interval op n"
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                eta = np.log(p / (1 - p))
                se_eta = se / (p * (1 - p))
                half = self._t(df) * se_eta
                lo, hi = 1 / (1 + np.exp(-(eta - half))), 1 / (1 + np.exp(-(eta + half)))
            lo, hi = np.where(edge, p, lo), np.where(edge, p, hi)
            out.loc[edge, "note"] = "aandeel 0 of 1: geen logit-interval"
        out["ci_low"], out["ci_high"] = lo, hi
        return out

    def total(self, var: str, by=None) -> pd.DataFrame:
        """Weighted total per domain (missing values count as outside the domain, as na.rm = TRUE)."""
        y = self._numeric(var)
        codes, labels, shown = self._domains(by)
        D = len(labels)
        valid = ~np.isnan(y) & (codes >= 0)
        c = np.where(valid, codes, 0)
        u = np.where(valid, self.w * np.nan_to_num(y), 0.0)
        T = np.bincount(c[valid], weights=u[valid], minlength=D)
        var_ = domain_variance(u, np.where(valid, codes, -1), D, self.strata, self.lonely_psu, self.calibration)
        n_d, df_d = self._df_domains(valid, codes, D)
        W = np.bincount(c[valid], weights=self.w[valid], minlength=D)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.bincount(c[valid], weights=(self.w * np.nan_to_num(y))[valid], minlength=D) / W
            dev2 = np.bincount(c[valid], weights=(self.w * (np.nan_to_num(y) - m[c]) ** 2)[valid], minlength=D)
            s2 = dev2 / W * n_d / (n_d - 1)
            vsrs = s2 * W ** 2 * (W - n_d) / (W * n_d)
            deff = var_ / vsrs
        return self._shown(self._frame(labels, T, np.sqrt(var_), df_d, n_d, deff), shown)

    def compare(self, var: str, by, reference, *, within=None) -> pd.DataFrame:
        """Each domain of `by` against `reference`: difference of means with design-based SE, t test on
        the df of the two domains together (as svyttest on that subset) and Cohen's d with the pooled
        weighted SD. Multiple-testing correction is not done here: a chapter corrects its whole declared
        family once (`pipeline.disclosure.publish.publish_all`).

        within: column(s) whose levels each get their own comparison (e.g. the change between two
        waves per group): the domains are within x by, each compared with the reference level of `by`
        in the same `within` level; levels without a reference domain are left out. One pass over the
        data instead of one call per level."""
        cols, wcols = _as_list(by), _as_list(within)
        y = self._numeric(var)
        est, parts = self._mean(y, wcols + cols)
        shown = parts["shown"]
        ref = reference if isinstance(reference, tuple) else (reference,)
        match = shown.copy()
        for c, r in zip(cols, ref):
            match &= est[c].astype(str).to_numpy() == str(r)
        if not wcols and match.sum() != 1:
            raise DesignError(f"compare: reference {reference!r} is not a non-empty level of {cols}; "
                              f"levels: {est[shown][cols].astype(str).agg('/'.join, axis=1).tolist()}")
        # the reference domain of every domain: same `within` level, reference level of `by`
        wkey = est[wcols].astype(str).agg("\x1f".join, axis=1) if wcols else pd.Series("", index=est.index)
        ref_of = dict(zip(wkey[match], np.flatnonzero(match)))
        D = len(est)
        r = np.array([ref_of.get(k, -1) for k in wkey], dtype=np.int64)
        keep = (r >= 0) & (r != np.arange(D)) & shown
        r = np.where(r >= 0, r, np.arange(D))  # placeholder for domains without a reference; dropped below
        codes, u = parts["codes"], parts["u"]
        var_diff = difference_variance(u, codes, r, self.strata, self.lonely_psu, self.calibration)
        valid = codes >= 0
        H = self.strata.n_strata
        present = np.bincount(self.strata.codes[valid] * D + codes[valid], minlength=H * D).reshape(H, D) > 0
        pair_strata = (present | present[:, r]).sum(axis=0)
        n = parts["n"]
        M = self._psu_presence(valid, codes, D)
        if M is None:
            units = n + n[r]
        else:  # PSUs in either domain: those in both (a person in both waves) count once
            both = (M.T @ M).toarray()
            units = np.diag(both) + np.diag(both)[r] - both[np.arange(D), r]
        df = units - pair_strata - 1
        m = est["estimate"].to_numpy()
        diff = m - m[r]
        se = np.sqrt(var_diff)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = diff / se
            p = 2 * stats.t.sf(np.abs(t), np.maximum(df, 1))
            s2 = parts["s2"]
            pooled = np.sqrt(((n - 1) * s2 + (n[r] - 1) * s2[r]) / (n + n[r] - 2))
            d = diff / pooled
        half = self._t(df) * se
        out = est[wcols + cols].copy()
        out["reference"] = "/".join(map(str, ref))
        out["estimate"] = m
        out["ref_estimate"] = m[r]
        out["difference"], out["se"] = diff, se
        out["ci_low"], out["ci_high"] = diff - half, diff + half
        out["t"], out["df"], out["p"] = t, df, p
        out["cohens_d"] = d
        out["n"], out["n_ref"] = n, n[r]
        out = out[keep].reset_index(drop=True)
        out["note"] = np.where(out["df"] < 1, NOTE_FEW, "")
        return out

    def glm(self, formula: str, family: str = "gaussian", *, subset=None) -> GLMResult:
        """Survey-weighted GLM (svyglm): point estimates from weighted IRLS, sandwich variance from the
        design (Binder 1983). family 'gaussian' (identity) or 'binomial' (logit; as quasibinomial).

        subset: fit on that domain (booleans aligned to the design rows), as svyglm(design =
        subset(design, ...)): rows outside contribute nothing but stay in their strata. The result
        reads as the tidy coefficient table and carries `vcov` and `contrast()`."""
        from statsmodels.genmod import families
        from statsmodels.genmod.generalized_linear_model import GLM  # not statsmodels.api: 0.3 s less per kernel

        fam = {"gaussian": families.Gaussian(), "binomial": families.Binomial(),
               "quasibinomial": families.Binomial()}.get(family)
        if fam is None:
            raise DesignError(f"glm: family must be 'gaussian' or 'binomial', got {family!r}")
        inside = None if subset is None else self._mask(subset, "glm(subset=...)")
        if self._domain is not None:
            inside = self._domain if inside is None else inside & self._domain
        yv, Xv, terms, rows = design_matrices(self.data, formula)
        if inside is not None and not inside[rows].all():
            sel = inside[rows]
            yv, Xv, rows = yv[sel], Xv[sel], rows[sel]
        w = self.w[rows]
        if family == "gaussian":  # identity link: IRLS is weighted least squares, solved in one step
            sw = np.sqrt(w)
            beta, _, rank, _ = np.linalg.lstsq(Xv * sw[:, None], yv * sw, rcond=None)
            mu = Xv @ beta
        else:
            rank = np.linalg.matrix_rank(Xv)
        if rank < Xv.shape[1]:  # same SVD tolerance as matrix_rank
            raise DesignError(f"glm: the model matrix of '{formula}' is rank deficient (an empty or "
                              "collinear category); merge categories first")
        if family != "gaussian":
            fit = GLM(yv, Xv, family=fam, var_weights=w).fit()
            beta, mu = fit.params, fit.fittedvalues
        vmu = np.ones_like(mu) if family == "gaussian" else mu * (1 - mu)
        A = (Xv * (w * vmu)[:, None]).T @ Xv
        Ainv = np.linalg.inv(A)
        est = np.zeros((len(self.w), Xv.shape[1]))
        est[rows] = (Xv * (w * (yv - mu))[:, None]) @ Ainv
        V = design_covariance(est, self.strata, self.lonely_psu, self.calibration)
        used = np.zeros(len(self.w), dtype=bool)
        used[rows] = True
        df_res = int(self._psus(used) - len(np.unique(self.strata.codes[used])) + 1 - Xv.shape[1])
        return GLMResult(terms, beta, V, df_res, int(used.sum()), self.level, formula=formula, family=family)

    def chisq(self, a: str, b: str) -> pd.DataFrame:
        """Rao-Scott second-order corrected F test of independence, as svychisq(statistic = "F");
        on a subset, within its domain (N and the denominator df those of the domain)."""
        ra, rb = self.data[a], self.data[b]
        ok = (ra.notna() & rb.notna()).to_numpy()
        if self._domain is not None:
            ok &= self._domain
        la, ia = np.unique(ra[ok].astype(str), return_inverse=True)
        lb, ib = np.unique(rb[ok].astype(str), return_inverse=True)
        nr, nc = len(la), len(lb)
        if nr < 2 or nc < 2:
            raise DesignError(f"chisq: '{a}' and '{b}' need at least two observed categories each "
                              f"(found {nr} and {nc})")
        rows_n = len(self.w)
        N = rows_n if self._domain is None else int(self._domain.sum())
        cell = np.full(rows_n, -1)
        cell[ok] = ia + nr * ib                     # rows vary fastest, as R's interaction()
        K = nr * nc
        w = self.w
        Wt = w[ok].sum()
        mm = np.zeros((rows_n, K))
        mm[np.flatnonzero(ok), cell[ok]] = 1.0
        p = (mm * w[:, None]).sum(axis=0) / Wt
        U = np.where(ok[:, None], (mm - p) * (w / Wt)[:, None], 0.0)
        V = design_covariance(U, self.strata, self.lonely_psu, self.calibration)
        rows = np.tile(np.arange(nr), nc)
        cols = np.repeat(np.arange(nc), nr)
        X1 = np.column_stack([np.ones(K), *(rows == i for i in range(1, nr)), *(cols == j for j in range(1, nc))]).astype(float)
        X12 = np.column_stack([(rows == i) & (cols == j) for j in range(1, nc) for i in range(1, nr)]).astype(float)
        Q, _ = np.linalg.qr(X1)
        C = X12 - Q @ (Q.T @ X12)
        iD = np.diag(np.where(p == 0, 0, 1 / np.where(p == 0, 1, p)))
        denom = C.T @ (iD / N) @ C
        numr = C.T @ iD @ V @ iD @ C
        Delta = np.linalg.solve(denom, numr)
        tr = np.trace(Delta)
        d0 = tr ** 2 / np.trace(Delta @ Delta)
        tab = (p * N).reshape(nc, nr).T
        E = np.outer(tab.sum(1), tab.sum(0)) / N
        X2 = float(np.sum(np.where(E > 0, (tab - E) ** 2 / np.where(E > 0, E, 1), 0)))
        nu = self.degf
        F = X2 / tr
        return pd.DataFrame([{"F": F, "ndf": d0, "ddf": d0 * nu, "p": stats.f.sf(F, d0, d0 * nu),
                              "chisq": X2, "n": int(ok.sum())}])

    # --- calibration -----------------------------------------------------------------------------

    def without_fpc(self) -> "SurveyDesign":
        """The same design without the finite-population correction: for model-based
        (superpopulation) inference on regression coefficients, gap changes and trends."""
        import dataclasses
        st = self.strata
        if st.N_h is None:
            return self
        lonely = st.n_h < 2
        scale = np.where(lonely, 1.0, st.n_h / np.maximum(st.n_h - 1, 1))
        return self._parts(strata=dataclasses.replace(st, N_h=None, scale_h=scale))

    def calibrate(self, margins: dict[str, dict], *, trim: tuple[float, float] | None = None,
                  max_iter: int = 100, tol: float = 1e-10) -> "SurveyDesign":
        """A raked design whose SEs account for the calibration, as calibrate(calfun = "raking")."""
        from pipeline.survey.rake import calibrate_g, margin_matrix, trim_g

        if self.calibration is not None:
            raise DesignError("calibrate: this design is already calibrated")
        if self._domain is not None:
            raise DesignError("calibrate: calibrate the full design, then take subset()")
        X, totals, _ = margin_matrix(self.data, margins)
        g, _, ok = calibrate_g(X, self.w, totals, max_iter=max_iter, tol=tol)
        if not ok:
            raise DesignError("calibrate: raking did not converge; check the margins")
        if trim is not None:
            g, _ = trim_g(g, self.w, trim)
        whalf = np.sqrt(self.w)
        q, _ = np.linalg.qr(X * whalf[:, None])
        return self._parts(w=self.w * g, calibration=Calibration(q=q, mult=g * whalf))


def _korn_graubard(p, se, df, n, rows, level):
    """Korn-Graubard interval (svyciprop(method = "beta")); n_eff = n where the SE is 0 at p = 0 or 1."""
    alpha = 1 - level
    edge = (p == 0) | (p == 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(edge, n, p * (1 - p) / se ** 2)
        ok = (df >= 1) & (rows >= 2)
        scale = (stats.t.ppf(alpha / 2, np.maximum(rows - 1, 1)) / stats.t.ppf(alpha / 2, np.maximum(df, 1))) ** 2
        n_eff = np.where(ok, n_eff * scale, np.nan)
        a, b = n_eff * p, n_eff * (1 - p)
        lo = np.where(p == 0, 0.0, stats.beta.ppf(alpha / 2, a, b + 1))
        hi = np.where(p == 1, 1.0, stats.beta.ppf(1 - alpha / 2, a + 1, b))
        census = ~edge & (se == 0)  # no sampling error (a census domain): the share itself
    lo, hi = np.where(census, p, lo), np.where(census, p, hi)
    return np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


def _check_options(lonely_psu, level) -> None:
    if lonely_psu not in LONELY_PSU:
        raise DesignError(f"lonely_psu must be one of {', '.join(map(repr, LONELY_PSU))}; got {lonely_psu!r}")
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise DesignError(f"level must be a confidence level between 0 and 1 (e.g. 0.95); got {level!r}")


def stack(designs: dict, label: str = "golf", *, person: str | None = None) -> SurveyDesign:
    """Stack waves into one design, each wave's weights and calibration kept (the calibration
    residuals are taken per wave, a block-diagonal projection). A wave that is a subset keeps its domain.

    person=None: the waves are independent samples. Strata = wave x stratum with each wave's FPC;
    the waves' strata are disjoint, so a difference between waves gets variance var1 + var2.

    person="<column>": linked waves. The person is the PSU, so one person's rows in different waves
    are one cluster and the covariance between overlapping waves enters every variance, as R's
    svydesign(ids = ~person, weights = ~w) on the stacked rows. No strata: a person moves between
    directorates, so wave x directorate strata would cut through the clusters (R refuses PSUs that cross
    strata), and strata constant per person do not exist for someone who changes directorate; dropping
    them only loses the small gain of stratifying by directorate. No FPC: the persons are taken as
    drawn with replacement, so changes and trends describe the process that generates the waves,
    not only this finite workforce. A row without a key (a wave without one) is its own PSU.

    Every estimator (glm with a wave term, Rao-Scott tables by wave) works on the stacked design.
    """
    parts, weights, strata, fpc, qs, mults = [], [], [], [], [], []
    lonely = {d.lonely_psu for d in designs.values()}
    for wave, d in designs.items():
        parts.append(d.data.assign(**{label: wave}))
        weights.append(d.w)
        strata.append(np.char.add(f"{wave}|", d.strata.labels[d.strata.codes].astype(str)))
        fpc.append(None if d.strata.N_h is None else d.strata.N_h[d.strata.codes])
        qs.append(d.calibration.q if d.calibration is not None else None)
        mults.append(d.calibration.mult if d.calibration is not None else None)
    data = pd.concat(parts, ignore_index=True)
    w = np.concatenate(weights)
    lonely_psu = lonely.pop() if len(lonely) == 1 else "adjust"
    if person is None:
        has_fpc = all(f is not None for f in fpc)
        st = make_strata(np.concatenate(strata), np.concatenate(fpc) if has_fpc else None, len(w), lonely_psu)
        names = (None, "_stratum", None)
    else:
        key = data[person].astype("object") if person in data else pd.Series(np.nan, index=data.index, dtype=object)
        own = pd.Series([f"\x00{label}={v}|{i}" for i, v in enumerate(data[label])], index=data.index)
        st = make_strata(None, None, len(w), lonely_psu, psu=key.where(key.notna(), own).astype(str).to_numpy())
        names = (None, None, None)
    calibration = None
    if any(q is not None for q in qs):
        n = [len(p) for p in parts]
        cols = [q.shape[1] if q is not None else 0 for q in qs]
        Q = np.zeros((sum(n), sum(cols)))
        mult = np.ones(sum(n))
        blocks = []
        r = c = 0
        for q, m, ni, ci in zip(qs, mults, n, cols):
            if q is not None:
                Q[r:r + ni, c:c + ci] = q
                mult[r:r + ni] = m
                blocks.append((r, r + ni, c, c + ci))
            # an uncalibrated wave: residuals equal the values (mult 1, no projection)
            r, c = r + ni, c + ci
        calibration = Calibration(q=Q, mult=mult, blocks=tuple(blocks))
    domain = None
    if any(len(d.domain) and not d.domain.all() for d in designs.values()):
        domain = np.concatenate([d.domain for d in designs.values()])
    return SurveyDesign._from_parts(data, w, st, names=names, lonely_psu=lonely_psu,
                                    level=next(iter(designs.values())).level, calibration=calibration,
                                    domain=domain)


def linked_panel(designs: dict, person: str, label: str = "golf", *, frame_overlap: dict | None = None) -> SurveyDesign:
    """Waves as one design in the frame of the levels: each wave keeps its strata, FPC and calibration
    (strata = wave x stratum, as the independent `stack`), and every variance adds, for each pair of
    waves, the covariance estimated from the respondents both waves share, linked by `person`
    (`pipeline.survey.variance.Panel`: the linked-panel estimator, Berger 2004; Qualité & Tillé 2008).
    A level of one wave has the variance of its own design; a change, a difference-in-differences or a
    trend over waves gets V_a + V_b - 2 C_ab.

    frame_overlap: {(wave a, wave b): Series of the number of persons in both waves' frames, indexed by
    (stratum in a, stratum in b)} (from the registers: who was on the staff in both years), for the
    overlap chance alone would give. Without it for a pair: a stable workforce (everyone of stratum h in
    frame a is in stratum h of frame b, at most the smaller of the two), which overstates that chance
    overlap and so understates the covariance (conservative)."""
    waves = list(designs)
    base = stack(designs, label)
    offsets = np.cumsum([0, *(len(d.w) for d in designs.values())])
    pairs = []
    for i, a in enumerate(waves):
        for j in range(i + 1, len(waves)):
            b = waves[j]
            da, db = designs[a], designs[b]
            ka, kb = _keys(da, person), _keys(db, person)
            shared = ka.index.intersection(kb.index)
            ra, rb = ka.reindex(shared).to_numpy(), kb.reindex(shared).to_numpy()
            sa, sb = da.strata, db.strata
            cells = sa.codes[ra]
            m = np.bincount(cells, minlength=sa.n_strata).astype(float)
            fa = np.zeros(sa.n_strata) if sa.N_h is None else sa.n_h / sa.N_h
            fb = pd.Series(np.zeros(sb.n_strata) if sb.N_h is None else sb.n_h / sb.N_h, index=sb.labels.astype(str))
            both = None if frame_overlap is None else frame_overlap.get((a, b))
            if both is None:  # a stable workforce: the same staff, per stratum, in both frames
                Na = pd.Series(np.nan if sa.N_h is None else sa.N_h, index=sa.labels.astype(str))
                Nb = pd.Series(np.nan if sb.N_h is None else sb.N_h, index=sb.labels.astype(str))
                common = Na.index.intersection(Nb.index)
                both = pd.Series(np.minimum(Na[common], Nb[common]).to_numpy(),
                                 index=pd.MultiIndex.from_arrays([common, common]))
            both = both.dropna()
            both.index = pd.MultiIndex.from_arrays([both.index.get_level_values(0).astype(str),
                                                    both.index.get_level_values(1).astype(str)])
            chance_b = (both * fb.reindex(both.index.get_level_values(1)).fillna(0).to_numpy()).groupby(level=0).sum()
            expected = fa * chance_b.reindex(sa.labels.astype(str)).fillna(0).to_numpy()
            pairs.append(PanelPair(rows_a=ra + offsets[i], rows_b=rb + offsets[j], cells=cells,
                                   factor=panel_factor(m, expected), waves=(i, j)))
    import dataclasses
    # the wave of each stacked stratum (labels "<wave>|<stratum>", as `stack` writes them)
    position = {str(w): k for k, w in enumerate(waves)}
    stratum_wave = np.array([position[str(lab).split("|", 1)[0]] for lab in base.strata.labels], dtype=np.int64)
    st = dataclasses.replace(base.strata, panel=Panel(tuple(pairs), stratum_wave=stratum_wave))
    return base._parts(strata=st)


def _keys(design: SurveyDesign, person: str) -> pd.Series:
    """Row position per person key (rows without a key, or a key used twice, are left out)."""
    if person not in design.data:
        return pd.Series(dtype=np.int64)
    k = design.data[person]
    s = pd.Series(np.arange(len(k)), index=k.astype("object"))
    s = s[s.index.notna()]
    return s[~s.index.duplicated(keep=False)]

"""Gap decomposition: how much of a group's gap is explained by differences in composition.

Why: "raw minus adjusted" compared two samples (everyone and the complete cases), had no SE and was
read as a "direct effect" — a causal claim that needs no unmeasured mediator-outcome confounding, while
pay scale and directorate are partly mediators themselves (issue 26). Here, on ONE sample (the group
and its reference group with every covariate known) and ONE design, the raw gap is split twofold
(Oaxaca-Blinder with the pooled coefficients of a model with a group indicator; Fortin 2008, Jann 2008):

    gap = (mean X_group - mean X_ref)' b  +  d
          explained by composition           not explained by these characteristics

b from the survey-weighted least-squares fit y ~ group + covariates on the two groups (d is the group
coefficient, so the parts add up exactly); the explained part is split per covariate (pay scale, age,
tenure, directorate: the sum over that covariate's columns). SEs: linearisation on the design, the
influence values of the means and of the coefficients stacked into one covariance pass (delta method for
the products), so each part's SE accounts for its covariance with the others. Not causal: "explained"
means "goes with differences in these characteristics", nothing more.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.survey import SurveyDesign
from pipeline.survey.formula import design_matrices
from pipeline.survey.variance import design_covariance

TOTAL = "totaal"


def _block(term: str) -> str:
    """The covariate a model column belongs to: 'C(schaalband)[T.10-11]' -> 'schaalband'."""
    name = term.split("[")[0]
    return name[2:-1].split(",")[0].strip() if name.startswith("C(") else name


def decompose(design: SurveyDesign, outcome: str, dim: str, group: str, reference: str,
              covariates: list[str]) -> pd.DataFrame:
    """Rows (part, estimate, se, ci_low, ci_high, p, n, n_ref): part 'gap' (the raw gap on the sample),
    'explained' with one row per covariate ('explained:<covariate>') and 'unexplained'."""
    return decompose_groups(design, outcome, dim, [group], reference, covariates).drop(columns="group")


def decompose_groups(design: SurveyDesign, outcome: str, dim: str, groups: list[str], reference: str,
                     covariates: list[str]) -> pd.DataFrame:
    """`decompose` for several groups of one dimension against the same reference group (the model
    matrix is built once)."""
    formula = f"{outcome} ~ 1" + "".join(f" + {c}" for c in covariates)
    y_all, X_all, terms0, rows_all = design_matrices(design.data, formula)
    g_all = design.data[dim].astype("object").to_numpy()[rows_all]
    ok = design.domain[rows_all]
    out = []
    for group in groups:
        two = ok & ((g_all == str(group)) | (g_all == str(reference)))
        if not two.any():
            continue
        grp_col = (g_all[two] == str(group)).astype(float)
        Xv = np.column_stack([X_all[two][:, :1], grp_col, X_all[two][:, 1:]])
        terms = [terms0[0], "_grp", *terms0[1:]]
        r = _decompose(design, y_all[two], Xv, terms, rows_all[two])
        if len(r):
            out.append(r.assign(group=str(group)))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _decompose(design: SurveyDesign, yv: np.ndarray, Xv: np.ndarray, terms: list[str], rows: np.ndarray) -> pd.DataFrame:
    n_all = len(design.w)
    grp = Xv[:, terms.index("_grp")] == 1
    n, n_ref = int(grp.sum()), int((~grp).sum())
    if n < 2 or n_ref < 2:
        return pd.DataFrame()
    # drop columns without variation in the sample (an empty category), keep the intercept and _grp
    var = Xv.std(axis=0) > 0
    var[[terms.index("Intercept"), terms.index("_grp")]] = True
    Xv, terms = Xv[:, var], [t for t, v in zip(terms, var) if v]
    w = design.w[rows]
    Xw = Xv * w[:, None]
    Ainv = np.linalg.pinv(Xw.T @ Xv)        # normal equations: k x k, no SVD of the n x k matrix
    beta = Ainv @ (Xw.T @ yv)
    resid = yv - Xv @ beta
    infl_b = (Xv * (w * resid)[:, None]) @ Ainv      # influence values on the sample's rows only
    # group means of y and of every column, with their influence values (domain means)
    Wa, Wb = w[grp].sum(), w[~grp].sum()
    Z = np.column_stack([yv, Xv])
    ma = (w[grp, None] * Z[grp]).sum(axis=0) / Wa
    mb = (w[~grp, None] * Z[~grp]).sum(axis=0) / Wb
    infl_m = np.where(grp[:, None], w[:, None] * (Z - ma) / Wa, -w[:, None] * (Z - mb) / Wb)
    dm = ma - mb                          # dm[0]: the raw gap; dm[1:]: differences of the X means
    dx, ib, ix = dm[1:], infl_b, infl_m[:, 1:]
    blocks = [b for b in dict.fromkeys(_block(t) for t in terms) if b not in ("Intercept", "_grp")]
    parts, infl = {"gap": dm[0]}, {"gap": infl_m[:, 0]}
    explained_cols = [j for j, t in enumerate(terms) if _block(t) not in ("Intercept", "_grp")]
    for b in blocks:
        cols = [j for j, t in enumerate(terms) if _block(t) == b]
        parts[f"explained:{b}"] = float(dx[cols] @ beta[cols])
        infl[f"explained:{b}"] = ix[:, cols] @ beta[cols] + ib[:, cols] @ dx[cols]
    parts["explained"] = float(dx[explained_cols] @ beta[explained_cols])
    infl["explained"] = ix[:, explained_cols] @ beta[explained_cols] + ib[:, explained_cols] @ dx[explained_cols]
    j = terms.index("_grp")
    parts["unexplained"], infl["unexplained"] = float(beta[j]), ib[:, j]
    names = list(parts)
    U = np.zeros((n_all, len(names)))           # rows outside the sample: zero influence, still in their strata
    U[rows] = np.column_stack([infl[k] for k in names])
    V = design_covariance(U, design.strata, design.lonely_psu, design.calibration)
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    used = np.zeros(n_all, dtype=bool)
    used[rows] = True
    df = max(int(used.sum() - len(np.unique(design.strata.codes[used])) + 1 - Xv.shape[1]), 1)
    est = np.array([parts[k] for k in names])
    half = stats.t.ppf(0.5 + design.level / 2, df) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.t.sf(np.abs(est / se), df)
    return pd.DataFrame({"part": names, "estimate": est, "se": se, "ci_low": est - half, "ci_high": est + half,
                         "p": p, "df": df, "n": n, "n_ref": n_ref})


COVARIATE_NL = {"schaalband": "salarisschaal", "salarisschaal": "salarisschaal", "leeftijdsband": "leeftijd",
                "dienstjaren": "dienstjaren", "directie_code": "directie"}


def decomposition_table(design: SurveyDesign, constructs: list[str], dims: list[str], references: dict,
                        covariates, family: str = "ontleding") -> "Result":
    """One row per construct x group: the raw gap on the decomposition's sample, the part explained by
    composition (total and per covariate) and the part not explained, each with SE and interval; the
    explained and unexplained parts are tested (family `family`, exploratory). `covariates`:
    dimension -> formula terms (config `models.adjusted_gap`, minus what overlaps the dimension)."""
    from pipeline.disclosure.publish import Estimates, GroupSizes, Result
    from pipeline.labels import group as label
    from pipeline.results import Tidy
    rows = []
    for c in constructs:
        for dim in dims:
            ref = str(references[dim])
            levels = sorted(x for x in design.data[dim].dropna().astype(str).unique() if x != ref)
            r = decompose_groups(design, c, dim, levels, ref, covariates(dim))
            if r.empty:
                continue
            for grp, part in r.groupby("group", sort=False):
                p = part.set_index("part")
                row = {"construct": c, "dimension": dim, "group": grp, "group_label": label(dim, grp),
                       "reference": label(dim, ref), "reference_key": ref, "n": int(p["n"].iloc[0]),
                       "n_ref": int(p["n_ref"].iloc[0])}
                for key, prefix in (("gap", "kloof"), ("explained", "verklaard"), ("unexplained", "niet_verklaard")):
                    row |= {prefix: p.loc[key, "estimate"], f"{prefix}_se": p.loc[key, "se"],
                            f"{prefix}_laag": p.loc[key, "ci_low"], f"{prefix}_hoog": p.loc[key, "ci_high"]}
                row["p"], row["p_niet_verklaard"] = p.loc["explained", "p"], p.loc["unexplained", "p"]
                parts = [k for k in p.index if k.startswith("explained:")]
                for k in parts:
                    row[f"deel:{k.split(':', 1)[1]}"] = p.loc[k, "estimate"]
                    row[f"deel_se:{k.split(':', 1)[1]}"] = p.loc[k, "se"]
                rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("p_bh", "p_niet_verklaard_bh"):
        out[col] = np.nan
    nan = lambda t: np.full(len(t), np.nan)  # noqa: E731
    tidy = (Tidy("gap_explained", {"indicator": "construct", "estimate": "verklaard", "se": "verklaard_se",
                                   "ci_low": "verklaard_laag", "ci_high": "verklaard_hoog", "reference": "reference_key"},
                 {"category": TOTAL}),
            Tidy("gap_unexplained", {"indicator": "construct", "estimate": "niet_verklaard", "se": "niet_verklaard_se",
                                     "ci_low": "niet_verklaard_laag", "ci_high": "niet_verklaard_hoog",
                                     "p": "p_niet_verklaard", "p_bh": "p_niet_verklaard_bh",
                                     "reference": "reference_key"}),
            *(Tidy("gap_explained", {"indicator": "construct", "estimate": f"deel:{cv}", "se": f"deel_se:{cv}",
                                     "ci_low": nan, "ci_high": nan, "p": nan, "p_bh": nan,
                                     "reference": "reference_key"}, {"category": cv})
              for cv in dict.fromkeys(k.split(":", 1)[1] for k in out.columns if k.startswith("deel:"))))
    sizes = (GroupSizes.of(design.data, dims),)
    return Result(out, Estimates(n=("n", "n_ref"), sizes=sizes, reference="reference_key"), family=family,
                  p=("p", "p_niet_verklaard"), tidy=tidy)

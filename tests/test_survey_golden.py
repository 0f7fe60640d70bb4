"""The survey engine agrees with R survey 4.x to a relative 1e-6 (golden values from
tests/golden/make_golden.R: strata with FPC, unequal weights, missing values, raking calibration)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.survey import SurveyDesign, rake

GOLDEN = Path(__file__).parent / "golden"
RTOL = 1e-6


@pytest.fixture(scope="module")
def data():
    d = pd.read_csv(GOLDEN / "golden_data.csv")
    return d


@pytest.fixture(scope="module")
def margins():
    m = pd.read_csv(GOLDEN / "golden_margins.csv")
    return {var: dict(zip(g["level"], g["N"].astype(float))) for var, g in m.groupby("var", sort=False)}


@pytest.fixture(scope="module")
def designs(data, margins):
    strat = SurveyDesign(data, weights="w", strata="stratum", fpc="N_h")
    return {"strat": strat, "cal": strat.calibrate(margins, tol=1e-13)}


@pytest.fixture(scope="module")
def golden():
    return pd.read_csv(GOLDEN / "golden_results.csv", keep_default_na=False, na_values=["NA"])


def close(a, b, rtol=RTOL):
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=1e-12, equal_nan=True)


def pick(g, design, what, by=""):
    return g[(g.design == design) & (g.what == what) & (g.by == by)].reset_index(drop=True)


def _check(ours, theirs, cols=("estimate", "se", "ci_low", "ci_high", "df")):
    se = np.asarray(theirs["se"], float)
    for c in cols:
        # interval ends near zero: judge them relative to their standard error, not to their size
        atol = 1e-6 * se if c.startswith("ci_") else 1e-12
        ok = np.allclose(np.asarray(ours[c], float), np.asarray(theirs[c], float), rtol=RTOL, atol=0, equal_nan=True) \
            or np.all(np.abs(np.asarray(ours[c], float) - np.asarray(theirs[c], float)) <= RTOL * np.abs(np.asarray(theirs[c], float)) + atol)
        assert ok, f"{c}: ours {np.asarray(ours[c])} vs R {np.asarray(theirs[c])}"


@pytest.mark.parametrize("dn", ["strat", "cal"])
@pytest.mark.parametrize("by", [None, "g", ["g", "g2"]])
def test_mean(designs, golden, dn, by):
    byname = "" if by is None else "+".join([by] if isinstance(by, str) else by)
    r = pick(golden, dn, "mean", byname)
    ours = designs[dn].mean("y", by=by)
    if by is not None:  # R's svyby varies the first by-variable fastest; compare by label
        cols = [by] if isinstance(by, str) else by
        ours = ours.assign(level=ours[cols].astype(str).agg("/".join, axis=1)).set_index("level").loc[r["level"]]
    _check(ours, r, ("estimate", "se", "ci_low", "ci_high", "df", "deff"))


@pytest.mark.parametrize("dn", ["strat", "cal"])
@pytest.mark.parametrize("by", [None, "g"])
def test_proportion_logit_interval(designs, golden, dn, by):
    r = pick(golden, dn, "proportion", by or "")
    _check(designs[dn].proportion("d", by=by), r)


@pytest.mark.parametrize("dn", ["strat", "cal"])
@pytest.mark.parametrize("by", [None, "g"])
def test_total(designs, golden, dn, by):
    r = pick(golden, dn, "total", by or "")
    _check(designs[dn].total("d", by=by), r, ("estimate", "se", "df", "deff"))


@pytest.mark.parametrize("dn", ["strat", "cal"])
def test_compare_against_reference(designs, golden, dn):
    r = pick(golden, dn, "compare", "g")
    ours = designs[dn].compare("y", by="g", reference="a")
    assert ours["g"].tolist() == r["level"].tolist()
    assert close(ours["difference"], r["estimate"]) and close(ours["se"], r["se"])
    assert close(ours["df"], r["df"]) and close(ours["ci_low"], r["ci_low"]) and close(ours["ci_high"], r["ci_high"])


@pytest.mark.parametrize("dn", ["strat", "cal"])
@pytest.mark.parametrize("family,formula", [("gaussian", "y ~ C(g) + x"), ("binomial", "d ~ C(g) + x")])
def test_glm(designs, golden, dn, family, formula):
    r = pick(golden, dn, f"glm_{family}")
    ours = designs[dn].glm(formula, family=family)
    assert len(ours) == len(r)
    _check(ours, r)
    # R's svyglm takes its working weights from the IRLS step before convergence, which moves SEs by
    # up to ~1e-6 (relative); a p-value amplifies that by about t^2, hence the looser tolerance here.
    assert close(ours["p"], r["level"].astype(float), rtol=1e-4)


@pytest.mark.parametrize("dn", ["strat", "cal"])
def test_rao_scott_f(designs, golden, dn):
    r = pick(golden, dn, "chisq")
    ours = designs[dn].chisq("a", "b").iloc[0]
    assert close(ours["F"], r["estimate"]) and close(ours["ndf"], r["se"]) and close(ours["ddf"], r["df"])
    assert close(ours["p"], float(r["level"].iloc[0]))


def test_raked_weights_equal_r_calibrate(data, margins):
    w_r = pd.read_csv(GOLDEN / "golden_cal_weights.csv")["w_cal"].to_numpy()
    w, report = rake(data, margins, weights="w", tol=1e-13)
    assert report.converged and max(report.max_rel_error.values()) < 1e-9
    assert close(w, w_r)


# --- proportions: svyciprop's beta (Korn-Graubard) and xlogit, with domains at 0 and at 1 ----------

@pytest.fixture(scope="module")
def golden_prop():
    return pd.read_csv(GOLDEN / "golden_proportions.csv", keep_default_na=False, na_values=["NA"])


@pytest.mark.parametrize("dn", ["strat", "cal"])
@pytest.mark.parametrize("method", ["beta", "xlogit"])
@pytest.mark.parametrize("var", ["d", "e"])
@pytest.mark.parametrize("by", [None, "g"])
def test_proportion_methods(designs, golden_prop, dn, method, var, by):
    r = golden_prop[(golden_prop.design == dn) & (golden_prop.method == method) & (golden_prop["var"] == var)
                    & (golden_prop.by == (by or ""))].reset_index(drop=True)
    ours = designs[dn].proportion(var, by=by, method=method)
    if by:
        ours = ours.assign(level=ours[by].astype(str)).set_index("level").loc[r["level"]].reset_index()
    edge = r["estimate"].isin([0, 1]).to_numpy()
    assert (edge.sum() == 2) == (var == "e" and by == "g")  # one domain with no successes, one with only
    _check(ours[~edge], r[~edge], ("estimate", "se", "ci_low", "ci_high", "df"))
    assert (ours["n"].to_numpy() == r["n"].to_numpy()).all()
    if method == "beta":
        # R's n.eff = 0/0 gives NaN at the boundary (or, where rounding leaves an SE of 1e-17, a zero-width
        # interval); the golden holds Clopper-Pearson on n (make_golden.R)
        rr = r.loc[edge]
        assert (rr["r_ci_low"].isna() | (rr["r_ci_low"] == rr["r_ci_high"])).all()
        _check(ours[edge], r[edge], ("ci_low", "ci_high"))
        assert (ours["ci_high"] - ours["ci_low"] > 0).all()
    else:  # xlogit has no interval at 0 or 1 (R: NaN, or zero width); ours keeps the share with a note
        assert (r.loc[edge, "ci_low"].isna() | (r.loc[edge, "ci_low"] == r.loc[edge, "ci_high"])).all()
        assert (ours.loc[edge, "ci_low"] == ours.loc[edge, "estimate"]).all() and ours.loc[edge, "note"].str.len().gt(0).all()
    if dn == "strat" or method == "xlogit":  # where not at the boundary, R's own svyciprop interval
        _check(ours[~edge], r[~edge].assign(ci_low=r["r_ci_low"], ci_high=r["r_ci_high"]), ("ci_low", "ci_high"))


def test_proportion_method_is_checked(designs):
    with pytest.raises(Exception, match="method must be one of"):
        designs["strat"].proportion("d", method="wilson")


# --- linked waves: the person as PSU in the stacked design (svydesign(ids = ~person)) --------------

@pytest.fixture(scope="module")
def linked():
    from pipeline.survey import stack
    data = pd.read_csv(GOLDEN / "golden_linked_data.csv")
    waves = {w: SurveyDesign(g.reset_index(drop=True), weights="w") for w, g in data.groupby("golf")}
    cal = {w: d.calibrate({"sex": {"m": 210.0, "v": 190.0}}, tol=1e-13) for w, d in waves.items()}
    out = {}
    for name, ds in (("linked", waves), ("linked_cal", cal)):
        s = stack(ds, person="person")
        out[name] = s.update(tw=(s.data["golf"] == 3).astype(float), tg=(s.data["grp"] == "b").astype(float),
                             tt=s.data["golf"] - 1.0)
    return out


@pytest.fixture(scope="module")
def golden_linked():
    return pd.read_csv(GOLDEN / "golden_linked.csv", keep_default_na=False, na_values=["NA"])


@pytest.mark.parametrize("dn", ["linked", "linked_cal"])
def test_linked_changes_match_r(linked, golden_linked, dn):
    s, g = linked[dn], golden_linked[golden_linked.design == dn].set_index(["what", "term"])
    for var in ("y", "d"):
        c = s.compare(var, by="golf", reference=1).set_index("golf")
        pair = s.subset(s.data["golf"].isin([2, 3])).compare(var, by="golf", reference=2).set_index("golf")
        for term, row in (("2-1", c.loc[2]), ("3-1", c.loc[3]), ("3-2", pair.loc[3])):
            r = g.loc[(f"change_{var}", term)]
            assert close(row["difference"], r["estimate"]) and close(row["se"], r["se"]), (var, term)
    w = s.compare("y", by="golf", reference=1, within="grp")
    for grp in ("a", "b"):
        row = w[(w["grp"] == grp) & (w["golf"] == 3)].iloc[0]
        r = g.loc[("change_y_grp", grp)]
        assert close(row["difference"], r["estimate"]) and close(row["se"], r["se"])
    did = s.glm("y ~ tw * tg", subset=s.data["golf"].isin([1, 3])).contrast({"tw:tg": 1})
    trend = s.glm("y ~ tt").contrast({"tt": 1})
    for what, term, ours in (("did", "tw:tg", did), ("trend", "tt", trend)):
        r = g.loc[(what, term)]
        assert close(ours["estimate"], r["estimate"]) and close(ours["se"], r["se"]) and ours["df"] == r["df"]
    assert s.degf == g.loc[("degf", ""), "estimate"]


def test_linked_covariance_matters(linked):
    """The same rows as independent waves: a change's SE differs, so the person key is really used."""
    from pipeline.survey import stack
    s = linked["linked"]
    waves = {w: SurveyDesign(s.data[s.data["golf"] == w].reset_index(drop=True), weights="w") for w in (1, 2, 3)}
    indep = stack(waves).compare("y", by="golf", reference=1).set_index("golf")
    link = s.compare("y", by="golf", reference=1).set_index("golf")
    assert (link["se"] < 0.9 * indep["se"]).all()   # positively correlated waves: a smaller SE


@pytest.mark.parametrize("design_name", ["strat", "cal"])
def test_nested_difference_equals_r_svycontrast_of_totals(designs, data, design_name):
    """Domain mean minus whole-design mean on one design (the careless-responding sensitivity of
    chapter 01), against svycontrast(svytotal(...), quote(yc/cv - yv/vv)) (make_golden_issue26.R)."""
    gold = pd.read_csv(GOLDEN / "golden_nested.csv")
    inner = {"b_or_c": data["g"].isin(["b", "c"]), "not_d": data["g"] != "d"}
    for row in gold[gold["design"] == design_name].itertuples():
        r = designs[design_name].nested_difference("y", inner[row.inner])
        assert r["difference"] == pytest.approx(row.difference, rel=RTOL)
        assert r["se"] == pytest.approx(row.se, rel=RTOL)


@pytest.mark.parametrize("design_name", ["strat", "cal"])
def test_directorate_versus_rest_equals_r_svycontrast(designs, data, design_name):
    """Each group against the rest of the design (the group left out of the reference), as chapter
    02/03's directorate comparison (make_golden_issue26.R)."""
    from pipeline.analysis.gaps import versus_rest
    gold = pd.read_csv(GOLDEN / "golden_versus_rest.csv")
    gold = gold[gold["design"] == design_name]
    d = designs[design_name].update(directie_code=data["g"].to_numpy())
    out = versus_rest(d, "y", gold["group"].tolist())
    assert np.allclose(out["verschil"], gold["difference"], rtol=RTOL)
    assert np.allclose(out["verschil_se"], gold["se"], rtol=RTOL)


# --- the report's weighting: several margins, trim bounds that bind (tests/golden/make_golden_weighting.R) ---

@pytest.fixture(scope="module")
def trim_golden():
    m = pd.read_csv(GOLDEN / "golden_trim_margins.csv")
    margins = {var: dict(zip(g["level"], g["N"].astype(float))) for var, g in m.groupby("var", sort=False)}
    return margins, m, pd.read_csv(GOLDEN / "golden_trim.csv")


def test_trimmed_raking_equals_r_calibrate_trim(data, trim_golden):
    """Raked to three margins, untrimmed and trimmed to g in [0.7, 1.5], the weights equal R's; trimmed,
    the margins are missed by what R misses them (the reason the report's trim bound must not bind)."""
    margins, m, w_r = trim_golden
    w, report = rake(data, margins, weights="w", tol=1e-13)
    assert report.converged and close(w, w_r["w_raked"])
    wt, rt = rake(data, margins, weights="w", trim=(0.7, 1.5), tol=1e-13)
    assert rt.trimmed > 0 and close(wt, w_r["w_trimmed"])
    for r in m.itertuples():
        total = wt[(data[r.var].astype(str) == str(r.level)).to_numpy()].sum()
        assert close(total, r.trimmed_total)
    assert max(rt.max_rel_error.values()) > 0.05   # trimmed: a margin missed by more than 5%


def test_trimmed_calibrated_mean_and_se_equal_r(data, trim_golden):
    margins, m, _ = trim_golden
    strat = SurveyDesign(data, weights="w", strata="stratum", fpc="N_h")
    for trim, est, se in ((None, "mean_raked", "se_raked"), ((0.7, 1.5), "mean_trimmed", "se_trimmed")):
        ours = strat.calibrate(margins, trim=trim, tol=1e-13).mean("y").iloc[0]
        assert close(ours["estimate"], m[est].iloc[0]) and close(ours["se"], m[se].iloc[0]), (trim, ours.to_dict())

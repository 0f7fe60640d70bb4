"""The design is immutable; update(), subset() and glm(subset=) are R's update/subset verbs: a subset
is a domain of the full design (checked against the by= domains, which are checked against R), and
GLM contrasts are R's svycontrast."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from pipeline.survey import DesignError, SurveyDesign, stack

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(GOLDEN / "golden_data.csv")


@pytest.fixture(scope="module")
def designs(data):
    m = pd.read_csv(GOLDEN / "golden_margins.csv")
    margins = {var: dict(zip(g["level"], g["N"].astype(float))) for var, g in m.groupby("var", sort=False)}
    strat = SurveyDesign(data, weights="w", strata="stratum", fpc="N_h")
    return {"strat": strat, "cal": strat.calibrate(margins, tol=1e-13)}


@pytest.fixture(scope="module")
def golden():
    return pd.read_csv(GOLDEN / "golden_results.csv", keep_default_na=False, na_values=["NA"])


def frame(n=80, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    y[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame({"y": y, "d": (rng.random(n) < 0.3).astype(float), "g": rng.choice(["a", "b", "c"], n),
                         "s": rng.choice(["s1", "s2", "s3"], n), "w": rng.uniform(1, 4, n),
                         "m": rng.random(n) < 0.5})


COLS = ["estimate", "se", "ci_low", "ci_high", "df", "n", "deff", "note"]


def assert_rows_equal(a: pd.Series, b: pd.Series, cols, rtol=1e-12):
    for c in cols:
        if c == "note":
            assert a[c] == b[c]
        else:
            assert np.isclose(float(a[c]), float(b[c]), rtol=rtol, atol=1e-15, equal_nan=True), (c, a[c], b[c])


# --- immutability and update --------------------------------------------------------------------

def test_update_returns_a_new_design_and_leaves_the_original(designs, data):
    d = designs["cal"]
    before = d.data.copy()
    mean_before = d.mean("y")
    new = d.update(y2=d.data["y"] * 2, x=np.zeros(len(data)), y3=lambda df: df["y"] + 1)
    assert new is not d and new.data is not d.data
    pd.testing.assert_frame_equal(d.data, before)
    assert "y2" not in d.data and {"y2", "y3"} <= set(new.data)
    assert (new.data["x"] == 0).all()
    pd.testing.assert_frame_equal(d.mean("y"), mean_before)
    # weights, strata and calibration are shared, so estimates of old columns are the same
    pd.testing.assert_frame_equal(new.mean("y"), mean_before)
    assert new.mean("y2").iloc[0]["estimate"] == pytest.approx(2 * mean_before.iloc[0]["estimate"], rel=1e-12)
    # a design variable's column can be replaced without changing the design (as R's update)
    w_changed = d.update(w=1.0)
    np.testing.assert_array_equal(w_changed.w, d.w)


def test_update_rejects_values_not_aligned_to_the_rows(designs):
    d = designs["strat"]
    with pytest.raises(DesignError, match="values for"):
        d.update(z=np.ones(3))
    with pytest.raises(DesignError, match="not aligned"):
        d.update(z=pd.Series(1.0, index=np.arange(len(d.w)) + 1000))


def test_design_is_read_only(designs):
    d = designs["strat"]
    with pytest.raises(AttributeError, match="update"):
        d.data = d.data.assign(z=1)
    with pytest.raises(AttributeError, match="immutable"):
        d.w = d.w * 2
    with pytest.raises(AttributeError, match="immutable"):
        d._domain_cache = {}


def test_invalid_options_are_design_errors(data):
    with pytest.raises(DesignError, match="'fail', 'certainty', 'adjust'"):
        SurveyDesign(data, weights="w", strata="stratum", lonely_psu="certainly")
    with pytest.raises(DesignError, match="level"):
        SurveyDesign(data, weights="w", level=95)


# --- subset: a domain of the full design ---------------------------------------------------------

@pytest.mark.parametrize("dn", ["strat", "cal"])
@pytest.mark.parametrize("what,var", [("mean", "y"), ("proportion", "d"), ("total", "d")])
def test_subset_equals_the_by_domain(designs, data, dn, what, var):
    d = designs[dn]
    mask = (data["x"] > data["x"].median()).to_numpy()
    dom = getattr(d.subset(mask), what)(var)
    assert len(dom) == 1
    by = getattr(d.update(_in=mask), what)(var, by="_in").set_index("_in").loc[True]
    cols = [c for c in COLS if c in dom]
    assert_rows_equal(dom.iloc[0], by, cols, rtol=1e-10 if dn == "cal" else 1e-12)


@pytest.mark.parametrize("dn", ["strat", "cal"])
@pytest.mark.parametrize("what,var,cols", [("mean", "y", ("estimate", "se", "ci_low", "ci_high", "df", "deff")),
                                           ("proportion", "d", ("estimate", "se", "ci_low", "ci_high", "df")),
                                           ("total", "d", ("estimate", "se", "df", "deff"))])
def test_subset_equals_r_svyby_domains(designs, data, golden, dn, what, var, cols):
    """svyby(~y, ~g, des, svymean) is svymean(~y, subset(des, g == level)) for each level (golden, R 4.x)."""
    r = golden[(golden.design == dn) & (golden.what == what) & (golden.by == "g")]
    assert len(r) >= 3
    for _, row in r.iterrows():
        ours = getattr(designs[dn].subset(data["g"] == row["level"]), what)(var).iloc[0]
        for c in cols:
            atol = 1e-6 * row["se"] if c.startswith("ci_") else 1e-12
            assert abs(ours[c] - row[c]) <= 1e-6 * abs(row[c]) + atol, (row["level"], c, ours[c], row[c])


def test_subset_by_groups_and_nesting():
    df = frame(120, 3)
    d = SurveyDesign(df, weights="w", strata="s")
    sub = d.subset(df["m"])
    by = d.mean("y", by=["m", "g"])
    by = by[by["m"]].drop(columns="m").reset_index(drop=True)
    pd.testing.assert_frame_equal(sub.mean("y", by="g"), by)
    # groups without rows in the domain are not shown; a subset of a subset is the intersection
    only_a = sub.subset(lambda x: x["g"] == "a")
    assert only_a.mean("y", by="g")["g"].tolist() == ["a"]
    np.testing.assert_array_equal(only_a.domain, df["m"].to_numpy() & (df["g"] == "a").to_numpy())
    pd.testing.assert_frame_equal(only_a.mean("y"), d.subset(df["m"] & (df["g"] == "a")).mean("y"))
    # degf as R's degf(subset(...)): rows in the domain minus the strata among them
    inside = df["m"].to_numpy()
    assert sub.degf == inside.sum() - df.loc[inside, "s"].nunique()
    # the original is unchanged, and compare() works within the domain
    assert d.domain.all() and len(d.mean("y", by="g")) == 3
    with pytest.raises(DesignError, match="reference"):
        only_a.compare("y", by="g", reference="b")


def test_subset_treats_missing_as_outside_and_checks_its_input():
    df = frame(60, 5)
    d = SurveyDesign(df, weights="w")
    mask = pd.Series(df["m"].to_numpy(), dtype="boolean")
    mask[:5] = pd.NA
    expected = df["m"].to_numpy().copy()
    expected[:5] = False
    np.testing.assert_array_equal(d.subset(mask).domain, expected)
    with pytest.raises(DesignError, match="booleans"):
        d.subset(df["g"])
    with pytest.raises(DesignError, match="values for"):
        d.subset(np.ones(5, dtype=bool))


def test_subset_full_mask_changes_nothing_and_chisq_respects_the_domain(designs, data):
    d = designs["cal"]
    everyone = d.subset(np.ones(len(data), dtype=bool))
    pd.testing.assert_frame_equal(everyone.mean("y", by="g"), d.mean("y", by="g"))
    pd.testing.assert_frame_equal(everyone.chisq("a", "b"), d.chisq("a", "b"))
    mask = (data["g"] != "d").to_numpy()
    sub = designs["strat"].subset(mask).chisq("a", "b").iloc[0]
    assert sub["n"] == int((mask & data["a"].notna() & data["b"].notna()).sum())
    assert sub["ddf"] == pytest.approx(sub["ndf"] * designs["strat"].subset(mask).degf)


def test_stack_keeps_a_wave_domain_and_calibrate_needs_the_full_design(designs, data):
    mask = (data["g"] == "a").to_numpy()
    s = stack({1: designs["strat"].subset(mask), 2: designs["strat"]})
    np.testing.assert_array_equal(s.domain, np.concatenate([mask, np.ones(len(data), dtype=bool)]))
    with pytest.raises(DesignError, match="full design"):
        designs["strat"].subset(mask).calibrate({"gender": {"vrouw": 1, "man": 1}})


# --- glm on a domain and contrasts ----------------------------------------------------------------

@pytest.mark.parametrize("dn", ["strat", "cal"])
@pytest.mark.parametrize("family,formula", [("gaussian", "y ~ C(g) + x"), ("binomial", "d ~ C(g) + x")])
def test_glm_subset_equals_missing_outcome_outside(designs, data, dn, family, formula):
    d = designs[dn]
    mask = (data["gender"] == "vrouw").to_numpy()
    outcome = formula.split(" ~")[0]
    old_way = d.update(**{outcome: data[outcome].where(mask)}).glm(formula, family=family).table
    pd.testing.assert_frame_equal(d.glm(formula, family=family, subset=mask).table, old_way)
    pd.testing.assert_frame_equal(d.subset(mask).glm(formula, family=family).table, old_way)


@pytest.mark.parametrize("dn", ["strat", "cal"])
def test_contrast(designs, dn):
    fit = designs[dn].glm("y ~ C(g) + x")
    assert isinstance(fit["term"], pd.Series) and len(fit) == 5      # still reads as the tidy table
    for term in fit["term"]:
        c, row = fit.contrast({term: 1}), fit.set_index("term").loc[term]
        for col in ("estimate", "se", "t", "p", "ci_low", "ci_high", "df"):
            assert c[col] == row[col], (term, col)
    w = {"C(g)[T.b]": 1.0, "C(g)[T.c]": -1.0}
    c = fit.contrast(w)
    V = fit.vcov.loc[list(w), list(w)].to_numpy()
    wv = np.array(list(w.values()))
    beta = fit.set_index("term")["estimate"]
    assert c["estimate"] == pytest.approx(beta["C(g)[T.b]"] - beta["C(g)[T.c]"], rel=1e-12)
    assert c["se"] == pytest.approx(np.sqrt(wv @ V @ wv), rel=1e-12)
    assert c["p"] == pytest.approx(2 * stats.t.sf(abs(c["estimate"] / c["se"]), fit.df), rel=1e-12)
    half = stats.t.ppf(0.975, fit.df) * c["se"]
    assert (c["ci_low"], c["ci_high"]) == pytest.approx((c["estimate"] - half, c["estimate"] + half), rel=1e-12)
    arr = np.zeros(len(fit))
    arr[1], arr[2] = 1.0, -1.0
    assert fit.contrast(arr)["se"] == c["se"]
    with pytest.raises(DesignError, match="not in the model"):
        fit.contrast({"C(g)[T.z]": 1})


# --- properties ----------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(st.integers(40, 150), st.integers(0, 10_000), st.booleans())
def test_subset_is_the_by_domain_for_any_mask(n, seed, calibrated):
    df = frame(n, seed)
    d = SurveyDesign(df, weights="w", strata="s", lonely_psu="adjust")
    if calibrated:
        d = d.calibrate({"g": {"a": 300, "b": 200, "c": 100}})
    if not df["m"].any():
        return
    dom = d.subset(df["m"]).mean("y").iloc[0]
    by = d.mean("y", by="m").set_index("m").loc[True]
    assert_rows_equal(dom, by, COLS, rtol=1e-9)
    before = d.data.copy()
    d.update(y=0.0).subset(~df["m"]).mean("y")
    pd.testing.assert_frame_equal(d.data, before)

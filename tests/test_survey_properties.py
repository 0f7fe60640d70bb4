"""Survey engine: edge cases give defined results or clear errors; invariances and classical limits
hold (hypothesis); nominal 95% intervals cover the truth in repeated samples."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st
from scipy import stats

from pipeline.survey import DesignError, LonelyPSUError, RakingError, SurveyDesign, rake


def frame(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"y": rng.normal(size=n), "d": (rng.random(n) < 0.3).astype(float),
                         "g": rng.choice(["a", "b", "c"], n), "s": rng.choice(["s1", "s2"], n),
                         "w": rng.uniform(1, 4, n)})


# --- edge cases ---------------------------------------------------------------------------------

def test_single_respondent_stratum_fails_clearly_or_follows_the_option():
    df = frame()
    df.loc[0, "s"] = "alone"
    with pytest.raises(LonelyPSUError, match="alone"):
        SurveyDesign(df, weights="w", strata="s")
    cert = SurveyDesign(df, weights="w", strata="s", lonely_psu="certainty").mean("y")
    adj = SurveyDesign(df, weights="w", strata="s", lonely_psu="adjust").mean("y")
    assert np.isfinite(cert["se"]).all() and adj["se"].iloc[0] >= cert["se"].iloc[0]


def test_census_stratum_contributes_no_variance():
    df = frame()
    df["N"] = np.where(df["s"] == "s1", (df["s"] == "s1").sum(), 1000)
    full = SurveyDesign(df, weights="w", strata="s", fpc="N").mean("y", by="s")
    assert full.loc[full["s"] == "s1", "se"].iloc[0] == 0
    assert full.loc[full["s"] == "s1", "note"].iloc[0] != ""


def test_empty_and_tiny_domains_are_defined():
    df = frame()
    df["g"] = pd.Categorical(df["g"], categories=["a", "b", "c", "leeg"])
    df.loc[df["g"] == "c", "g"] = "a"
    df.loc[5, "g"] = "c"
    out = SurveyDesign(df, weights="w").mean("y", by="g")
    assert "leeg" not in out["g"].astype(str).tolist()     # empty domains are not estimated
    tiny = out[out["g"] == "c"].iloc[0]
    assert tiny["n"] == 1 and tiny["df"] == 0 and np.isnan(tiny["ci_low"]) and tiny["note"]


def test_constant_group_and_boundary_proportions():
    df = frame()
    df.loc[df["g"] == "a", "d"] = 0.0
    out = SurveyDesign(df, weights="w").proportion("d", by="g")
    a = out[out["g"] == "a"].iloc[0]
    assert a["estimate"] == 0 and a["ci_low"] == 0 and a["ci_high"] == 0 and "geen logit" in a["note"]


def test_bad_inputs_give_clear_errors():
    df = frame()
    df.loc[3, "w"] = -1
    with pytest.raises(DesignError, match="rows \\[4\\]"):
        SurveyDesign(df, weights="w")
    df = frame()
    with pytest.raises(DesignError, match="not in the data"):
        SurveyDesign(df, weights="gewicht")
    with pytest.raises(DesignError, match="0/1"):
        SurveyDesign(df, weights="w").proportion("y")
    with pytest.raises(DesignError, match="reference"):
        SurveyDesign(df, weights="w").compare("y", by="g", reference="zz")
    collinear = SurveyDesign(frame().assign(y2=lambda x: 2 * x["y"]), weights="w")
    for family, outcome in (("gaussian", "y"), ("binomial", "d")):
        with pytest.raises(DesignError, match="rank deficient"):
            collinear.glm(f"{outcome} ~ y + y2", family=family)
    with pytest.raises(RakingError, match="no population total"):
        rake(df, {"g": {"a": 10, "b": 10}}, weights="w")
    with pytest.raises(RakingError, match="no respondents"):
        rake(df, {"g": {"a": 10, "b": 10, "c": 10, "d": 5}}, weights="w")


# --- invariances and classical limits ------------------------------------------------------------

data_frames = st.integers(20, 80).flatmap(lambda n: st.tuples(
    st.just(n), st.integers(0, 10_000), st.floats(0.1, 100, allow_nan=False)))


@settings(max_examples=40, deadline=None)
@given(data_frames)
def test_invariant_to_weight_scale_and_row_order(args):
    n, seed, c = args
    df = frame(n, seed)
    base = SurveyDesign(df, weights="w", strata="s").mean("y", by="g")
    scaled = SurveyDesign(df.assign(w=df["w"] * c), weights="w", strata="s").mean("y", by="g")
    perm = df.sample(frac=1, random_state=seed).reset_index(drop=True)
    permuted = SurveyDesign(perm, weights="w", strata="s").mean("y", by="g")
    for other in (scaled, permuted):
        # atol: a domain with no variance has se 0 in one order and ~1e-16 in another (rounding)
        np.testing.assert_allclose(base[["estimate", "se", "df"]], other[["estimate", "se", "df"]], rtol=1e-9,
                                   atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(5, 200), st.integers(0, 10_000))
def test_equal_weights_no_strata_give_classical_formulas(n, seed):
    y = np.random.default_rng(seed).normal(size=n)
    out = SurveyDesign(pd.DataFrame({"y": y})).mean("y").iloc[0]
    assert out["estimate"] == pytest.approx(y.mean())
    assert out["se"] == pytest.approx(y.std(ddof=1) / np.sqrt(n))       # with replacement, no FPC
    assert out["df"] == n - 1
    half = stats.t.ppf(0.975, n - 1) * y.std(ddof=1) / np.sqrt(n)
    assert out["ci_high"] - out["estimate"] == pytest.approx(half)
    # with an FPC of N the SRSWOR variance comes back
    N = 3 * n
    fpc = SurveyDesign(pd.DataFrame({"y": y, "N": N}), fpc="N").mean("y").iloc[0]
    assert fpc["se"] == pytest.approx(np.sqrt((1 - n / N) * y.var(ddof=1) / n))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_raking_hits_every_margin(seed):
    df = frame(200, seed)
    margins = {"g": {"a": 500, "b": 300, "c": 200}, "s": {"s1": 400, "s2": 600}}
    w, rep = rake(df, margins, weights="w")
    assert rep.converged and max(rep.max_rel_error.values()) < 1e-8
    for var, pop in margins.items():
        for lv, N in pop.items():
            assert w[df[var] == lv].sum() == pytest.approx(N, rel=1e-8)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.booleans(), st.sampled_from(["y", "d"]))
def test_compare_within_equals_one_comparison_per_level(seed, calibrated, var):
    """compare(within=g) is the same as restricting y to each level of g and comparing there."""
    df = frame(150, seed).assign(t=lambda x: np.where(np.arange(len(x)) % 2, "t1", "t0"))
    d = SurveyDesign(df, weights="w", strata="s")
    if calibrated:
        d = d.calibrate({"g": {"a": 300, "b": 200, "c": 100}})
    together = d.compare(var, by="t", reference="t0", within="g").set_index("g")
    data = d.data
    for lv in sorted(df["g"].unique()):
        one = d.update(_y=data[var].where(data["g"] == lv)).compare("_y", by="t", reference="t0").iloc[0]
        dom = d.subset(data["g"] == lv).compare(var, by="t", reference="t0").iloc[0]
        row = together.loc[lv]
        for col in ("estimate", "ref_estimate", "difference", "se", "df", "p", "ci_low", "ci_high", "cohens_d", "n", "n_ref"):
            assert row[col] == pytest.approx(one[col], rel=1e-9, abs=1e-12), (lv, col)
            assert dom[col] == pytest.approx(one[col], rel=1e-9, abs=1e-12), (lv, col)


# --- coverage ------------------------------------------------------------------------------------

def test_nominal_95_intervals_cover_the_truth():
    """Repeated stratified samples without replacement from a fixed finite population."""
    rng = np.random.default_rng(1)
    N_h = np.array([2000, 800, 400])
    pop = pd.DataFrame({"s": np.repeat(["a", "b", "c"], N_h)})
    pop["g"] = rng.choice(["x", "y"], len(pop), p=[0.7, 0.3])
    pop["y"] = rng.gamma(4.0, 1.0, len(pop)) + (pop["s"] == "b") * 1.5 + (pop["g"] == "y") * 0.5
    truth = pop["y"].mean()
    truth_y = pop.loc[pop["g"] == "y", "y"].mean()
    n_h = {"a": 120, "b": 100, "c": 80}
    hits = hits_dom = 0
    reps = 500
    for r in range(reps):
        idx = np.concatenate([rng.choice(np.flatnonzero(pop["s"] == s), n, replace=False) for s, n in n_h.items()])
        smp = pop.iloc[idx].copy()
        smp["N"] = smp["s"].map(dict(zip("abc", N_h)))
        smp["w"] = smp["N"] / smp["s"].map(n_h)
        des = SurveyDesign(smp, weights="w", strata="s", fpc="N")
        m = des.mean("y").iloc[0]
        dom = des.mean("y", by="g").set_index("g").loc["y"]
        hits += m["ci_low"] <= truth <= m["ci_high"]
        hits_dom += dom["ci_low"] <= truth_y <= dom["ci_high"]
    assert hits / reps >= 0.93 and hits_dom / reps >= 0.93

"""pipeline.measurement against lavaan (goldens from tests/golden/make_golden_invariance.R), on hand-made
cases with a known answer, and its command line."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.measurement.__main__ import main
from pipeline.measurement.cfa import GroupStats, fit, group_stats
from pipeline.measurement.invariance import holds, latent_differences, level, partial_scalar, sequence
from pipeline.measurement.syntax import ModelSyntaxError, parse

GOLDEN = Path(__file__).parent / "golden"
HS = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
BEL = "belonging =~ b01 + b02 + b03 + b04 + b05 + b06 + b07 + b08"
AUT = "authenticity =~ a01 + a02 + a03 + a04 + a05 + a06 + a07 + a08"
CASES = {  # case -> (data file, model, group, weights, intercepts freed in the scalar step)
    "hs_school": ("invariance_hs_data.csv", HS, "school", None, ()),
    "hs_school_weighted": ("invariance_hs_data.csv", HS, "school", "w", ()),
    "hs_school_partial_x3_x7": ("invariance_hs_data.csv", HS, "school", None, ("x3", "x7")),
    "hs_sex_visual": ("invariance_hs_data.csv", "visual =~ x1 + x2 + x3 + x9", "sex", None, ()),
    "hs_school_cross": ("invariance_hs_data.csv", "visual =~ x1 + x2 + x3 + x9; speed =~ x7 + x8 + x9", "school",
                        None, ()),
    "demo_belonging": ("invariance_demo_data.csv", BEL, "herkomst_oud", None, ()),
    "demo_belonging_weighted": ("invariance_demo_data.csv", BEL, "herkomst_oud", "w", ()),
    "demo_two_factors": ("invariance_demo_data.csv", f"{BEL}; {AUT}", "herkomst_oud", None, ()),
}
GOLD = pd.read_csv(GOLDEN / "golden_invariance.csv")


@pytest.mark.parametrize("case", sorted(set(GOLD["case"])))
def test_agrees_with_lavaan(case):
    file, text, group, weights, partial = CASES[case]
    data = pd.read_csv(GOLDEN / file)
    model = parse(text)
    groups = group_stats(data, model.items, group, weights, levels=pd.unique(data[group].astype(str)))
    for step in ("configural", "metric", "scalar"):
        m = fit(model, groups, step, partial if step == "scalar" else ()).measures()
        gold = GOLD[(GOLD["case"] == case) & (GOLD["step"] == step)].iloc[0]
        assert m["df"] == gold["df"] and m["npar"] == gold["npar"], (case, step)
        assert m["chisq"] == pytest.approx(gold["chisq"], rel=1e-3), (case, step)
        for k in ("cfi", "rmsea", "srmr"):
            assert abs(m[k] - gold[k]) < 0.002, (case, step, k, m[k], gold[k])


def test_goldens_cover_the_demo_scales():
    assert {"hs_school", "hs_school_weighted", "demo_belonging", "demo_two_factors"} <= set(GOLD["case"])


def test_parse_refuses_what_it_cannot_fit():
    m = parse("f1 =~ a + b + c\n# comment\nf2 =~ c + d + e  # cross-loading c")
    assert m.names == ("f1", "f2") and m.items == ("a", "b", "c", "d", "e")
    for bad in ("f1 ~ a + b", "f1 =~ 0.5*a + b", "f1 =~ a", "", "f1 =~ a + b; f2 =~ f1 + c"):
        with pytest.raises(ModelSyntaxError):
            parse(bad)


def _simulate(n, shift=0.0, seed=1, items=5, mean2=0.3):
    """Two groups from one factor model; item 4's intercept shifted by `shift` in the second group."""
    rng = np.random.default_rng(seed)
    lam = np.linspace(0.6, 1.0, items)
    out = []
    for g, eta_mean in ((0, 0.0), (1, mean2)):
        eta = rng.normal(eta_mean, 1.0, n)
        x = 3 + eta[:, None] * lam + rng.normal(0, 0.6, (n, items))
        if g == 1 and shift:
            x[:, 3] += shift
        out.append(pd.DataFrame(x, columns=[f"y{i}" for i in range(items)]).assign(g=f"g{g}"))
    return pd.concat(out, ignore_index=True)


def test_identical_groups_fit_alike_at_every_step():
    """Two copies of the same data: equal loadings and intercepts cost nothing, the chi-square of every step is
    twice the one-group chi-square, and the factor mean difference is 0."""
    d = _simulate(400, seed=3).query("g == 'g0'")
    both = pd.concat([d, d.assign(g="g1")], ignore_index=True)
    model = parse("f =~ y0 + y1 + y2 + y3 + y4")
    one = fit(model, group_stats(d, model.items, "g")).chisq
    rows, fits = sequence(model, group_stats(both, model.items, "g"))
    assert [r["chisq"] for r in rows] == pytest.approx([2 * one] * 3, rel=1e-6)
    assert [r["df"] for r in rows] == [10, 14, 18]
    assert level(rows) == "scalar"
    assert latent_differences(fits["scalar"])[0]["difference"] == pytest.approx(0, abs=1e-5)


def test_saturated_one_factor_model_has_zero_chisq():
    d = _simulate(300, seed=4, items=3)
    model = parse("f =~ y0 + y1 + y2")
    m = fit(model, group_stats(d, model.items, "g")).measures()
    assert m["df"] == 0 and m["chisq"] == pytest.approx(0, abs=1e-6) and m["cfi"] == pytest.approx(1.0, abs=1e-9)


def test_partial_invariance_finds_the_shifted_intercept():
    d = _simulate(1500, shift=0.5, seed=5)
    model = parse("f =~ y0 + y1 + y2 + y3 + y4")
    rows, fits = sequence(model, group_stats(d, model.items, "g"))
    assert level(rows) == "metric"  # the shift breaks scalar invariance
    part = partial_scalar(model, group_stats(d, model.items, "g"), fits["metric"])
    assert part.freed == ("y3",) and part.holds
    # the partial model recovers the planted factor mean difference (0.3 SD), the full scalar model is biased
    assert latent_differences(part.fit)[0]["difference"] == pytest.approx(0.3, abs=0.08)
    assert abs(latent_differences(fits["scalar"])[0]["difference"] - 0.3) > 0.08


def test_no_shift_no_freed_items():
    d = _simulate(1500, shift=0.0, seed=6)
    model = parse("f =~ y0 + y1 + y2 + y3 + y4")
    rows, _ = sequence(model, group_stats(d, model.items, "g"))
    assert level(rows) == "scalar"


def test_chen_rule_edges():
    assert holds({"cfi": 0.940, "rmsea": 0.065}, {"cfi": 0.950, "rmsea": 0.050})
    assert not holds({"cfi": 0.939, "rmsea": 0.050}, {"cfi": 0.950, "rmsea": 0.050})
    assert not holds({"cfi": 0.950, "rmsea": 0.066}, {"cfi": 0.950, "rmsea": 0.050})


def test_weights_equal_to_frequency_replication():
    """Integer sampling weights give the sample statistics of the data with rows repeated (their n apart)."""
    d = _simulate(200, seed=7)
    d["w"] = np.tile([1, 2, 3, 2], len(d) // 4)
    model = parse("f =~ y0 + y1 + y2 + y3 + y4")
    weighted = group_stats(d, model.items, "g", "w")
    repeated = group_stats(d.loc[d.index.repeat(d["w"])], model.items, "g")
    for a, b in zip(weighted, repeated):
        assert np.allclose(a.mean, b.mean) and np.allclose(a.cov, b.cov)


def test_cli_prints_the_three_steps(capsys, tmp_path):
    rc = main(["invariance", str(GOLDEN / "invariance_hs_data.csv"), "--model", HS, "--group", "school"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and [o["step"] for o in out] == ["configural", "metric", "scalar"]
    gold = GOLD[GOLD["case"] == "hs_school"].set_index("step")
    assert out[2]["chisq"] == pytest.approx(gold.loc["scalar", "chisq"], rel=1e-3)
    assert {"chisq", "df", "cfi", "rmsea", "srmr"} <= set(out[0])
    assert main(["invariance", str(GOLDEN / "invariance_hs_data.csv"), "--model", HS, "--group", "school",
                 "--ordered"]) == 2
    assert main(["invariance", str(GOLDEN / "invariance_hs_data.csv"), "--model", "f =~ x1 + nope",
                 "--group", "school"]) == 2


# --- reliability (pipeline.clean.scales): weighted, deterministic ---------------------------------

def test_omega_of_congeneric_items_and_its_weights():
    """Congeneric items (loadings .5-.9, unique variances .3-.6): omega of the sum = (sum l)^2/((sum l)^2 + sum u),
    alpha below it (alpha is a lower bound unless the items are parallel); integer weights give the same
    coefficients as the rows repeated; two calls give the same bits."""
    from pipeline.clean.scales import cronbach_alpha, mcdonald_omega
    rng = np.random.default_rng(11)
    lam, uniq = np.array([0.5, 0.6, 0.7, 0.8, 0.9]), np.array([0.6, 0.5, 0.4, 0.3, 0.3])
    n = 20000
    items = pd.DataFrame(rng.normal(size=(n, 1)) * lam + rng.normal(size=(n, 5)) * np.sqrt(uniq))
    truth = lam.sum() ** 2 / (lam.sum() ** 2 + uniq.sum())
    assert mcdonald_omega(items) == pytest.approx(truth, abs=0.005)
    assert cronbach_alpha(items) < mcdonald_omega(items)
    small = items.iloc[:300]
    w = pd.Series(np.tile([1.0, 3.0, 2.0], 100), index=small.index)
    rep = small.loc[small.index.repeat(w.astype(int))]
    assert cronbach_alpha(small, w) == pytest.approx(cronbach_alpha(rep), abs=1e-12)
    assert mcdonald_omega(small, w) == pytest.approx(mcdonald_omega(rep), abs=1e-7)
    assert cronbach_alpha(small, w) != pytest.approx(cronbach_alpha(small), abs=1e-6)
    assert mcdonald_omega(small, w) == mcdonald_omega(small, w)


def test_small_groups_are_not_fitted_and_a_union_scale_gets_its_factors():
    from pipeline.analysis import invariance as inv
    d = _simulate(300, seed=8)
    small = _simulate(40, seed=9).assign(g="g2")  # below the minimum: left out, never fitted or named
    data = pd.concat([d, small], ignore_index=True)
    model = parse("f =~ y0 + y1 + y2 + y3 + y4")
    res = inv.analyse(data, model, "g", None, min_n=100, reference="g1")
    assert res["groups"] == ["g1", "g0"] and res["level"] == "scalar"
    assert [(x["group"], x["reference"]) for x in res["differences"]] == [("g0", "g1")]
    assert inv.analyse(data[data["g"] != "g0"], model, "g", None, min_n=100) is None
    scales = {"b": {"items": ["x1", "x2", "x3"]}, "a": {"items": ["x4", "x5", "x6"]},
              "all": {"items": ["x1", "x2", "x3", "x4", "x5", "x6"]}}
    assert inv.scale_model("all", scales).factors == (("b", ("x1", "x2", "x3")), ("a", ("x4", "x5", "x6")))
    assert inv.scale_model("b", scales).factors == (("b", ("x1", "x2", "x3")),)

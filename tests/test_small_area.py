"""Fay–Herriot small-area estimates (pipeline/analysis/small_area.py): against R's metafor (REML fit,
blup) and the Prasad–Rao/Datta–Lahiri MSE computed by hand in tests/golden/make_golden_sae.R, against a
balanced example solved by hand, and the rule for directorates without a published direct estimate."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import small_area as sa

GOLDEN = Path(__file__).parent / "golden"
AUX = list(sa.AUXILIARIES)


def _case(name: str, vars_: list[str]):
    d = pd.read_csv(GOLDEN / f"sae_{name}_input.csv")
    g = pd.read_csv(GOLDEN / "golden_sae.csv")
    f = pd.read_csv(GOLDEN / "golden_sae_fit.csv")
    return d, g[g["dataset"] == name].set_index("area"), f[f["dataset"] == name]


@pytest.mark.parametrize("name,vars_", [("demo", AUX), ("flat", ["x1", "x2"])])
def test_fit_eblup_and_mse_agree_with_metafor(name, vars_):
    d, g, f = _case(name, vars_)
    inside = d["fitted"].eq(1).to_numpy()
    X = np.column_stack([np.ones(len(d)), d[vars_].to_numpy(float)])
    fit = sa.fit(d.loc[inside, "y"], d.loc[inside, "vi"], X[inside])
    assert fit.sigma2 == pytest.approx(f["sigma2"].iloc[0], rel=1e-6, abs=1e-10)
    np.testing.assert_allclose(fit.beta, f["beta"], rtol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov_beta)), f["se_beta"], rtol=1e-6)
    est, mse = fit.eblup()
    areas = d.loc[inside, "area"]
    np.testing.assert_allclose(est, g.loc[areas, "estimate"], rtol=1e-8)
    np.testing.assert_allclose(mse, g.loc[areas, "mse"], rtol=1e-6)
    # metafor's own blup() standard error is the g1 + g2 part (no g3): the hand-made terms agree with it
    g12 = g.loc[areas, "g1"] + g.loc[areas, "g2"]
    np.testing.assert_allclose(g12, g.loc[areas, "blup_se"] ** 2, rtol=1e-6)
    out = d.loc[~inside, "area"]
    if len(out):  # areas outside the fit: synthetic part and its MSE, as predict() + tau2
        syn, smse = fit.predict(X[~inside])
        np.testing.assert_allclose(syn, g.loc[out, "estimate"], rtol=1e-8)
        np.testing.assert_allclose(smse, g.loc[out, "mse"], rtol=1e-6)


def test_balanced_example_by_hand():
    """Intercept only, equal ψ: REML σ̂² = s² - ψ (s² with divisor m-1), β̂ = ȳ, and the MSE terms in
    closed form: g2 = (1-γ)²(σ²+ψ)/m, g3 = 2ψ²/(m(σ²+ψ))."""
    y = np.array([1.0, 2.0, 3.0, 4.0, 6.0])
    psi = np.full(5, 0.5)
    fit = sa.fit(y, psi, np.ones((5, 1)))
    assert fit.sigma2 == pytest.approx(3.7 - 0.5, rel=1e-9)
    assert fit.beta[0] == pytest.approx(3.2)
    gamma = 3.2 / 3.7
    est, mse = fit.eblup()
    assert est[0] == pytest.approx(gamma * 1 + (1 - gamma) * 3.2)
    g1, g2, g3 = gamma * 0.5, (1 - gamma) ** 2 * 3.7 / 5, 2 * 0.25 / (5 * 3.7)
    assert mse[0] == pytest.approx(g1 + g2 + 2 * g3, rel=1e-9)
    # an area outside the fit: the synthetic ȳ with MSE σ̂² + Var(β̂) = 3.2 + 3.7/5
    syn, smse = fit.predict(np.ones((1, 1)))
    assert syn[0] == pytest.approx(3.2) and smse[0] == pytest.approx(3.2 + 3.7 / 5)
    # a composite with weight c on a direct estimate outside the fit: c²ψ + (1-c)²(σ² + Var(β̂))
    comp, cmse = fit.predict(np.ones((1, 1)), [5.0], [0.5], [0.25])
    assert comp[0] == pytest.approx(0.25 * 5 + 0.75 * 3.2)
    assert cmse[0] == pytest.approx(0.0625 * 0.5 + 0.5625 * (3.2 + 3.7 / 5))


def test_sigma2_truncated_at_zero_when_areas_vary_less_than_their_sampling_error():
    y = np.array([3.0, 3.1, 2.9, 3.05, 2.95, 3.0])
    fit = sa.fit(y, np.full(6, 0.5), np.ones((6, 1)))
    assert fit.sigma2 == 0.0
    est, _ = fit.eblup()
    np.testing.assert_allclose(est, y.mean())  # everything shrunk to the synthetic part


def _directorates(n_small: int = 6):
    d, _, _ = _case("demo", AUX)
    aux = d.set_index("area")[AUX]
    direct = pd.DataFrame({"group": d["area"], "estimate": d["y"], "se": np.sqrt(d["vi"]),
                           "n": np.where(d["fitted"].eq(1), 40, n_small)})
    return direct, aux


def test_small_directorate_gets_only_the_synthetic_part_and_its_answers_do_not_enter():
    direct, aux = _directorates()
    allowed = direct.set_index("group")["n"] >= 10
    out = sa.directorate_estimates(direct, allowed, aux, bounds=(1, 5)).set_index("group")
    small = direct.loc[direct["n"] < 10, "group"].tolist()
    assert small and (out.loc[small, "gewicht"] == 0).all() and out.loc[small, "n"].isna().all()
    # changing the small directorate's answers changes nothing that is published
    moved = direct.assign(estimate=np.where(direct["n"] < 10, 1.0, direct["estimate"]))
    again = sa.directorate_estimates(moved, allowed, aux, bounds=(1, 5)).set_index("group")
    pd.testing.assert_frame_equal(out, again)
    # with a declared limit the weight on a small directorate's own answers stays below it
    limited = sa.directorate_estimates(direct, allowed, aux, max_direct_weight=0.3, bounds=(1, 5)).set_index("group")
    assert (limited.loc[small, "gewicht"] > 0).all() and (limited.loc[small, "gewicht"] <= 0.3).all()
    assert (out.loc[~out.index.isin(small), "gewicht"] > 0.5).all()
    assert (out["ci_low"] <= out["estimate"]).all() and (out["estimate"] <= out["ci_high"]).all()


def test_hidden_direct_estimate_carries_no_weight_even_with_many_respondents():
    direct, aux = _directorates()
    allowed = direct.set_index("group")["n"] >= 10
    allowed.iloc[0] = False   # e.g. hidden as the complement of a small directorate
    out = sa.directorate_estimates(direct, allowed, aux).set_index("group")
    assert out["gewicht"].iloc[0] == 0 and np.isnan(out["n"].iloc[0])


def test_auxiliaries_from_register():
    reg = pd.DataFrame({"directie_code": ["D1", "D1", "D1", "D2", "D2"],
                        "jong": ["ja", "nee", "nee", "ja", None],
                        "herkomst_oud": ["niet_westers", "nederlands", None, "westers", "niet_westers"],
                        "salarisschaal": [12, 8, 14, 11, 10],
                        "dienstjarenband": ["<5", "20+", "5-9", "<5", "<5"]})
    a = sa.auxiliaries(reg, AUX)
    assert a.loc["D1"].tolist() == pytest.approx([1 / 3, 1 / 2, 2 / 3, 1 / 3])
    assert a.loc["D2"].tolist() == pytest.approx([1.0, 1 / 2, 0.0, 1.0])
    with pytest.raises(ValueError, match="unknown small-area auxiliaries"):
        sa.auxiliaries(reg, ["gemiddelde_leeftijd"])


def test_known_area_spread_kappa_by_hand():
    """κ_d (a directorate's finite-population spread S²_w/N_d) enters V = σ² + κ + ψ: β̂ and σ̂² are
    metafor's with vi = ψ + κ, the weight is (σ² + κ)/V and the MSE terms follow with that V."""
    y = np.array([1.0, 2.0, 3.0, 4.0, 6.0])
    psi, kappa = np.full(5, 0.4), np.full(5, 0.1)
    a, b = sa.fit(y, psi, np.ones((5, 1)), kappa=kappa), sa.fit(y, psi + kappa, np.ones((5, 1)))
    assert a.sigma2 == pytest.approx(b.sigma2) and a.beta == pytest.approx(b.beta)
    assert a.sigma2 == pytest.approx(3.2)
    V = 3.7
    gamma = (3.2 + 0.1) / V
    est, mse = a.eblup()
    assert est[0] == pytest.approx(gamma * 1 + (1 - gamma) * 3.2)
    assert mse[0] == pytest.approx(gamma * 0.4 + (0.4 / V) ** 2 * V / 5 + 2 * 0.16 / V ** 3 * 2 * V ** 2 / 5)
    _, smse = a.predict(np.ones((1, 1)), kappa=[0.3])
    assert smse[0] == pytest.approx(3.2 + 0.3 + V / 5)
    assert sa.within_variance([1, 3, 2, 4, 6], ["a", "a", "b", "b", "b"]) == pytest.approx((2 + 8) / 3)


# --- replicated worlds: the model estimate against the planted directorate truth --------------------
# One synthetic workforce (pipeline.synth.replicate, a quarter of the demo's size so that directorates
# have ~10-120 respondents), R response draws, each through the pipeline's weighting, the direct
# estimate per directorate and the Fay–Herriot estimate; the truth is the directorate's finite-population
# value (truth.json groups.directie_code). Measured (R = 25): NIM inclusion MSE ratio 0.73, coverage
# 0.95; discrimination share 0.38, 0.93 (without κ the synthetic areas covered only ~0.78). ~13 s CPU.
REPLICATED_SAE = {"nim": (2024, "inclusion", (1.0, 5.0)), "discrimination": (2026, "ervaren_discriminatie", (0.0, 1.0))}


@pytest.fixture(scope="module", params=sorted(REPLICATED_SAE))
def sae_replicates(request):
    from pipeline.analysis.discrimination import with_derived
    from pipeline.settings import load_settings
    from pipeline import replication as rp
    from pipeline.weight import weighted_design
    source = request.param
    wave, var, bounds = REPLICATED_SAE[source]
    settings = load_settings()
    w, k = settings["weighting"], settings.min_cell_size
    world = rp.build_world(source, wave, scale=0.25, seed=11)
    aux = sa.auxiliaries(world.register, list(sa.AUXILIARIES))
    sizes = world.register["directie_code"].astype(str).value_counts()
    truth = pd.Series(world.truth[var]["groups"]["directie_code"])
    rows = []
    for i, rng in enumerate(np.random.default_rng(3).spawn(25)):
        design, _ = weighted_design(rp.draw(world, rng), world.register, strata=w["strata"], margins=w["margins"],
                                    origin=tuple(w.get("origin") or ()) or None, trim=tuple(w["trim"]))
        if source == "discrimination":
            design = with_derived(design)
            direct = design.proportion(var, "directie_code", method="xlogit")
        else:
            direct = design.mean(var, by="directie_code")
        direct["group"] = direct["directie_code"].astype(str)
        data = design.data[design.domain]
        est = sa.directorate_estimates(direct, direct.set_index("group")["n"] >= k, aux, bounds=bounds,
                                       within=sa.within_variance(data[var], data["directie_code"]), sizes=sizes)
        est = est.merge(direct[["group", "estimate", "n"]].rename(columns={"estimate": "direct", "n": "n_direct"}),
                        on="group", how="left")
        rows.append(est.assign(truth=est["group"].map(truth), replicate=i))
    return source, pd.concat(rows, ignore_index=True), k


def test_model_estimate_beats_the_direct_estimate_and_covers_the_truth(sae_replicates):
    source, r, k = sae_replicates
    assert r["truth"].notna().all() and r["group"].nunique() >= 35
    shown = r["n_direct"] >= k   # where a direct estimate is published
    mse_model = ((r["estimate"] - r["truth"])[shown] ** 2).mean()
    mse_direct = ((r["direct"] - r["truth"])[shown] ** 2).mean()
    covered = (r["ci_low"] <= r["truth"]) & (r["truth"] <= r["ci_high"])
    msg = f"{source}: MSE ratio {mse_model / mse_direct:.3f}, coverage {covered.mean():.3f}, synthetic {covered[~shown].mean():.3f}"
    print(msg)
    assert mse_model / mse_direct < 0.8, msg
    assert covered.mean() >= 0.85 and covered[shown].mean() >= 0.85, msg
    assert (~shown).sum() >= 20 and covered[~shown].mean() >= 0.85, msg   # the synthetic estimates too
    assert (r.loc[~shown, "gewicht"] == 0).all()
    # the check has teeth: intervals 1.5 times too narrow fail it
    mid, half = (r["ci_low"] + r["ci_high"]) / 2, (r["ci_high"] - r["ci_low"]) / 3
    assert ((r["truth"] >= mid - half) & (r["truth"] <= mid + half)).mean() < 0.85, msg


def test_directorate_page_shows_the_model_estimate_where_its_own_number_is_hidden():
    """A page's survey row for a directorate with fewer than k respondents: its direct level is '–' and
    its n is not shown, the chapter's model estimate (results row sae_level) stands beside it."""
    from pipeline.chapters.directorate import FEW, SURVEY_RULE, survey_table
    from pipeline.disclosure.publish import Policy, Result, publish
    row = dict(chapter="02_inclusie", indicator="inclusion", waves="2024", se=np.nan, p=np.nan, p_bh=np.nan)
    results = pd.DataFrame([
        {**row, "table": "levels", "statistic": "level", "dimension": "totaal", "group": "totaal", "estimate": 3.2,
         "ci_low": 3.1, "ci_high": 3.3, "n": 900, "suppressed": False},
        {**row, "table": "dir:inclusion", "statistic": "level", "dimension": "directie_code", "group": "D06",
         "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": np.nan, "suppressed": True},
        {**row, "table": "sae:inclusion", "statistic": "sae_level", "dimension": "directie_code", "group": "D06",
         "estimate": 3.31, "se": 0.2, "ci_low": 2.92, "ci_high": 3.70, "n": np.nan, "suppressed": False}])
    page = publish(Result(survey_table(results, "D06"), SURVEY_RULE), Policy(k=10)).table.iloc[0]
    assert np.isnan(page["directie"]) and np.isnan(page["n"]) and page["vergelijking"] == FEW
    assert (page["modelschatting"], page["modelschatting_laag"], page["modelschatting_hoog"]) == (3.31, 2.92, 3.70)


def test_too_few_directorates_for_the_model_is_said_not_fitted():
    direct, aux = _directorates()
    allowed = pd.Series(False, index=direct["group"])
    allowed.iloc[:5] = True   # five published levels for five coefficients and a variance
    with pytest.raises(sa.TooFewAreas):
        sa.directorate_estimates(direct, allowed, aux)


def test_config_small_area_is_checked():
    assert sa.check({"auxiliaries": AUX, "max_direct_weight": 0.0}) == [] and sa.check(None) == []
    assert len(sa.check({"max_direct_weight": 0.5})) == 1   # "rests mostly on" starts at one half
    assert len(sa.check({"auxiliaries": ["gemiddelde_leeftijd"]})) == 1
    assert sa.declared({}) is None
    assert sa.declared({"small_area": {}}) == {"auxiliaries": AUX, "max_direct_weight": 0.0}

"""The programme-effect estimator (pipeline/analysis/effect.py): hand-computed 2x2 and staggered cases,
the bias of the plain two-way regression it avoids, and the coverage of its intervals on a simulated
directorate panel with known design variances."""
import numpy as np
import pandas as pd
import pytest

from pipeline import exposure
from pipeline.analysis import effect as E


def panel(rows):
    return pd.DataFrame(rows, columns=["unit", "wave", "y", "v", "n"])


def test_two_by_two_by_hand():
    # one treated (A, from 2025), one control (B); two waves
    p = panel([("A", 2024, 3.0, 0.010, 50), ("A", 2025, 3.5, 0.020, 60),
               ("B", 2024, 3.2, 0.015, 40), ("B", 2025, 3.3, 0.005, 45)])
    r = E.analyse(p, {"A": 2025})
    # (3.5 - 3.0) - (3.3 - 3.2) = 0.4; variance: the four design variances (no residual df for s2)
    assert r.overall["estimate"] == pytest.approx(0.4)
    assert r.s2 == 0.0
    assert r.overall["se"] == pytest.approx(np.sqrt(0.010 + 0.020 + 0.015 + 0.005))
    assert r.overall["ci_low"] == pytest.approx(0.4 - 1.959964 * np.sqrt(0.05), abs=1e-6)
    assert r.overall["n_min"] == 40
    assert r.placebo is None and r.treated == ("A",) and r.controls == ("B",)
    assert E.twfe(p, {"A": 2025}) == pytest.approx(0.4)  # with 2x2 the regression is the same number


def test_staggered_by_hand_not_yet_and_never_treated():
    # A starts 2, B starts 3, C never; waves 1..3
    y = {("A", 1): 1.0, ("A", 2): 2.0, ("A", 3): 4.0, ("B", 1): 1.5, ("B", 2): 1.7, ("B", 3): 3.0,
         ("C", 1): 0.5, ("C", 2): 0.9, ("C", 3): 1.0}
    p = panel([(u, w, v, 0.01, 30) for (u, w), v in y.items()])
    coh = {"A": 2, "B": 3}
    got = {(c.g, c.t): c for c in E.cells(p, coh, "not_yet_treated")}
    est = lambda c: E.estimate(c.coef, p)["estimate"]  # noqa: E731
    # ATT(2,2): base 1, controls B (not yet) and C
    assert got[(2, 2)].controls == ("B", "C")
    assert est(got[(2, 2)]) == pytest.approx((2.0 - 1.0) - ((1.7 - 1.5) + (0.9 - 0.5)) / 2)
    # ATT(2,3): B is exposed in 3, so only C
    assert got[(2, 3)].controls == ("C",)
    assert est(got[(2, 3)]) == pytest.approx((4.0 - 1.0) - (1.0 - 0.5))
    # ATT(3,3): base 2, control C; lead ATT(3,1): (B1 - B2) - (C1 - C2) with A not yet exposed in 1 but in 2
    assert est(got[(3, 3)]) == pytest.approx((3.0 - 1.7) - (1.0 - 0.9))
    assert got[(3, 1)].controls == ("C",) and est(got[(3, 1)]) == pytest.approx((1.5 - 1.7) - (0.5 - 0.9))
    never = {(c.g, c.t): c for c in E.cells(p, coh, "never_treated")}
    assert never[(2, 2)].controls == ("C",)
    assert est(never[(2, 2)]) == pytest.approx((2.0 - 1.0) - (0.9 - 0.5))
    # the aggregate: equal weights (one directorate per cell) over the three effects
    r = E.analyse(p, coh)
    assert r.overall["estimate"] == pytest.approx(np.mean([est(got[k]) for k in ((2, 2), (2, 3), (3, 3))]))
    assert r.placebo["estimate"] == pytest.approx(est(got[(3, 1)]))


def test_twfe_is_biased_where_group_time_effects_are_not():
    """Noise-free parallel paths, effects growing with time since the start: CS recovers them exactly,
    the two-way regression does not (it uses already-exposed directorates as controls)."""
    rows, coh = [], {}
    rng = np.random.default_rng(3)
    alpha = rng.normal(0, 1, 12)
    for i in range(12):
        g = [2021, 2023, None][i % 3]
        coh[f"D{i}"] = g
        for t in range(2019, 2026):
            eff = 0.0 if g is None or t < g else 0.1 * (1 + t - g)
            rows.append((f"D{i}", t, alpha[i] + 0.05 * (t - 2019) + eff, 0.001, 100))
    p = panel(rows)
    r = E.analyse(p, coh)
    truth = {e: 0.1 * (1 + e) for e in range(0, 5)}
    ev = r.events.set_index("e")["estimate"]
    for e, v in truth.items():
        assert ev[e] == pytest.approx(v, abs=1e-9)
    assert r.placebo["estimate"] == pytest.approx(0.0, abs=1e-9)
    post = [c for c in E.cells(p, coh) if c.post]
    truth_all = np.average([0.1 * (1 + c.e) for c in post], weights=[len(c.treated) for c in post])
    assert r.overall["estimate"] == pytest.approx(truth_all, abs=1e-9)
    assert abs(E.twfe(p, coh) - truth_all) > 0.05


def test_heterogeneity_moment_recovers_planted_variance():
    rng = np.random.default_rng(11)
    est = []
    for _ in range(30):
        rows = [(f"D{i}", t, rng.normal(0, 0.1) + rng.normal(0, np.sqrt(0.02)), 0.01, 100)
                for i in range(40) for t in range(4)]
        est.append(E.heterogeneity(panel(rows), {}))
    # y = sampling noise N(0, 0.1^2 = 0.01) + eta N(0, 0.02): s2 should be about 0.02
    assert np.mean(est) == pytest.approx(0.02, rel=0.15)


def simulate(rng, s2=0.004, effect=0.2, n_units=30, waves=(2022, 2023, 2024, 2025)):
    starts = {f"D{i}": (2024 if i < 5 else 2025 if i < 9 else None) for i in range(n_units)}
    rows = []
    for i in range(n_units):
        u, a = f"D{i}", rng.normal(0, 0.3)
        for t in waves:
            v = rng.uniform(0.002, 0.02)
            eff = effect if exposure.exposed(starts, u, t) else 0.0
            rows.append((u, t, a + 0.03 * (t - 2022) + eff + rng.normal(0, np.sqrt(s2)) + rng.normal(0, np.sqrt(v)), v, 80))
    return panel(rows), {u: g for u, g in starts.items() if g is not None}


def test_intervals_cover_and_placebo_holds_its_level():
    rng = np.random.default_rng(2024)
    cover, placebo_reject, null_reject = [], [], []
    for _ in range(200):
        p, coh = simulate(rng)
        r = E.analyse(p, coh)
        cover.append(r.overall["ci_low"] <= 0.2 <= r.overall["ci_high"])
        placebo_reject.append(r.placebo["p"] < 0.05)
        p0, coh0 = simulate(rng, effect=0.0)
        null_reject.append(E.analyse(p0, coh0).overall["p"] < 0.05)
    assert np.mean(cover) >= 0.90
    assert np.mean(placebo_reject) <= 0.10
    assert np.mean(null_reject) <= 0.10


def test_verdicts():
    p, coh = simulate(np.random.default_rng(5), effect=0.5)
    r = E.analyse(p, coh)
    assert E.verdict_of(r, r.overall["p"])[0] == E.PROVEN
    assert E.verdict_of(r, 0.5)[0] == E.NOT_PROVEN
    assert E.verdict_of(r, r.overall["p"], min_treated=len(r.treated) + 1)[0] == E.TOO_EARLY
    # one exposed directorate only: too early, whatever its p
    one = E.analyse(p, {"D0": 2024})
    assert one.treated == ("D0",) and E.verdict_of(one, 0.0)[0] == E.TOO_EARLY
    # exposed before the first wave: no baseline, nothing estimable
    assert E.analyse(p, {"D0": 2022, "D1": 2021}).overall is None
    assert E.mde(0.1) == pytest.approx((1.959964 + 0.841621) * 0.1, rel=1e-5)


def test_exposure_from_declared_plans_and_dose():
    entries = [{"scope": "organisation", "start_year": 2024}, {"scope": ["D02"], "start_year": 2025},
               {"scope": ["D02", "D07"], "start_year": 2026}, {"scope": ["D03"]}, {"scope": ["D03"], "start_year": 2024}]
    assert exposure.plan_starts(entries) == {"D02": 2025, "D03": 2024, "D07": 2026}
    shares = {("D1", 2024): 0.3, ("D1", 2025): 0.6, ("D1", 2026): 0.4, ("D2", 2024): 0.55, ("D3", 2026): 0.49}
    assert exposure.dose_starts(shares, 0.5) == {"D1": 2025, "D2": 2024}
    assert exposure.exposed({"D1": 2025}, "D1", 2025) and not exposure.exposed({"D1": 2025}, "D1", 2024)


def test_matches_csdid_golden():
    """Post-period ATT(g, t) and the simple aggregate equal the csdid package's (tests/golden/effect_csdid.py)."""
    import importlib.util
    import json
    from pathlib import Path
    here = Path(__file__).parent / "golden"
    spec = importlib.util.spec_from_file_location("effect_csdid", here / "effect_csdid.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    df = mod.panel()
    gold = json.loads((here / "effect_csdid.json").read_text())
    p = pd.DataFrame({"unit": df["id"].astype(str), "wave": df["year"], "y": df["y"], "v": 0.0025, "n": 100})
    coh = {str(i): int(g) for i, g in zip(df["id"], df["g"]) if g}
    r = E.analyse(p, coh)
    mine = {(int(g), int(t)): a for g, t, a in zip(r.cells["g"], r.cells["t"], r.cells["estimate"])}
    assert len(gold["cells"]) == 8
    for c in gold["cells"]:
        assert mine[(c["g"], c["t"])] == pytest.approx(c["att"], abs=1e-10)
    assert r.overall["estimate"] == pytest.approx(gold["simple"], abs=1e-10)


def test_verdict_words_from_results_rows():
    """The dashboard's verdicts come from results.csv rows alone and say one of the three outcomes."""
    import pandas as pd
    from pipeline.chapters import effect_section as S
    spec = {"min_treated": 2, "alpha": 0.05, "power": 0.8}

    def rows(est, se, p_bh, n, placebo_p, source="mto", ind="psych_safety"):
        base = {"source": source, "indicator": ind, "category": "plan", "waves": "2022-2025"}
        return pd.DataFrame([
            {**base, "statistic": "programme_effect", "estimate": est, "se": se, "ci_low": est - 1.96 * se,
             "ci_high": est + 1.96 * se, "p": p_bh, "p_bh": p_bh},
            {**base, "statistic": "exposed_directorates", "estimate": n, "se": None, "ci_low": None, "ci_high": None,
             "p": None, "p_bh": None},
            {**base, "statistic": "placebo", "estimate": 0.0, "se": 0.1, "ci_low": -0.2, "ci_high": 0.2, "p": placebo_p,
             "p_bh": placebo_p}])
    proven = S.from_results(rows(0.37, 0.04, 0.0001, 2, 0.6), spec).iloc[0]
    assert proven["oordeel"] == E.PROVEN and proven["zin"].startswith("aantoonbaar effect: +0,37 punt")
    flat = S.from_results(rows(0.03, 0.05, 0.5, 2, 0.6), spec).iloc[0]
    # the minimal detectable effect: (1.96 + 0.84) x 0.05 = 0.14
    assert flat["zin"] == "geen aantoonbaar effect (de meting kan een effect kleiner dan 0,14 punt niet zien)"
    assert S.from_results(rows(0.37, 0.04, 0.0001, 1, 0.6), spec).iloc[0]["oordeel"] == E.TOO_EARLY
    pre = S.from_results(rows(0.37, 0.04, 0.0001, 2, 0.01), spec).iloc[0]
    assert pre["oordeel"] == E.TOO_EARLY and "vóór de start" in pre["zin"]
    share = S.from_results(rows(0.03, 0.01, 0.5, 3, 0.6, "discrimination", "ervaren_discriminatie"), spec).iloc[0]
    assert share["zin"].endswith("kleiner dan 2,8 procentpunt niet zien)")
    assert S.from_results(rows(0.3, 0.04, 0.01, 2, 0.6).iloc[:0], spec).empty


def test_event_study_chart_states_its_finding_in_dutch():
    import matplotlib.pyplot as plt
    from pipeline.report import figures
    ev = pd.DataFrame({"indicator": ["a", "a", "a", "b", "b"], "e": [-2, 0, 1, -1, 0],
                       "estimate": [0.01, 0.3, 0.35, 0.002, 0.02], "ci_low": [-.1, .2, .2, -.01, 0.0],
                       "ci_high": [.1, .4, .5, .01, .04]})
    fig = figures.event_study(ev, {"a": "Psychologische veiligheid", "b": "Discriminatie"}, "Effect", shares=("b",))
    assert fig.get_label() == ("Effect van het programma. Psychologische veiligheid: +0,30 punt in het startjaar, "
                               "vóór de start van +0,01 tot +0,01; Discriminatie: +2,00 procentpunt in het startjaar, "
                               "vóór de start van +0,20 tot +0,20.")
    assert [len(ax.lines) > 0 for ax in fig.axes] == [True, True]
    plt.close(fig)
    # only a later wave after the start (e.g. the discrimination study, 2024 and 2026, a plan from 2025)
    late = figures.event_study(ev[ev["e"] == 1], {"a": "Psychologische veiligheid"}, "Effect")
    assert late.get_label() == "Effect van het programma. Psychologische veiligheid: +0,35 punt 1 jaar na de start."
    plt.close(late)


def test_start_year_is_declared_data_and_checked():
    """The plan exposure comes from config/targets.yaml (start_year per action plan); a start year on an
    organisation target, or one that is not a year, is refused by the targets check."""
    from pipeline.analysis import targets as T
    from pipeline.settings import load_settings
    settings = load_settings()
    assert E.plan_cohorts(settings.targets) == {"D02": 2025, "D03": 2024}
    good = {"name": "x", "label": "x", "scope": ["D05"], "counted": "young", "kind": "share", "value": 0.2,
            "baseline_year": 2024, "target_year": 2028, "start_year": 2026}
    assert T.check({"targets": [good]}) == []
    assert E.plan_cohorts([T.from_dict(good)]) == {"D05": 2026}
    bad_scope = {**good, "scope": "organisation"}
    bad_year = {**good, "start_year": "2026"}
    assert any("start_year" in p for p in T.check({"targets": [bad_scope]}))
    assert any("start_year" in p for p in T.check({"targets": [bad_year]}))


def test_effect_config_is_checked():
    from pipeline.settings import _check_effect
    assert _check_effect(None) == []
    ok = {"exposures": {"plan": {"kind": "plan"}, "training": {"kind": "training", "course": "iws",
                                                                "role": "leidinggevende", "threshold": 0.5}},
          "control": "not_yet_treated", "outcomes": {"mto": ["psych_safety"]}, "min_treated": 2}
    assert _check_effect(ok) == []
    bad = {**ok, "exposures": {"x": {"kind": "dose"}, "t": {"kind": "training", "course": "iws", "threshold": 2}},
           "control": "everyone", "min_treated": 0, "alpha": 0.7}
    problems = _check_effect(bad)
    assert len(problems) == 5, problems

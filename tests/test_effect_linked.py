"""The programme effect in the frame of the published changes (pipeline/analysis/effect.py with the
linked-panel stack): an ATT of one exposed and one control directorate over two waves is the published
gap change between them, estimate and SE, and both are R's (tests/golden/make_golden_panel.R, the
paired design: the same respondents in both waves). Dropping the covariance of the shared respondents
(waves as independent samples) gives a different, wider SE, so the test sees it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import effect as E
from pipeline.analysis import trend as T
from pipeline.survey import SurveyDesign, linked_panel

GOLDEN = Path(__file__).parent / "golden"


def stacked(cal: bool):
    """Waves 1 and 3 of the golden panel (every respondent in both), each wave stratified with FPC and
    optionally raked, on the linked-panel stack; `grp` plays the directorate (b exposed from wave 3)."""
    data = pd.read_csv(GOLDEN / "golden_panel_data.csv")
    waves = {}
    for w, g in data[data["golf"].isin([1, 3])].groupby("golf"):
        des = SurveyDesign(g.reset_index(drop=True), weights="w", strata="h", fpc="N_h")
        waves[int(w)] = des.calibrate({"sex": {"m": 360.0, "v": 290.0}}, tol=1e-13) if cal else des
    return linked_panel(waves, "person")


@pytest.mark.parametrize("cal", [False, True])
def test_two_by_two_is_the_published_gap_change_and_r(cal):
    s = stacked(cal)
    panel, cov = E.linked_directorate_panel(s, "y", unit="grp")
    assert sorted(zip(panel["unit"], panel["wave"])) == [("a", 1), ("a", 3), ("b", 1), ("b", 3)]
    r = E.analyse(panel, {"b": 3}, cov=cov)
    assert r.s2 == 0.0 and r.treated == ("b",) and r.controls == ("a",)
    gap = T.gap_change(s, "y", "grp", "b", "a", 1, 3)
    gold = pd.read_csv(GOLDEN / "golden_panel.csv").set_index(["design", "what", "term"])
    gold = gold.loc[("paired_cal" if cal else "paired", "did", "tw:tg")]
    assert r.overall["estimate"] == pytest.approx(gap["did"], abs=1e-12)
    assert r.overall["se"] == pytest.approx(gap["se"], rel=1e-9)
    assert r.overall["estimate"] == pytest.approx(gold["estimate"], rel=1e-6)
    assert r.overall["se"] == pytest.approx(gold["se"], rel=1e-6)
    # the directorate means and their variances are the levels of each wave (the panel adds nothing there)
    lv = s.mean("y", by=["golf", "grp"])
    assert np.allclose(np.sqrt(panel["v"]), lv["se"], rtol=1e-12)
    # without the covariance of the shared respondents the SE is another (larger) number: the test sees it
    indep = E.analyse(panel, {"b": 3})
    assert indep.overall["estimate"] == pytest.approx(r.overall["estimate"])
    assert indep.overall["se"] > 1.3 * r.overall["se"]


def test_covariance_of_means_matches_contrasts():
    """S from `mean_covariance` gives, for any contrast of the means, the SE of that contrast as the
    engine computes it directly (a change within a group)."""
    s = stacked(True)
    m, S = s.mean_covariance("y", by=["golf", "grp"])
    key = list(zip(m["golf"], m["grp"]))
    c = np.zeros(len(key))
    c[key.index((3, "a"))], c[key.index((1, "a"))] = 1.0, -1.0
    direct = s.compare("y", by="golf", reference=1, within="grp")
    row = direct[(direct["grp"] == "a") & (direct["golf"] == 3)].iloc[0]
    assert np.sqrt(c @ S @ c) == pytest.approx(row["se"], rel=1e-9)
    assert np.allclose(S, S.T)


def test_heterogeneity_moment_uses_the_covariance():
    """With correlated sampling errors the moment equation subtracts tr(M S), not sum M_ii v_i. A
    directorate's means in two waves correlate (0.8): the directorate effects of the two-way fit absorb
    most of that sampling error, so the diagonal-only moment subtracts far too much and loses the
    planted deviations from parallel paths (s2 = 0.005); with S it recovers them."""
    rng = np.random.default_rng(5)
    units, waves = [f"D{i}" for i in range(40)], [1, 2, 3]
    rows = [(u, w) for u in units for w in waves]
    same = np.array([[u == u2 for u2, _ in rows] for u, _ in rows])
    S = np.where(same, 0.008, 0.0) + 0.002 * np.eye(len(rows))   # variance 0.01, covariance 0.008 within
    L = np.linalg.cholesky(S)
    with_s, without_s = [], []
    for _ in range(80):
        y = L @ rng.standard_normal(len(rows)) + rng.normal(0, np.sqrt(0.005), len(rows))
        p = pd.DataFrame({"unit": [u for u, _ in rows], "wave": [w for _, w in rows], "y": y, "v": 0.01, "n": 50})
        with_s.append(E.heterogeneity(p, {}, S))
        without_s.append(E.heterogeneity(p, {}))
    assert np.mean(with_s) == pytest.approx(0.005, rel=0.2)
    assert np.mean(without_s) < 0.001


def contaminated_world(seed: int = 11):
    """A directorate panel where the action-plan directorates are also the first to train their
    managers (as the plans ask): plan effect +0.3 from 2024 in P1-P3, no training effect anywhere.
    Parallel paths otherwise; small sampling noise (known variances)."""
    rng = np.random.default_rng(seed)
    units = [f"P{i}" for i in range(1, 4)] + [f"D{i:02d}" for i in range(1, 25)]
    plan = {u: 2024 for u in units[:3]}
    # training reaches the threshold: the plan directorates in 2024, others spread over 2024-2026 or never
    later = [2024, 2025, 2026, None]
    training = {u: 2024 for u in plan} | {u: later[i % 4] for i, u in enumerate(units[3:]) if later[i % 4]}
    rows = []
    for u in units:
        a = rng.normal(3.5, 0.3)
        for t in (2022, 2023, 2024, 2025, 2026):
            effect = 0.3 if u in plan and t >= plan[u] else 0.0
            rows.append((u, t, a + 0.05 * (t - 2022) + effect + rng.normal(0, 0.02), 0.0004, 60))
    return pd.DataFrame(rows, columns=["unit", "wave", "y", "v", "n"]), plan, training


def test_training_without_plan_waves_is_free_of_the_plan_effect():
    """Old definition (every directorate-wave): the training 'effect' picks up the plan's +0.3 in the
    directorates that both train and have a plan, and is far from the true 0. New definition
    (config effect.exposures.training.without: plan): the plan directorates' waves from their start
    are left out, and the interval covers 0."""
    panel, plan, training = contaminated_world()
    old = E.analyse(panel, training)
    assert old.overall["estimate"] > 0.05 and old.overall["ci_low"] > 0     # contaminated: a false 'effect'
    clean, _ = E.without(panel, None, plan)
    assert not any((u in plan and w >= 2024) for u, w in zip(clean["unit"], clean["wave"]))
    assert len(clean) == len(panel) - 3 * 3                                # P1-P3 keep 2022 and 2023
    new = E.analyse(clean, training)
    assert abs(new.overall["estimate"]) < 0.03
    assert new.overall["ci_low"] <= 0 <= new.overall["ci_high"]
    # the plan's own effect is untouched: the plan analysis uses every directorate-wave
    assert E.analyse(panel, plan).overall["estimate"] == pytest.approx(0.3, abs=0.05)


def test_training_exposure_is_declared_without_the_plan():
    """The shipped configuration analyses training without the plan directorate-waves, and the check
    refuses a `without` that names no plan exposure."""
    from pipeline.settings import _check_effect, load_settings
    spec = load_settings().effect
    assert spec["exposures"]["training"]["without"] == "plan"
    assert spec["exposures"][spec["exposures"]["training"]["without"]]["kind"] == "plan"
    bad = {"exposures": {"plan": {"kind": "plan"},
                         "training": {"kind": "training", "course": "iws", "role": "r", "threshold": 0.5,
                                      "without": "training"}}}
    assert any("without" in p for p in _check_effect(bad))
    ok = {"exposures": {**bad["exposures"], "training": {**bad["exposures"]["training"], "without": "plan"}}}
    assert _check_effect(ok) == []

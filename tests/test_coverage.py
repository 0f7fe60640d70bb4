"""Planted truth against the published results table (reports/results.csv) of a full demo report.

For every non-suppressed estimate with an interval and a planted counterpart in truth.json, the
two-sided coverage of the 95% intervals lies in [0.90, 0.99] per chapter (too narrow AND too wide
intervals fail), and every overall discrimination prevalence covers its truth in both waves.
"""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from conftest import report_config

STATISTICS = ("level", "share", "gap", "adjusted_gap", "change", "gap_change")
# Regression coefficients are published in the superpopulation frame (no FPC, config
# `inference.models`): they estimate the process, of which the finite-population value in truth.json
# is one realisation, so against it their intervals are conservative by construction. Changes and raw
# gap changes are in the frame of the levels (the linked-panel estimator) and checked as finite.
MODEL_FRAME = ("adjusted_gap",)
CHAPTERS = ("02_inclusie", "03_veiligheid", "05_discriminatie", "06_effect_inclusie", "07_effect_veiligheid")


@pytest.fixture(scope="module")
def results(demo_full, tmp_path_factory) -> pd.DataFrame:
    from pipeline.report.build import build
    tmp = tmp_path_factory.mktemp("coverage")
    demo = tmp / "demo"
    shutil.copytree(demo_full, demo)
    report_config(tmp, demo)
    build(tmp / "report.yaml", jobs=2)
    return pd.read_csv(tmp / "reports" / "results.csv", keep_default_na=False, na_values=[""],
                       dtype={"waves": str, "group": str, "reference": str})


def _group_value(t: dict, dim: str, group: str):
    if dim == "totaal":
        return t["overall"]
    return t["groups"].get(dim, {}).get(group)


def planted(row, truth: dict):
    """The planted (finite-population) value a results row estimates, or None."""
    src, stat, ind, dim, grp = row.source, row.statistic, row.indicator, row.dimension, row.group
    if src not in ("nim", "mto", "discrimination") or "×" in dim or stat not in STATISTICS:
        return None
    waves = str(row.waves).split("-")
    per_wave = truth.get(src, {})
    if stat in ("level", "share"):
        t = per_wave.get(waves[0], {}).get(ind)
        return None if t is None or len(waves) != 1 else _group_value(t, dim, grp)
    if stat == "gap":
        t = per_wave.get(waves[0], {}).get(ind)
        if t is None or dim == "totaal":
            return None
        a, b = _group_value(t, dim, grp), _group_value(t, dim, row.reference)
        return None if a is None or b is None else a - b
    if stat == "adjusted_gap":
        return per_wave.get(waves[0], {}).get("adjusted_gap", {}).get(ind, {}).get(dim, {}).get(grp)
    if stat == "change" and len(waves) == 2:
        t0, t1 = (per_wave.get(w, {}).get(ind) for w in waves)
        if t0 is None or t1 is None:
            return None
        a, b = _group_value(t1, dim, grp), _group_value(t0, dim, grp)
        return None if a is None or b is None else a - b
    if stat == "gap_change" and len(waves) == 2:
        t0, t1 = (per_wave.get(w, {}).get(ind) for w in waves)
        if t0 is None or t1 is None:
            return None
        vals = [_group_value(t, dim, g) for t in (t1, t0) for g in (grp, row.reference)]
        return None if any(v is None for v in vals) else (vals[0] - vals[1]) - (vals[2] - vals[3])
    return None


def _covered(results: pd.DataFrame, truth: dict) -> pd.DataFrame:
    r = results[~results["suppressed"].astype(bool) & results["ci_low"].notna() & results["ci_high"].notna()].copy()
    r["truth"] = [planted(row, truth) for row in r.itertuples()]
    r = r[r["truth"].notna()].copy()
    r["covered"] = (r["ci_low"] <= r["truth"]) & (r["truth"] <= r["ci_high"])
    return r


# Chapters 06/07 publish ~19 level rows per wave and scale that all share that wave's one sampling error
# (one MTO wave 2,8 SE off moves ~15 rows at once), so a row-pooled band cannot tell bias from luck for
# them either: their levels are checked per source over replicated worlds and unseen seeds
# (test_level_bias); their changes and gap changes, whose errors differ per pair of waves, stay here.
# With the newcomer margin, MTO 2025 social safety covers 0.95 of its 19 rows (was 0.53), but psychological
# safety stays at 0.42 (one wave 2.8 SE off by chance: README, 'The MTO 2025 psychological-safety
# deviation'), so chapter 07's levels pool to 0.895 and stay out of this band.
LEVELS_REPLICATED = {"06_effect_inclusie", "07_effect_veiligheid"}


@pytest.mark.parametrize("chapter", CHAPTERS[2:])
def test_two_sided_coverage_per_chapter(results, truth_full, chapter):
    """Finite-frame estimates (levels, shares, gaps, changes) against the finite-population truth:
    coverage in [0.90, 0.99]; model-frame estimates at least 0.90. Chapters 02 and 03 are checked on
    replicated samples instead (below): their ~60 level rows share one wave's sampling error, so a
    row-pooled band over one sample cannot tell bias from luck."""
    r = _covered(results, truth_full)
    r = r[r["chapter"] == chapter]
    finite = r[~r["statistic"].isin(MODEL_FRAME)]
    if chapter in LEVELS_REPLICATED:  # their levels: pooled over replicated worlds (tests/test_level_bias.py)
        finite = finite[finite["statistic"] != "level"]
    assert len(finite) >= 30, len(finite)
    assert 0.90 <= finite["covered"].mean() <= 0.99, finite.groupby("statistic")["covered"].agg(["mean", "size"])
    model = r[r["statistic"].isin(MODEL_FRAME)]
    if len(model):
        assert model["covered"].mean() >= 0.90, model.groupby("statistic")["covered"].agg(["mean", "size"])


def test_every_overall_discrimination_prevalence_covers_its_truth_in_both_waves(results, truth_full):
    from pipeline.analysis.discrimination import PREVALENCE
    r = _covered(results, truth_full)
    overall = r[(r["chapter"] == "05_discriminatie") & (r["statistic"] == "share") & (r["dimension"] == "totaal")
                & r["indicator"].isin(PREVALENCE) & r["table"].str.startswith("prev:")]
    assert len(overall) == 2 * len(PREVALENCE)
    missed = overall[~overall["covered"]]
    assert missed.empty, missed[["waves", "indicator", "estimate", "ci_low", "ci_high", "truth"]]


def test_at_most_5_percent_of_published_changes_exceed_their_two_levels(results):
    """Chapters 05, 06 and 07 of the shipped demo world: a change's SE may exceed sqrt(se_a^2 + se_b^2) of
    its two published levels (beyond the rounding of the published SEs) in at most 5% of the published
    changes: overlapping waves are positively correlated (the linked-panel estimator; before it, 90%).
    Per chapter at most 10%: a change whose true covariance is about 0 (an item without a persistent
    person effect) lies above by chance about half the time."""
    from pipeline.analysis.linkage import changes_against_levels
    c = changes_against_levels(results)
    assert set(c["chapter"]) == {"05_discriminatie", "06_effect_inclusie", "07_effect_veiligheid"}
    published = ((results["statistic"] == "change") & ~results["suppressed"].astype(bool) & results["se"].notna()).sum()
    assert len(c) >= 0.9 * published
    by_chapter = c.groupby("chapter")["above"].agg(["mean", "size"])
    assert c["above"].mean() <= 0.05 and (by_chapter["mean"] <= 0.10).all(), by_chapter


def test_programme_effect_covers_the_planted_effect_and_the_nulls_are_not_proven(results, truth_full):
    """The shipped demo world (issue 31): every aggregate effect under the planted exposure covers the
    planted effect (truth.json `programme_effect`), and no planted null is demonstrable after BH."""
    planted = truth_full["programme_effect"]
    rows = results[(results["statistic"] == "programme_effect") & (results["category"] == planted["exposure"])]
    assert len(rows) >= 4
    for r in rows.itertuples():
        truth = planted["effect"].get(r.source, {}).get(r.indicator, 0.0)  # not planted (discrimination): none
        assert r.ci_low <= truth <= r.ci_high, (r.source, r.indicator, truth, r.estimate)
        if truth == 0:
            assert not r.p_bh < 0.05, (r.source, r.indicator)


def test_training_exposure_covers_zero_where_no_training_effect_is_planted(results, truth_full):
    """No training effect is planted (truth.json `programme_effect` names only the plan exposure). Training
    is analysed without the plan directorates' waves from their start (config effect.exposures.training
    .without), so the plan's effect cannot leak in: every training effect's interval covers 0 and none is
    demonstrable. (With every directorate-wave, MTO psychological safety's training 'effect' was -0.043,
    pulled down by the plan directorates serving as not-yet-trained controls; tests/test_effect_linked.py.)"""
    assert truth_full["programme_effect"]["exposure"] != "training"
    rows = results[(results["statistic"] == "programme_effect") & (results["category"] == "training")]
    assert len(rows) >= 4
    for r in rows.itertuples():
        assert r.ci_low <= 0 <= r.ci_high, (r.source, r.indicator, r.estimate)
        assert not r.p_bh < 0.05, (r.source, r.indicator)


def test_weighted_origin_share_matches_the_register_in_every_wave(results):
    m = results[results["statistic"].isin(["register_share", "weighted_share"]) & (results["indicator"] == "herkomst_weging")
                & (results["group"] == "niet_westers")]
    wide = m.pivot_table(index=["chapter", "waves"], columns="statistic", values="estimate")
    assert len(wide) >= 3
    assert np.allclose(wide["weighted_share"], wide["register_share"], atol=1e-6)


# --- chapters 02 and 03: replicated samples (pipeline.replication) ------------------------------
# One finite population, R response draws with the generator's response model, each through the
# pipeline's weighting and the chapter's level and gap estimators. Groups with an expected ~50+
# respondents: small domains under-cover — pay scale 15+ with ~25 respondents at this scale (gap
# coverage 0.85, SE/SD 0.85) and non-binary staff with ~10 (0.89, 0.83; benchmarks/coverage_replicated.py):
# the linearised variance of a raked domain estimate is too small when the domain has few respondents.
REPLICATED = {"02_inclusie": ("nim", 2024, "inclusion"), "03_veiligheid": ("mto", 2024, "social_safety")}
R, SCALE = 150, 0.15
DIMS = ["herkomst_oud", "beperking", "jong", "lhbtiq"]


@pytest.fixture(scope="module", params=sorted(REPLICATED))
def replicated(request):
    from pipeline.settings import load_settings
    from pipeline import replication as rp
    source, wave, construct = REPLICATED[request.param]
    world = rp.build_world(source, wave, scale=SCALE, seed=11)
    # without panel response: this checks the intervals under the generator's plain response model. With
    # it (and the `nieuw` margin) the young/older levels and the age gap keep a bias of about 0.25 SE at this
    # scale (gap jong +0.24 and +0.29 over two replicate seeds; without the margin +0.43, +0.48): open, see
    # README 'Open after the newcomer margin'; the newcomer bias itself is tested in test_level_bias.py
    return request.param, rp.run(world, load_settings(), [construct], DIMS, R, seed=3, panel=False)


def test_replicated_two_sided_coverage(replicated):
    """Every level and gap: coverage of the 95% intervals inside the two-sided binomial acceptance
    region for R replicates (too narrow AND too wide fail), bias below 0.35 SE, and the estimated SE
    agrees with the spread over replicates (median ratio in [0.85, 1.15])."""
    from pipeline.replication import coverage
    chapter, reps = replicated
    cov = coverage(reps)
    assert len(cov) >= 15 and (cov["replicates"] == R).all(), cov
    show = cov[["statistic", "dimension", "group", "coverage", "bias_se", "se_ratio"]].round(3).to_string()
    assert cov["in_band"].all(), show
    assert cov["bias_se"].abs().max() < 0.35, show
    assert 0.85 <= cov["se_ratio"].median() <= 1.15, show


def test_the_replicated_check_fails_for_too_wide_and_too_narrow_intervals(replicated):
    """The same replicates with intervals 1.5x too wide or 1.5x too narrow must fail the check: the
    band is two-sided (a one-sided 'coverage >= 0.93' passes intervals that are too wide)."""
    from pipeline.replication import coverage
    _, reps = replicated
    mid = (reps["ci_low"] + reps["ci_high"]) / 2
    for factor in (1.5, 1 / 1.5):
        half = (reps["ci_high"] - reps["ci_low"]) / 2 * factor
        cov = coverage(reps.assign(ci_low=mid - half, ci_high=mid + half, se=reps["se"] * factor))
        assert not cov["in_band"].all()
        assert not 0.85 <= cov["se_ratio"].median() <= 1.15


# --- changes, gap changes and trends over linked waves: replicated samples ---------------------------
# One workforce over three MTO waves (with its turnover), R replicates of who responds in each wave with
# the generator's panel model (~60% of a wave's respondents answered the wave before), each through the
# weighting of every wave and the chapters' change stack (`linkage.stack_for_change`: the linked-panel
# estimator in the frame of the levels). The truth is the finite-population change, gap change and
# census least-squares slope over the waves' staff.
PANEL_R, PANEL_SCALE = 150, 0.15


@pytest.fixture(scope="module")
def panel_replicates():
    from pipeline.settings import load_settings
    from pipeline import replication as rp
    worlds = rp.build_panel("mto", (2022, 2023, 2024), scale=PANEL_SCALE, seed=11)
    return rp.run_panel(worlds, load_settings(), "social_safety", ["herkomst_oud", "beperking"], PANEL_R, seed=3)


@pytest.mark.slow
def test_replicated_coverage_of_changes_gap_changes_and_trends(panel_replicates):
    """Pooled per statistic, the 95% intervals of changes, gap changes and the trend slope cover the
    finite-population truth in [0.93, 0.98]; every single estimate inside the two-sided binomial band;
    the estimated SEs agree with the spread over replicates (median ratio in [0.85, 1.15])."""
    from pipeline.replication import coverage
    reps = panel_replicates
    cov = coverage(reps)
    assert set(cov["statistic"]) == {"change", "gap_change", "trend_slope"} and (cov["replicates"] == PANEL_R).all()
    show = cov[["statistic", "dimension", "group", "coverage", "bias_se", "se_ratio"]].round(3).to_string()
    pooled = reps.assign(c=(reps["ci_low"] <= reps["truth"]) & (reps["truth"] <= reps["ci_high"])) \
        .groupby("statistic")["c"].mean()
    assert pooled.between(0.93, 0.98).all(), (pooled, show)
    assert cov["in_band"].all(), show
    assert 0.85 <= cov["se_ratio"].median() <= 1.15, show


@pytest.mark.slow
def test_the_replicated_change_check_fails_for_too_wide_and_too_narrow_intervals(panel_replicates):
    """The same replicates with intervals 1.5x too wide (as the person-as-PSU SE without FPC was) or
    1.5x too narrow fail the check."""
    from pipeline.replication import coverage
    reps = panel_replicates
    mid = (reps["ci_low"] + reps["ci_high"]) / 2
    for factor in (1.5, 1 / 1.5):
        half = (reps["ci_high"] - reps["ci_low"]) / 2 * factor
        wrong = reps.assign(ci_low=mid - half, ci_high=mid + half, se=reps["se"] * factor)
        pooled = ((wrong["ci_low"] <= wrong["truth"]) & (wrong["truth"] <= wrong["ci_high"])).groupby(wrong["statistic"]).mean()
        assert not pooled.between(0.93, 0.98).all() or not coverage(wrong)["in_band"].all()

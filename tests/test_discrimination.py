"""Discrimination chapter: planted prevalences and planted changes between baseline and repeat are recovered."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analysis import discrimination as D
from pipeline.survey import stack
from conftest import weighted_waves


@pytest.fixture(scope="module")
def designs(demo_full, tmp_path_factory):
    result = weighted_waves(demo_full, "discrimination", (2024, 2026), tmp_path_factory.mktemp("disc"))
    return {w: D.with_derived(d) for w, d in result.items()}


def test_planted_prevalences_recovered(designs, truth_full):
    dims = ["herkomst_cbs", "beperking"]
    inside = total = 0
    for w, d in designs.items():
        prev = D.prevalence(d, D.PREVALENCE, dims, 10)
        for _, r in prev.iterrows():
            t = truth_full["discrimination"][str(w)][r["indicator"]]
            true = t["overall"] if r["dimension"] == "totaal" else t["groups"][r["dimension"]][r["group"]]
            total += 1
            inside += r["ci_low"] <= true <= r["ci_high"]
    assert inside / total >= 0.85, (inside, total)   # ~95% expected; allows for chance misses


def test_multiple_response_and_follow_up_domains(designs):
    d = designs[2024]
    assert d.data.loc[d.data["ervaren_discriminatie"] == 0, "bron_leidinggevende"].isna().all()
    src = D.prevalence(d, ["bron_leidinggevende"], [], 10).iloc[0]
    assert 0.55 < src["estimate"] < 0.70        # planted: 62% of cases attributed to a manager
    assert src["n"] < 0.2 * len(d.data)         # estimated among those who experienced it


def test_planted_changes_detected_with_right_sign(designs):
    chg = D.change(stack(designs), ["ervaren_discriminatie", "ervaren_pesten", "kent_routekaart"], [], 2024, 2026, 10)
    c = chg.set_index("indicator")
    assert c.loc["ervaren_discriminatie", "change"] < 0 and c.loc["ervaren_discriminatie", "p_bh"] < 0.05
    assert c.loc["kent_routekaart", "change"] > 0 and c.loc["kent_routekaart", "p_bh"] < 0.05
    assert c.loc["ervaren_pesten", "ci_low"] <= 0 <= c.loc["ervaren_pesten", "ci_high"]   # planted: no change
    assert c.loc["ervaren_discriminatie", "p_raoscott"] < 0.05

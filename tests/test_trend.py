"""Repeated measurement: planted gap changes are detected with the right sign; with no planted change,
the difference-in-differences test rejects at about the nominal alpha."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import trend as T
from pipeline.disclosure.publish import Policy, publish
from pipeline.survey import SurveyDesign, stack
from conftest import weighted_waves

REFS = {"herkomst_oud": "nederlands", "beperking": "nee"}


@pytest.fixture(scope="module")
def nim_stack(demo_full, tmp_path_factory):
    return stack(weighted_waves(demo_full, "nim", (2019, 2024), tmp_path_factory.mktemp("trend")))


def test_planted_gap_change_recovered(nim_stack, truth_full):
    g = publish(T.gap_changes(nim_stack, "inclusion", ["herkomst_oud"], REFS, [2019, 2024],
                              covariates=["C(schaalband)", "C(leeftijdsband)", "C(directie_code)"]), Policy(k=10)).table.set_index("group")
    t = truth_full["nim"]
    truth = {w: t[w]["inclusion"]["groups"]["herkomst_oud"] for w in ("2019", "2024")}
    did_true = (truth["2024"]["niet_westers"] - truth["2024"]["nederlands"]) - \
               (truth["2019"]["niet_westers"] - truth["2019"]["nederlands"])
    row = g.loc["niet_westers"]
    assert did_true > 0.1                                   # planted: the gap narrows
    assert row["ci_low"] <= did_true <= row["ci_high"]
    assert row["did"] > 0 and row["p"] < 0.001
    assert np.sign(row["did_adjusted"]) == np.sign(row["did_standardised"]) == 1
    assert row["se_gap_last"] > 0


def test_changes_and_trend_shapes(nim_stack):
    ch = publish(T.changes(nim_stack, "inclusion", [2019, 2024], dims=["herkomst_oud"]), Policy(k=10)).table
    overall = ch[ch["dimension"] == "totaal"]
    assert len(overall) == 1 and overall.iloc[0]["van"] == 2019 and overall.iloc[0]["naar"] == 2024
    nw = ch[ch["group_label"] == "Niet-westers"].iloc[0]
    assert nw["change"] > overall.iloc[0]["change"]       # the planted narrowing lifts this group most
    tr = T.trend_test(nim_stack, "inclusion", dim="herkomst_oud", group="niet_westers", reference="nederlands")
    assert tr["slope"] > 0 and tr["p"] < 0.05


def test_false_positive_rate_near_alpha_when_nothing_changes():
    rng = np.random.default_rng(11)
    N_h = np.array([3000, 2000, 1000])
    pop = pd.DataFrame({"s": np.repeat(["a", "b", "c"], N_h)})
    pop["g"] = np.where(rng.random(len(pop)) < 0.3, "x", "ref")
    pop["y"] = rng.normal(0, 1, len(pop)) - 0.3 * (pop["g"] == "x") + 0.2 * (pop["s"] == "b")
    n_h = {"a": 150, "b": 100, "c": 80}
    reps, rejections = 250, 0
    for _ in range(reps):
        designs = {}
        for wave in (1, 2):  # two independent waves from the same population: true gap change is 0
            idx = np.concatenate([rng.choice(np.flatnonzero(pop["s"] == s), n, replace=False) for s, n in n_h.items()])
            smp = pop.iloc[idx].copy()
            smp["N"] = smp["s"].map(dict(zip("abc", N_h)))
            smp["w"] = smp["N"] / smp["s"].map(n_h)
            designs[wave] = SurveyDesign(smp, weights="w", strata="s", fpc="N")
        res = T.gap_change(stack(designs), "y", "g", "x", "ref", 1, 2)
        rejections += res["p"] < 0.05
    rate = rejections / reps
    assert 0.015 <= rate <= 0.095, rate

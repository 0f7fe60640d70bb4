"""Directorates against the rest of the organisation (issue 26, item 5): a domain contrast with the
directorate left out of the reference, its own family, and a level shown only when precise enough."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analysis.gaps import directorate_table, versus_rest
from pipeline.survey import SurveyDesign


def _design(seed=0):
    rng = np.random.default_rng(seed)
    sizes = {"D1": 400, "D2": 300, "D3": 12}     # D3: n >= k, but its interval is wide
    d = np.repeat(list(sizes), list(sizes.values()))
    shift = pd.Series({"D1": 0.6, "D2": 0.0, "D3": 0.0}).reindex(d).to_numpy()
    y = np.clip(3 + shift + rng.normal(0, 1.2, len(d)), 1, 5)
    df = pd.DataFrame({"directie_code": d, "y": y, "w": rng.uniform(1, 3, len(d))})
    return SurveyDesign(df, weights="w", strata="directie_code")


def test_the_reference_is_the_rest_not_an_average_that_includes_the_directorate():
    des = _design()
    df, w = des.data, des.w
    out = versus_rest(des, "y", ["D1"]).iloc[0]
    inside = (df["directie_code"] == "D1").to_numpy()
    by_hand = np.average(df["y"][inside], weights=w[inside]) - np.average(df["y"][~inside], weights=w[~inside])
    assert np.isclose(out["verschil"], by_hand)
    overall = np.average(df["y"], weights=w)
    assert not np.isclose(out["verschil"], np.average(df["y"][inside], weights=w[inside]) - overall)


def test_a_wide_interval_is_not_shown_and_not_tested_and_the_tests_form_one_family():
    from pipeline.disclosure.publish import Policy, publish_all
    res = directorate_table(_design(), "y", max_half_width=0.3, family="directies")
    t = res.table.set_index("group")
    assert bool(t.loc["D3", "te_onzeker"]) and np.isnan(t.loc["D3", "estimate"]) and np.isnan(t.loc["D3", "p"])
    assert not t.loc[["D1", "D2"], "te_onzeker"].any()
    pub = publish_all({"dir": res}, Policy(k=10))["dir"].table.set_index("group")
    assert pub.loc[["D1", "D2"], "p_bh"].notna().all() and np.isnan(pub.loc["D3", "p_bh"])
    assert pub.loc["D1", "p_bh"] < 0.05 and pub.loc["D1", "verschil"] > 0

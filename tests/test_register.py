"""Register target monitor: planted target shares and flows reproduced exactly; suppression on a small directorate."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import register as reg
from pipeline.analysis import targets as T
from pipeline.clean import clean_source
from pipeline.disclosure.publish import Policy, publish

PAIRS = reg.DIRECTORATE_PAIRS
POLICY = Policy(k=10)


@pytest.fixture(scope="module")
def snaps(demo_full, tmp_path_factory):
    out = tmp_path_factory.mktemp("reg")
    return {y: pd.read_parquet(clean_source("register", y, demo_full / f"register_{y}.csv", out_dir=out, demo=True))
            for y in (2024, 2025, 2026)}


def test_target_shares_reproduced_exactly(snaps, truth_full):
    city = T.share_table(snaps)
    for _, row in city.iterrows():
        t = truth_full["register"][str(row["jaar"])]["city"]
        assert row["n"] == t["n"] and row["n_12_14"] == t["n_12_14"] and row["n_12plus"] == t["n_12plus"]
        assert row["share_young"] == pytest.approx(t["share_under35"], abs=1e-12)
        assert row["share_div_12_14"] == pytest.approx(t["share_nonwestern_12_14"], abs=1e-12)
        assert row["share_div_12plus"] == pytest.approx(t["share_nonwestern_12plus"], abs=1e-12)
    cbs = T.share_table(snaps, classification="cbs")
    assert cbs["share_div_12plus"].iloc[0] == pytest.approx(truth_full["register"]["2024"]["city"]["share_non_european_12plus"])
    per_dir = T.share_table(snaps, by="directie_code")
    d = per_dir[(per_dir["jaar"] == 2025) & (per_dir["directie_code"] == "D01")].iloc[0]
    assert d["share_young"] == pytest.approx(truth_full["register"]["2025"]["directorates"]["D01"]["share_under35"])


def test_flows_reproduced_exactly(snaps, truth_full):
    fl = reg.flows(snaps, "herkomst_oud")
    for period, entry in ((p, truth_full["flows"][p]) for p in ("2024-2025", "2025-2026")):
        sub = fl[fl["periode"] == period].set_index("herkomst_oud")
        for grp, t in entry["groups"].items():
            for col in ("headcount_start", "hires", "leavers", "stayers", "band_promotions"):
                assert sub.loc[grp, col] == t[col], (period, grp, col)
    rates = publish(reg.flow_rates(fl, "herkomst_oud", "nederlands"), POLICY).table
    out = rates[(rates["stroom"] == "uitstroom") & (rates["herkomst_oud"] == "niet_westers")].iloc[0]
    assert out["ci_low"] < out["rate"] < out["ci_high"] and out["p_vs_referentie"] < 0.05  # planted higher outflow


def test_small_directorate_is_suppressed_and_not_derivable(snaps):
    table = T.share_table(snaps, by="directie_code")
    sup = publish(reg.by_directorate(table), POLICY).table
    for year, raw in table.groupby("jaar"):
        s = sup[sup["jaar"] == year]
        for num, den in [(a, b) for a, b in PAIRS if a in raw]:  # derived cells (15+) are audited, not shown
            shown = s[num].to_numpy(float)
            raw_num = raw[num].to_numpy(float)
            assert not np.any((shown > 0) & (shown < 10)), (year, num)
            hidden = np.isnan(shown)
            # never exactly one hidden directorate: city total minus the rest would reveal it
            assert hidden.sum() != 1, (year, num)
            assert np.all(np.isnan(s[den].to_numpy(float)[raw[den].to_numpy(float) < 10]))
    audit = sup[sup["directie_code"] == "D40"]
    assert audit["div_12plus"].isna().all() and audit["share_div_12plus"].isna().all()


def test_unknown_origin_leaves_the_denominator_and_is_reported():
    """A hand-made register: 20 staff in scale 12-14, 4 non-western, 4 of unknown origin."""
    n = 20
    df = pd.DataFrame({"salarisschaal": [13] * n, "leeftijd": [40] * n, "pseudo_id": [f"p{i}" for i in range(n)],
                       "herkomst_oud": ["niet_westers"] * 4 + [None] * 4 + ["nederlands"] * 12,
                       "schaalband": ["12-14"] * n, "directie_code": ["D01"] * n})
    t = T.share_table({2024: df})
    row = t.iloc[0]
    assert row["known_12_14"] == 16 and row["unknown_12_14"] == 4
    assert row["share_div_12_14"] == pytest.approx(4 / 16)            # not 4 / 20
    target = T.from_dict({"name": "nw", "label": "nw", "scope": "organisation", "scale": [12, 14],
                          "counted": {"origin": "old"}, "kind": "share", "value": 0.30, "baseline_year": 2024,
                          "target_year": 2026})
    c = T.counts({2024: df}, [target], 35).set_index("eenheid").loc[T.ORGANISATION]
    assert (c["aantal"], c["noemer"]) == (4, 16)                      # the declared target: the same base
    assert T.needed_per_year(0.30 * c["noemer"], c["aantal"], 0.0, 0) == np.ceil(0.30 * 16 - 4)
    unknown = publish(reg.unknown_origin(t, {2024: df}), POLICY).table
    assert unknown["onderdrukt"].all()                                # 4 persons: a count below k is hidden
    assert reg.pipeline_representation({2024: df}).table.set_index("schaalband").loc["12-14", "aandeel"] == 0.25

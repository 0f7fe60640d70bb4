"""The demo world plants one item that functions differently for one origin group (config/synth.yaml
`nim.measurement`, written to truth.json); chapter 01's invariance check must find exactly that item,
and nothing where nothing was planted."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import weighted_waves
from pipeline.analysis import invariance as inv
from pipeline.codebook import load_codebook
from pipeline.clean.run import scale_ranges
from pipeline.synth.surveys import group_indicators

ORIGIN_LEVEL = {"nonwestern": "niet_westers", "western": "westers"}


@pytest.fixture(scope="module")
def nim_checks(demo_full, truth_full, tmp_path_factory):
    out = tmp_path_factory.mktemp("processed_invariance")
    designs = weighted_waves(demo_full, "nim", (2021, 2024), out)
    waves = {w: d.data.assign(_w=d.weights.to_numpy()) for w, d in designs.items()}
    cb = load_codebook("nim", 2024)
    return inv.comparisons(waves, cb.scales, scale_ranges(cb), ("herkomst_oud", "beperking", "lhbtiq"), "_w", 100,
                           {"herkomst_oud": "nederlands", "beperking": "nee", "lhbtiq": "nee"})


def test_the_planted_item_is_found_for_origin_only(nim_checks, truth_full):
    fits, verdicts, diffs = nim_checks
    plant = truth_full["planted"]["nim"]["measurement"]["dif"]
    assert plant["group"] in group_indicators(pd.DataFrame(columns=["herkomst_oud", "herkomst_cbs", "beperking",
                                                                    "lhbtiq", "age", "geslacht", "tenure"]))
    v = verdicts.set_index(["schaal", "indeling", "metingen"])
    row = v.loc[("belonging", "herkomst_oud", "2024")]  # the item's own scale
    assert row["niveau"] == "partial_scalar" and row["afwijkende_vragen"] == plant["item"], row.to_dict()
    assert plant["item"] in row["oordeel"] and "niet in alle groepen" in row["oordeel"]
    # in the 16-item inclusion scale one item moves CFI less; if anything is flagged, it is that item
    row = v.loc[("inclusion", "herkomst_oud", "2024")]
    assert row["niveau"] == "scalar" or row["afwijkende_vragen"] == plant["item"]
    # specificity: no other dimension, scale or wave pair is flagged
    others = verdicts[~((verdicts["indeling"] == "herkomst_oud") & verdicts["schaal"].isin(["belonging", "inclusion"]))]
    assert len(others) >= 6 and (others["niveau"] == "scalar").all(), others
    assert (others["oordeel"] == inv.SAME).all()


def test_partial_model_compares_the_groups_without_the_item(nim_checks):
    """In the partial model the planted group's belonging difference no longer carries the item's shift: the
    scalar model (all intercepts equal) makes that group look further below the reference."""
    fits, verdicts, diffs = nim_checks
    d = diffs[(diffs["schaal"] == "belonging") & (diffs["indeling"] == "herkomst_oud") & (diffs["groep"] == "niet_westers")]
    assert len(d) == 1 and d["model"].iloc[0] == "partial_scalar" and d["verschil_sd"].iloc[0] < 0
    f = fits[(fits["schaal"] == "belonging") & (fits["indeling"] == "herkomst_oud")].set_index("stap")
    assert f.loc["scalar", "houdt"] == "nee"
    assert f.loc["metric", "houdt"] == "ja"

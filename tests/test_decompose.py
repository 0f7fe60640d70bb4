"""Gap decomposition (issue 26, item 6): on one sample and one design, the raw gap = the part explained
by composition + the part not explained; design-based SEs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis.decompose import decompose
from pipeline.survey import SurveyDesign


@pytest.fixture(scope="module")
def design():
    rng = np.random.default_rng(4)
    n = 1500
    grp = rng.random(n) < 0.3
    scale = np.where(rng.random(n) < 0.3 + 0.4 * ~grp, "hoog", "laag")       # the group sits lower more often
    tenure = rng.integers(0, 30, n).astype(float)
    y = 3 + 0.5 * (scale == "hoog") - 0.2 * grp + 0.01 * tenure + rng.normal(0, 0.8, n)
    df = pd.DataFrame({"y": y, "g": np.where(grp, "a", "ref"), "schaal": scale, "dienstjaren": tenure,
                       "stratum": rng.choice(["S1", "S2", "S3"], n), "w": rng.uniform(1, 4, n)})
    df.loc[rng.choice(n, 40, replace=False), "dienstjaren"] = np.nan
    return SurveyDesign(df, weights="w", strata="stratum")


def test_the_parts_add_up_to_the_gap_on_one_sample(design):
    r = decompose(design, "y", "g", "a", "ref", ["C(schaal)", "dienstjaren"]).set_index("part")
    assert np.isclose(r.loc["explained", "estimate"] + r.loc["unexplained", "estimate"], r.loc["gap", "estimate"])
    assert np.isclose(r.loc["explained:schaal", "estimate"] + r.loc["explained:dienstjaren", "estimate"],
                      r.loc["explained", "estimate"])
    assert r.loc["explained:schaal", "estimate"] < 0   # planted: the group is in the low scale more often
    assert r.loc["unexplained", "ci_low"] < -0.2 < r.loc["unexplained", "ci_high"]


def test_the_gap_and_its_se_are_those_of_the_domain_contrast_on_the_same_sample(design):
    """One sample: the gap is the plain weighted difference over the complete cases, with the SE of
    SurveyDesign.compare on that domain; the unexplained part's SE is the survey GLM's."""
    r = decompose(design, "y", "g", "a", "ref", ["C(schaal)", "dienstjaren"]).set_index("part")
    complete = design.data["dienstjaren"].notna()
    cmp = design.subset(complete).compare("y", by="g", reference="ref").iloc[0]
    assert np.isclose(r.loc["gap", "estimate"], cmp["difference"])
    assert np.isclose(r.loc["gap", "se"], cmp["se"], rtol=1e-8)
    fit = design.glm("y ~ C(g, Treatment('ref')) + C(schaal) + dienstjaren")
    row = fit.table[fit.table["term"].str.startswith("C(g")].iloc[0]
    assert np.isclose(r.loc["unexplained", "estimate"], row["estimate"])
    assert np.isclose(r.loc["unexplained", "se"], row["se"], rtol=1e-6)

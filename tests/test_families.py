"""The primary family (issue 26, item 4): the programme indicators' verdicts rest on one declared
family of at most 12 tests, whatever else a chapter tests."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis.families import PRIMARY, check, with_primary
from pipeline.results import COLUMNS
from pipeline.settings import Indicator

IND = [Indicator("nim", "inclusion", "herkomst_oud", "niet_westers", "a"),
       Indicator("mto", "social_safety", "herkomst_oud", "niet_westers", "b")]


def _results(extra_tests: int, seed: int = 0) -> pd.DataFrame:
    """The four primary tests among `extra_tests` exploratory ones of the same chapter family, each
    family corrected as a chapter would (BH over the family)."""
    from pipeline.stats import bh
    rng = np.random.default_rng(seed)
    rows = []
    for i in IND:
        rows.append(dict(source=i.source, statistic="gap_change", indicator=i.construct, dimension=i.dimension,
                         group=i.group, waves="2019-2024", p=0.02, family="effectmeting"))
        rows.append(dict(source=i.source, statistic="gap", indicator=i.construct, dimension=i.dimension,
                         group=i.group, waves="2024", p=0.004, family="groepsverschillen"))
    for k in range(extra_tests):
        rows.append(dict(source="nim", statistic="gap_change", indicator="belonging", dimension="lhbtiq", group=f"g{k}",
                         waves="2019-2024", p=float(rng.uniform(0.2, 1)), family="effectmeting"))
    df = pd.DataFrame(rows).reindex(columns=COLUMNS)
    df["suppressed"] = False
    for fam, idx in df.groupby("family").groups.items():
        df.loc[idx, "p_bh"] = bh(df.loc[idx, "p"]).to_numpy()
    return df


def test_the_headline_verdict_does_not_depend_on_how_many_exploratory_tests_a_chapter_adds():
    """Attack test: with the chapter's family, adding 200 exploratory tests turns p (BH) of a
    programme indicator from < 0.05 to > 0.05; in the primary family it stays the same."""
    settings = SimpleNamespace(indicators=IND, raw={"multiplicity": {"primary": "bh"}})
    small, large = _results(2), _results(200)
    pick = lambda t: t[(t["statistic"] == "gap_change") & (t["indicator"] == "inclusion")]  # noqa: E731
    assert pick(small)["p_bh"].iloc[0] < 0.05 < pick(large)["p_bh"].iloc[0]
    a, b = pick(with_primary(small, settings)), pick(with_primary(large, settings))
    assert a["p_bh"].iloc[0] == b["p_bh"].iloc[0] < 0.05
    assert (with_primary(large, settings)["family"] == PRIMARY).sum() == 4


def test_holm_is_chosen_in_config():
    settings = SimpleNamespace(indicators=IND, raw={"multiplicity": {"primary": "holm"}})
    out = with_primary(_results(0), settings)
    prim = out[out["family"] == PRIMARY].sort_values("p")
    assert np.allclose(prim["p_bh"], [0.016, 0.016, 0.04, 0.04])  # Holm: 4*0.004, 3*0.004 -> max; 2*0.02, 1*0.02


def test_the_primary_family_is_capped():
    raw = {"indicators": [{}] * 7, "multiplicity": {"max_primary": 12}}
    assert check(raw)
    assert not check({"indicators": [{}] * 6})
    assert check({"indicators": [], "multiplicity": {"primary": "bonferroni"}})


def test_every_p_gets_a_corrected_twin_and_a_family_of_its_own():
    from pipeline.analysis.families import with_twins
    df = _results(3)
    df.loc[df.index[-3:], "statistic"] = "adjusted_gap_change"
    df.loc[df.index[-3:], "p_bh"] = np.nan
    df["chapter"], df["table"] = "06", "gaps"
    out = with_twins(df)
    assert out["p_bh"].notna().all()
    twins = out.iloc[-3:]
    assert (twins["family"] == "effectmeting/adjusted_gap_change").all()
    assert (twins["p_bh"] >= twins["p"]).all()
    assert out.iloc[:-3].equals(df.iloc[:-3])  # the raw tests and their family untouched


# --- subscales and their total (issue 26, item 4, last bullet) --------------------------------------

def test_subscales_are_the_tested_scales_inside_another_tested_scale():
    from pipeline.analysis.families import subscales
    from pipeline.codebook import load_codebook
    nim = load_codebook("nim", 2024)
    assert sorted(subscales(nim, ["inclusion", "belonging", "authenticity"])) == ["authenticity", "belonging"]
    assert subscales(nim, ["belonging", "authenticity"]) == []        # no total tested: ordinary tests
    mto = load_codebook("mto", 2024)
    assert subscales(mto, ["psych_safety", "social_safety"]) == []


def test_a_total_and_its_subscales_are_corrected_in_separate_families():
    """Hand-computed Benjamini–Hochberg: the total's two tests (p .01, .04) form one family
    (.02, .04) and the subscales' four (.01, .02, .03, .20) their own (.04, .04, .04, .20); pooled
    into one family of six, the total's .04 would become .048 and the subscales would count as
    evidence for it."""
    from pipeline.analysis.families import subscale_split
    from pipeline.codebook import load_codebook
    from pipeline.disclosure.publish import NoSmallCells, Policy, Result, publish_all
    t = pd.DataFrame({"construct": ["inclusion", "inclusion", "belonging", "belonging", "authenticity", "authenticity"],
                      "p": [0.01, 0.04, 0.01, 0.02, 0.03, 0.20], "p_bh": np.nan})
    nim = load_codebook("nim", 2024)
    split = subscale_split(nim, ["inclusion", "belonging", "authenticity"], "construct", "groepsverschillen")
    pub = publish_all({"gaps": Result(t, NoSmallCells("test"), family="groepsverschillen", split=split)}, Policy(k=10))
    out = pub["gaps"].table
    assert np.allclose(out["p_bh"], [0.02, 0.04, 0.04, 0.04, 0.04, 0.20])
    assert out["family"].tolist() == ["groepsverschillen"] * 2 + ["groepsverschillen/subschalen"] * 4
    joint = publish_all({"gaps": Result(t, NoSmallCells("test"), family="groepsverschillen")}, Policy(k=10))
    assert joint["gaps"].table["p_bh"].iloc[1] == pytest.approx(0.048)

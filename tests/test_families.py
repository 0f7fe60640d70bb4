"""The primary family (issue 26, item 4): the programme indicators' verdicts rest on one declared
family of at most 12 tests, whatever else a chapter tests."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

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

"""Careless responding: one declared rule (config `careless`) for every scale, the truth following it.

Issue 26: straight-liners were removed only on scales with reverse-worded items, so the NIM scales
(none reversed) kept them and their levels were biased low against the planted truth.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.clean.careless import FLAG, careful, check_rule, flags, longstring, mahalanobis, rule_from


def test_longstring_counts_the_longest_run_and_a_skip_continues_it():
    """Hand-counted: a skipped answer continues the run it sits in (it could have been that answer), so
    [4, ·, 4, 4] is a run of 4 and [1, 1, ·, 2, 2, 2] one of 4 (the skip joins the 2s); no answers: 0."""
    x = np.array([[1, 1, 2, 2, 2, 3], [4, np.nan, 4, 4, 1, 1], [np.nan] * 6, [5, 4, 3, 2, 1, 2],
                  [1, 1, np.nan, 2, 2, 2], [np.nan, 3, 3, 3, 3, np.nan]], dtype=float)
    assert longstring(x).tolist() == [3, 4, 0, 1, 4, 6]


def test_a_skipped_item_cannot_hide_a_straight_liner_of_the_whole_battery():
    """Issue 26 (level bias): with min_run = all 16 NIM items, a skip used to make a respondent who gave
    one answer to every other item unflaggable, so chance item non-response decided who counted. The
    same straight-liner is flagged with or without a skip; a respondent with one different answer is not."""
    rule = rule_from({"longstring": {"min_run": {"nim": 16}}, "mahalanobis": None})
    items = [f"i{j}" for j in range(16)]
    rows = np.full((4, 16), 5.0)
    rows[1, 7] = np.nan          # straight-liner with one skip
    rows[2, 15] = np.nan         # ... skipping the last item
    rows[3, 3] = 4.0             # one different answer: not a straight-liner
    f = flags(pd.DataFrame(rows, columns=items), items, rule, "nim")
    assert f["onzorgvuldig_longstring"].tolist() == [True, True, True, False]


def test_a_scale_skipped_as_a_whole_is_left_out_of_the_run_not_a_wildcard():
    """Routing (MTO: only managers rate themselves) skips a whole scale: that block neither breaks nor
    lengthens a run. As wildcards, five routed-out items plus six equal answers next to them would make
    a run of 11 and flag a careful answerer (hand-made: runs 6 and 11)."""
    from pipeline.clean.careless import scale_blocks
    x = np.array([[1, 2, 3, 4, 4, 4, 4, 4, 4] + [np.nan] * 5,
                  [4] * 6 + [4, 4, 4] + [4, 4, np.nan, 4, 4]], dtype=float)
    blocks = [[0, 1, 2, 3], [4, 5, 6, 7, 8], [9, 10, 11, 12, 13]]
    assert longstring(x, blocks).tolist() == [6, 14]
    assert longstring(x).tolist() == [11, 14]                     # without blocks: the routed scale is a wildcard
    from pipeline.codebook import load_codebook
    mto = scale_blocks(load_codebook("mto", 2024))
    assert mto[-1] == ["zl1", "zl2", "zl3", "zl4", "zl5"] and len(mto) == 4
    nim = scale_blocks(load_codebook("nim", 2024))
    assert [len(b) for b in nim] == [8, 8]                        # the total adds no block of its own


def test_mahalanobis_matches_the_textbook_formula_on_complete_rows_and_uses_sub_matrices():
    rng = np.random.default_rng(1)
    x = rng.multivariate_normal([0, 0, 0], [[1, .6, .3], [.6, 1, .5], [.3, .5, 1]], 400)
    d2, k = mahalanobis(x)
    S, mu = np.cov(x, rowvar=False), x.mean(0)
    expect = np.einsum("ij,jk,ik->i", x - mu, np.linalg.inv(S), x - mu)
    assert np.allclose(d2, expect) and (k == 3).all()
    x[0, 2] = np.nan
    d2, k = mahalanobis(x)
    sub = pd.DataFrame(x).cov().to_numpy()[:2, :2]
    dev = x[0, :2] - np.nanmean(x, 0)[:2]
    assert k[0] == 2 and np.isclose(d2[0], dev @ np.linalg.inv(sub) @ dev)


def test_one_rule_for_every_scale_with_or_without_reverse_items():
    """A straight-liner on a battery without reverse-worded items is flagged like one on a battery
    with them (the old rule only flagged the first and removed the second)."""
    rng = np.random.default_rng(2)
    theta = rng.normal(0, 1, 300)
    items = [f"b{i}" for i in range(1, 9)]
    x = np.clip(np.rint(3 + theta[:, None] + rng.normal(0, .6, (300, 8))), 1, 5)
    x[:5] = 2  # five straight-liners
    df = pd.DataFrame(x, columns=items)
    rule = rule_from({"longstring": {"min_run": {"nim": 8}}, "mahalanobis": None})
    f = flags(df, items, rule, "nim")
    assert f[FLAG].iloc[:5].all()
    assert careful(df.join(f), rule).index.min() == 5
    kept = careful(df.join(f), {**rule, "action": "keep"})
    assert len(kept) == len(df)


def test_an_undeclared_source_gets_no_longstring_signal():
    df = pd.DataFrame({"a": [1, 1, 2.0], "b": [1, 1, 3.0]})
    rule = rule_from({"longstring": {"min_run": {"nim": 2}}, "mahalanobis": None})
    assert "onzorgvuldig_longstring" not in flags(df, ["a", "b"], rule, "exit")
    assert flags(df, ["a", "b"], rule, "nim")["onzorgvuldig_longstring"].tolist() == [True, True, False]


def test_the_rule_is_checked():
    assert check_rule({"action": "drop"})
    assert check_rule({"longstring": {"min_run": "x"}})
    assert check_rule({"mahalanobis": {"alpha": 2}})
    assert check_rule({"speeed": {}})
    assert not check_rule({"action": "keep", "longstring": {"min_run": {"nim": 16}}, "speed": None})


def test_the_configured_rule_is_valid_and_the_demo_truth_follows_it(truth_full):
    from pipeline.settings import load_settings
    rule = load_settings().careless
    assert not check_rule(rule)
    assert truth_full["careless_rule"] == rule


def test_nim_straightliners_are_excluded_and_the_level_moves_toward_the_truth(demo_full, truth_full, tmp_path):
    """Attack test: with the old rule (flag only), the planted straight-liners stay in the NIM level;
    with the declared rule they go. Their answers (1-3 on every item) pull the level down."""
    from pipeline.clean import clean_source
    df = pd.read_parquet(clean_source("nim", 2019, demo_full / "nim_2019.sav", out_dir=tmp_path, demo=True))
    assert FLAG in df and df[FLAG].sum() > 0
    planted = truth_full["response"]["nim_2019"]["straightliners"]
    assert df["onzorgvuldig_longstring"].sum() >= planted
    kept, with_flagged = careful(df, rule_from({})), df
    assert kept["inclusion"].mean() > with_flagged["inclusion"].mean()


# --- each survey's own population (issue 26, item 7) ---------------------------------------------
# Which frame the representativeness (response rates, R-indicators) of each survey source uses.
FRAMES = {"nim": "staff", "mto": "staff", "discrimination": "staff", "exit": "leavers"}


def test_every_survey_source_states_the_frame_of_its_representativeness():
    from pipeline import sources
    from pipeline.codebook import load_codebook
    surveys = {s for s in sources.known() if sources.role(s) == "survey"}
    assert surveys == set(FRAMES), "a new survey source needs its frame stated here"
    for s, frame in FRAMES.items():
        wave = sources.catalogue()[s].waves[0]
        assert load_codebook(s, wave).population == frame, s


def test_the_exit_survey_is_measured_against_the_years_leavers_not_all_staff(tmp_path):
    """Attack test: the old chapter 01 divided exit respondents by all staff of the year."""
    from types import SimpleNamespace

    from pipeline.analysis.response import population_frame
    from pipeline.codebook import load_codebook
    before = pd.DataFrame({"pseudo_id": [f"p{i}" for i in range(10)], "directie_code": "D01"})
    after = before.iloc[3:].copy()
    before.to_parquet(tmp_path / "register_2024.parquet")
    after.to_parquet(tmp_path / "register_2025.parquet")
    settings = SimpleNamespace(processed_dir=tmp_path, waves=lambda s: [2024, 2025],
                               codebook=lambda s, w: load_codebook(s, w))
    leavers = population_frame(settings, "exit", 2025)
    assert sorted(leavers["pseudo_id"]) == ["p0", "p1", "p2"]
    assert len(population_frame(settings, "nim", 2024)) == 10
    assert population_frame(settings, "exit", 2024) is None  # no register of 2023: no frame

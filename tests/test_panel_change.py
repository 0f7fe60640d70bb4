"""Changes in the frame of the levels: the linked-panel estimator (`pipeline.survey.linked_panel`).

Each wave keeps its strata, FPC and raking, and the covariance of the respondents two waves share is
added (Berger 2004; Qualité & Tillé 2008). R golden values (tests/golden/make_golden_panel.R) in the two
cases R computes natively; a hand computation of the partial-overlap factor; the share of published
changes whose SE exceeds the combined SEs of their two levels."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import linkage
from pipeline.survey import SurveyDesign, linked_panel

GOLDEN = Path(__file__).parent / "golden"


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol * max(1.0, abs(b))


@pytest.fixture(scope="module")
def panel_designs():
    data = pd.read_csv(GOLDEN / "golden_panel_data.csv")
    out = {}
    for kind in ("paired", "independent"):
        d = data if kind == "paired" else data.assign(person=data["person"] + "-" + data["golf"].astype(str))
        for cal in (False, True):
            waves = {}
            for w, g in d.groupby("golf"):
                des = SurveyDesign(g.reset_index(drop=True), weights="w", strata="h", fpc="N_h")
                waves[w] = des.calibrate({"sex": {"m": 360.0, "v": 290.0}}, tol=1e-13) if cal else des
            s = linked_panel(waves, "person")
            out[kind + ("_cal" if cal else "")] = s.update(
                tw=(s.data["golf"] == 3).astype(float), tg=(s.data["grp"] == "b").astype(float),
                tt=s.data["golf"] - 1.0)
    return out


@pytest.mark.parametrize("dn", ["paired", "paired_cal", "independent", "independent_cal"])
def test_linked_panel_changes_match_r(panel_designs, dn):
    """Changes, group changes, a difference-in-differences and the trend slope: estimate and SE as R."""
    g = pd.read_csv(GOLDEN / "golden_panel.csv")
    g = g[g["design"] == dn].set_index(["what", "term"])
    s = panel_designs[dn]
    assert len(g) == 10
    for var in ("y", "d"):
        c = s.compare(var, by="golf", reference=1).set_index("golf")
        pair = s.subset(s.data["golf"].isin([2, 3])).compare(var, by="golf", reference=2).set_index("golf")
        for term, row in (("2-1", c.loc[2]), ("3-1", c.loc[3]), ("3-2", pair.loc[3])):
            r = g.loc[(f"change_{var}", term)]
            assert close(row["difference"], r["estimate"]) and close(row["se"], r["se"]), (var, term, row["se"], r["se"])
    w = s.subset(s.data["golf"].isin([1, 3])).compare("y", by="golf", reference=1, within="grp")
    for grp in ("a", "b"):
        row = w[(w["grp"] == grp) & (w["golf"] == 3)].iloc[0]
        r = g.loc[("change_y_grp", grp)]
        assert close(row["difference"], r["estimate"]) and close(row["se"], r["se"]), grp
    did = s.glm("y ~ tw * tg", subset=s.data["golf"].isin([1, 3])).contrast({"tw:tg": 1})
    trend = s.glm("y ~ tt").contrast({"tt": 1})
    for what, term, ours in (("did", "tw:tg", did), ("trend", "tt", trend)):
        r = g.loc[(what, term)]
        assert close(ours["estimate"], r["estimate"]) and close(ours["se"], r["se"]), (what, ours["se"], r["se"])


def test_levels_on_the_panel_are_the_levels_of_each_wave(panel_designs):
    """A level of one wave has its own design's variance: the panel adds nothing to it."""
    s = panel_designs["paired_cal"]
    data = s.data
    for w in (1, 2, 3):
        one = s.subset(data["golf"] == w).mean("y").iloc[0]
        lv = s.mean("y", by="golf").set_index("golf").loc[w]
        assert close(one["se"], lv["se"], 1e-12)
    # and the paired change is far below the two levels combined: the covariance is used
    c = s.compare("y", by="golf", reference=1).set_index("golf").loc[3]
    lv = s.mean("y", by="golf").set_index("golf")["se"]
    assert c["se"] < 0.8 * np.hypot(lv[1], lv[3])


def test_partial_overlap_by_hand():
    """One stratum, population 10 in both years of which 8 in both frames; wave a: persons 0-4,
    wave b: persons 2-6 (m = 3 shared). Hand computation of V_a + V_b - 2 C with
    C = m/(m-1) (1 - E/m) sum (u_a - mean)(u_b - mean), E = N_ab f_a f_b = 8 * 0.5 * 0.5 = 2."""
    ya = np.array([1.0, 2, 4, 3, 5])
    yb = np.array([2.0, 6, 4, 5, 3])
    da = SurveyDesign(pd.DataFrame({"p": list("abcde"), "y": ya, "N": 10.0, "h": "x"}), strata="h", fpc="N")
    db = SurveyDesign(pd.DataFrame({"p": list("cdefg"), "y": yb, "N": 10.0, "h": "x"}), strata="h", fpc="N")
    overlap = {(1, 2): pd.Series([8.0], index=pd.MultiIndex.from_tuples([("x", "x")]))}
    s = linked_panel({1: da, 2: db}, "p", frame_overlap=overlap)
    got = s.compare("y", by="golf", reference=1).iloc[0]
    # influence of a mean under equal weights (w = 2): u = w (y - mean) / W = (y - mean) / 5
    ua, ub = (ya - ya.mean()) / 5, (yb - yb.mean()) / 5
    va = (1 - 5 / 10) * 5 / 4 * np.sum((ua - ua.mean()) ** 2)
    vb = (1 - 5 / 10) * 5 / 4 * np.sum((ub - ub.mean()) ** 2)
    sa, sb = ua[2:5], ub[0:3]          # persons c, d, e in both waves
    cov = 3 / 2 * (1 - 2 / 3) * np.sum((sa - sa.mean()) * (sb - sb.mean()))
    assert np.isclose(got["difference"], yb.mean() - ya.mean())
    assert np.isclose(got["se"], np.sqrt(va + vb - 2 * cov), rtol=1e-12)
    # an overlap no larger than chance (E = m) gives independent waves
    chance = {(1, 2): pd.Series([12.0], index=pd.MultiIndex.from_tuples([("x", "x")]))}
    s = linked_panel({1: da, 2: db}, "p", frame_overlap=chance)
    assert np.isclose(s.compare("y", by="golf", reference=1).iloc[0]["se"], np.sqrt(va + vb), rtol=1e-12)


def test_frame_overlap_counts_persons_in_both_registers():
    ra = pd.DataFrame({"pseudo_id": ["a", "b", "c", "d"], "directie_code": ["D1", "D1", "D2", "D2"]})
    rb = pd.DataFrame({"pseudo_id": ["a", "c", "d", "e"], "directie_code": ["D1", "D1", "D2", "D2"]})
    got = linkage.frame_overlap({2024: ra, 2026: rb}, "directie_code")[(2024, 2026)]
    assert got.to_dict() == {("D1", "D1"): 1.0, ("D2", "D1"): 1.0, ("D2", "D2"): 1.0}


def test_the_share_of_changes_above_their_levels_detects_too_large_change_ses():
    """The check of the published results (below) fails when a change's SE exceeds its two levels."""
    rows = [dict(chapter="06", table="levels:x", source="nim", waves=w, indicator="x", statistic="level",
                 dimension="totaal", group="totaal", se=0.003, suppressed=False) for w in ("2021", "2024")]
    rows += [dict(chapter="06", table="changes", source="nim", waves="2021-2024", indicator="x", statistic="change",
                  dimension="totaal", group="totaal", se=se, suppressed=False) for se in (0.0038, 0.0044)]
    got = linkage.changes_against_levels(pd.DataFrame(rows))
    assert got["above"].tolist() == [False, True]


def test_a_change_in_a_domain_of_few_shared_respondents_never_has_a_negative_variance():
    """The covariance is cut back to the Cauchy-Schwarz bound of the two waves' own variances, so every
    change in a tiny domain has an SE, at least |se_a - se_b| (where the bound binds, exactly that)."""
    rng = np.random.default_rng(5)
    binding = 0
    for _ in range(60):
        n = 40
        frames = {w: pd.DataFrame({"p": [f"p{i}" for i in rng.choice(60, n, replace=False)],
                                   "g": rng.choice(["x", "y", "z"], n, p=[0.85, 0.1, 0.05]),
                                   "y": rng.normal(size=n), "N": 70.0, "h": "s"}) for w in (1, 2)}
        s = linked_panel({w: SurveyDesign(f, strata="h", fpc="N") for w, f in frames.items()}, "p")
        c = s.compare("y", by="golf", reference=1, within="g").set_index("g")
        lv = s.mean("y", by=["golf", "g"]).set_index(["golf", "g"])["se"]
        floor = np.array([abs(lv.get((2, g), np.nan) - lv.get((1, g), np.nan)) for g in c.index])
        assert c["se"].notna().all() and (c["se"].to_numpy() >= floor - 1e-12).all(), c
        binding += int(np.isclose(c["se"].to_numpy(), floor, rtol=1e-9, atol=0).any())
    assert binding >= 1   # the bound was needed somewhere: the raw estimate would have given V < 0


def test_the_chained_change_takes_its_variance_from_the_change_stack():
    """'Experienced and reported' (a product of shares): on disjoint waves the variances add (as
    before); the same respondents answering alike twice give a change of 0 with SE 0."""
    from pipeline.analysis.discrimination import chained_change
    rng = np.random.default_rng(8)
    n = 300
    ev = (rng.random(n) < 0.3).astype(float)
    frame = pd.DataFrame({"p": [f"p{i}" for i in range(n)], "h": rng.choice(["a", "b"], n), "N": 900.0,
                          "ervaren_discriminatie": ev, "gemeld": np.where(ev == 1, (rng.random(n) < 0.4), np.nan)})
    other = frame.assign(p=frame["p"] + "x", ervaren_discriminatie=rng.permutation(ev))
    other["gemeld"] = np.where(other["ervaren_discriminatie"] == 1, (rng.random(n) < 0.5), np.nan)
    for second, paired in ((other, False), (frame, True)):
        ds = {1: SurveyDesign(frame, strata="h", fpc="N"), 2: SurveyDesign(second, strata="h", fpc="N")}
        row = chained_change(ds, ["funnel_gemeld"], 1, 2, stacked=linked_panel(ds, "p")).table.iloc[0]
        plain = chained_change(ds, ["funnel_gemeld"], 1, 2).table.iloc[0]
        assert np.isclose(row["change"], plain["change"])
        if paired:
            assert row["change"] == 0 and row["se"] < 1e-6 < plain["se"]
        else:
            assert np.isclose(row["se"], plain["se"], rtol=1e-10)

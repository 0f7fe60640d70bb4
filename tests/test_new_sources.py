"""Issue 18 sources on the demo data: training participation, inclusive leadership in the MTO and exit
feedback linked to the register's outflow recover their planted truths."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.clean import clean_source


@pytest.fixture(scope="module")
def small(demo_small, tmp_path_factory):
    """Cleaned register 2023-2026, training 2024-2026, exit 2024-2026 and MTO 2025 of the 10% demo."""
    out = tmp_path_factory.mktemp("new_sources")
    files = [("register", y, "csv") for y in (2023, 2024, 2025, 2026)] + \
        [(s, y, "csv") for s in ("training", "exit") for y in (2024, 2025, 2026)] + [("mto", 2025, "sav")]
    data = {(s, y): pd.read_parquet(clean_source(s, y, demo_small / f"{s}_{y}.{ext}", out_dir=out, demo=True))
            for s, y, ext in files}
    return data, json.loads((demo_small / "truth.json").read_text())


def test_training_shares_are_the_planted_census_values(small):
    from pipeline.analysis import training as tr
    data, truth = small
    snaps = {y: data[("register", y)] for y in (2024, 2025, 2026)}
    records = {y: data[("training", y)] for y in (2024, 2025, 2026)}
    roles = {"leidinggevende": "manager", "selectiecommissie": "committee"}
    courses = {"iws": "IWS", "il": "IL"}
    city = tr.participation(snaps, records, courses, roles, 1.0)
    assert len(city) == 3 * 2 * 2
    for r in city.itertuples():
        want = truth["training"][r.jaar][f"{courses[r.cursus]}:{roles[r.rol]}"]
        assert r.n == want["n"] and r.aandeel == pytest.approx(want["share"], abs=1e-12), r
    per_dir = tr.participation({2026: snaps[2026]}, records, courses, roles, 1.0, by="directie_code")
    want = truth["training"]["2026"]["IWS:manager"]["directorates"]
    got = per_dir[(per_dir["cursus"] == "iws") & (per_dir["rol"] == "leidinggevende")].set_index("directie_code")
    assert {k: v["share"] for k, v in want.items()} == pytest.approx(got["aandeel"].to_dict())
    # training is cumulative, and the share rises towards the target
    shares = city[(city["cursus"] == "iws") & (city["rol"] == "leidinggevende")]["aandeel"].to_numpy()
    assert (np.diff(shares) > 0).all()
    # the people outside the register are counted, not linked
    link = tr.linkage(records, snaps).table.set_index("koppeling")["aantal"]
    assert link["niet in het HR-register"] == 3 * 12


def test_training_per_directorate_hides_small_cells_and_their_complements(small):
    from pipeline.analysis import training as tr
    from pipeline.disclosure.publish import Policy, publish
    data, _ = small
    snaps = {2026: data[("register", 2026)]}
    records = {y: data[("training", y)] for y in (2024, 2025, 2026)}
    raw = tr.participation(snaps, records, {"iws": "x"}, {"leidinggevende": "x"}, 1.0, by="directie_code")
    pub = publish(tr.by_unit(raw), Policy(k=5)).table
    shown = pub.dropna(subset=["getraind"])
    assert len(shown) and ((shown["getraind"] >= 5) | (shown["getraind"] == 0)).all()
    assert ((shown["n"] - shown["getraind"] >= 5) | (shown["n"] == shown["getraind"])).all()
    assert pub["getraind"].isna().sum() != 1   # never one hidden directorate: the city total would give it away


def test_intention_experience_gap_recovers_the_planted_gap(demo_full, truth_full, tmp_path):
    """Full-size MTO 2025: the weighted gap covers the finite-population gap, and the per-directorate
    intervals cover theirs about as often as they should."""
    from conftest import weighted_waves
    from pipeline.analysis import leadership as lead
    design = weighted_waves(demo_full, "mto", [2025], tmp_path)[2025]
    truth = truth_full["leadership"]["2025"]
    org = lead.intention_gap(design).table.set_index("item")
    r = org.loc["inclusive_leadership"]
    assert abs(r["difference"] - truth["gap"]) < 3 * r["se"] and r["se"] < 0.05
    assert r["zelfbeeld"] > r["oordeel_medewerkers"] and (org["difference"] > 0).all()
    per = lead.intention_gap_by(design).table
    per = per[(per["n"] >= 10) & (per["n_ref"] >= 10)]
    assert len(per) >= 15
    covered = [(lo <= truth["directorates"][d] <= hi) for d, lo, hi in zip(per["directie_code"], per["ci_low"], per["ci_high"])]
    assert np.mean(covered) >= 0.8
    # managers rate their own manager too: the staff scale's level is over everyone, the gap only over non-managers
    assert set(lead.with_perspectives(design).data["perspectief"].dropna()) == {"leidinggevende", "medewerker"}


def test_exit_feedback_linked_to_the_outflow_recovers_the_planted_truth(demo_full, truth_full, tmp_path):
    """Full-size 2025: leavers and response per group are exact (census); weighted reasons cover the
    truth over all leavers, and young leavers name career reasons more often than older ones."""
    from pipeline.analysis import exit as ex
    reg = {y: pd.read_parquet(clean_source("register", y, demo_full / f"register_{y}.csv", out_dir=tmp_path, demo=True))
           for y in (2024, 2025)}
    answers = pd.read_parquet(clean_source("exit", 2025, demo_full / "exit_2025.csv", out_dir=tmp_path, demo=True))
    truth = truth_full["exit"]["2025"]
    left = ex.leavers(reg[2024], reg[2025])
    assert len(left) == truth["leavers"]
    outflow, response = (r.table.set_index(["dimension", "group"]) for r in ex.flow_and_response(reg[2024], left, answers, 2025))
    assert response.loc[("totaal", "totaal"), "aantal"] == truth["respondents"]
    assert response.loc[("jong", "ja"), "rate"] == pytest.approx(truth["response"]["young"], abs=1e-12)
    assert response.loc[("jong", "nee"), "rate"] == pytest.approx(truth["response"]["older"], abs=1e-12)
    assert outflow.loc[("jong", "ja"), "rate"] > outflow.loc[("jong", "nee"), "rate"]   # planted: the young leave more
    design, report = ex.design(answers, left)
    assert report["linked"] == truth["respondents"] and report["not_linked"] == 0
    assert design.w.sum() == pytest.approx(len(left))        # weighted to all leavers
    reasons = ["reden_loopbaan", "reden_cultuur", "reden_pensioen"]
    est = design.proportion("reden_loopbaan")
    t = truth["reasons"]["loopbaan"]["overall"]
    assert abs(est["estimate"].iloc[0] - t) < 3 * est["se"].iloc[0]
    young = ex.young_vs_older(design, reasons).table.set_index("vraag")
    for r in reasons:
        want = truth["reasons"][r.removeprefix("reden_")]["young"] - truth["reasons"][r.removeprefix("reden_")]["older"]
        assert abs(young.loc[r, "difference"] - want) < 3 * young.loc[r, "se"], r
    assert young.loc["reden_loopbaan", "difference"] > 0.1 and young.loc["reden_loopbaan", "p"] < 0.001
    # the unweighted share of career reasons is biased (the young answer less); weighting moves it to the truth
    raw = design.data["reden_loopbaan"].astype(float).mean()
    assert abs(est["estimate"].iloc[0] - t) < abs(raw - t)
    assert list(young.columns[:2]) == ["jong", "ouder"] and young["jong"].dtype == float

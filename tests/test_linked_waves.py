"""Linked waves: the person key from the codebook, the person as PSU in the stacked design, and a
simulation showing that its standard error of a change is right where the independent one is not."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from pipeline.analysis import linkage
from pipeline.survey import SurveyDesign, stack

N, RATE, OVERLAP, REPS = 2000, 0.3, 0.6, 300
MARGIN = {"xc": {"ja": 800.0, "nee": 1200.0}}


def _world(rng):
    """One replicated world: new person effects, answers and respondents; 60% of wave 2's respondents
    answered wave 1, response depends on x and the design is raked to x as the pipeline does."""
    x = np.arange(N) < 800
    person = rng.normal(0, 0.8, N)
    y = [3.0 + 0.2 * k + 0.3 * x + person + rng.normal(0, 0.6, N) for k in (0, 1)]
    tilt = np.where(x, 1.3, 0.8) / (0.4 * 1.3 + 0.6 * 0.8)
    r1 = rng.random(N) < RATE * tilt
    n2 = RATE * N
    r2 = rng.random(N) < np.where(r1, OVERLAP * n2 / r1.sum(), (1 - OVERLAP) * n2 / (~r1).sum()) * tilt
    designs = {}
    for wave, r in ((1, r1), (2, r2)):
        d = pd.DataFrame({"person": np.flatnonzero(r).astype(str), "xc": np.where(x[r], "ja", "nee"),
                          "y": y[wave - 1][r], "w": N / r.sum()})
        designs[wave] = SurveyDesign(d, weights="w").calibrate(MARGIN)
    return designs


@pytest.fixture(scope="module")
def replications():
    rng = np.random.default_rng(20241107)
    rows = []
    for _ in range(REPS):
        designs = _world(rng)
        linked = stack(designs, person="person").compare("y", by="golf", reference=1).iloc[0]
        independent = stack(designs).compare("y", by="golf", reference=1).iloc[0]
        rows.append((linked["difference"], linked["se"], independent["se"]))
    return pd.DataFrame(rows, columns=["change", "se_linked", "se_independent"])


def test_linked_se_of_a_change_matches_its_spread_over_worlds(replications):
    sd = replications["change"].std(ddof=1)
    ratio = np.sqrt((replications["se_linked"] ** 2).mean()) / sd
    assert 0.9 <= ratio <= 1.1, ratio
    assert abs(replications["change"].mean() - 0.2) < 3 * sd / np.sqrt(REPS)


def test_independent_samples_se_is_too_large_when_respondents_overlap(replications):
    sd = replications["change"].std(ddof=1)
    ratio = np.sqrt((replications["se_independent"] ** 2).mean()) / sd
    assert ratio > 1.15, ratio


# --- the person key from the codebook through cleaning ------------------------------------------------

def _clean(tmp: Path, demo: Path, source: str, wave: int) -> pd.DataFrame:
    from pipeline.clean import clean_source
    return pd.read_parquet(clean_source(source, wave, demo / f"{source}_{wave}.sav", out_dir=tmp, demo=True))


def test_person_key_is_pseudonymised_and_stable_over_waves(demo_small, tmp_path):
    a, b = _clean(tmp_path, demo_small, "mto", 2022), _clean(tmp_path, demo_small, "mto", 2023)
    assert "persoonssleutel" not in a and a["person_key"].str.match(r"^k[0-9a-f]{20}$").all()
    assert a["person_key"].is_unique and a["person_key"].notna().all()
    share = b["person_key"].isin(a["person_key"]).mean()
    assert 0.5 < share < 0.7, share  # the same people are found again under the same pseudonym
    assert not set(a["person_key"]) & set(a["pseudo_id"])
    nim = _clean(tmp_path, demo_small, "nim", 2019)  # delivered without a key
    assert "person_key" not in nim


def test_a_key_shared_by_two_respondents_is_refused():
    from pipeline.clean.errors import InputError
    from pipeline.clean.run import link_key
    df = pd.DataFrame({"persoonssleutel": ["A", "B", "A", None]})
    with pytest.raises(InputError, match="persoonssleutel"):
        link_key(df, "persoonssleutel", b"x" * 32, "f.sav")
    out = link_key(df.iloc[1:], "persoonssleutel", b"x" * 32, "f.sav")
    assert out["person_key"].isna().tolist() == [False, False, True]


def test_demo_waves_overlap_and_answers_persist(truth_full, demo_full, tmp_path):
    for wave, r in truth_full["response"].items():
        if not wave.endswith(("2019", "2022")) and wave != "discrimination_2024":
            assert 0.55 <= r["also_previous_wave"] <= 0.65, (wave, r)
    a, b = _clean(tmp_path, demo_full, "discrimination", 2024), _clean(tmp_path, demo_full, "discrimination", 2026)
    both = a.merge(b, on="person_key", suffixes=("_a", "_b"))
    both = both[["ervaren_ongewenst_a", "ervaren_ongewenst_b"]].dropna().astype(float)
    assert both.corr().iloc[0, 1] > 0.15   # a persistent person effect: answers agree across waves


# --- what the report says ------------------------------------------------------------------------------

def test_method_text_with_and_without_key():
    none = linkage.method_nl(linkage.Linkage(waves=(2022, 2023), keyed=(), overlap={}))
    assert "onafhankelijke steekproeven" in none and "conservatief" in none
    part = linkage.method_nl(linkage.Linkage(waves=(2019, 2021, 2024), keyed=(2021, 2024), overlap={2024: 0.6}))
    assert "60% van de respondenten van 2024" in part and "2019 heeft geen persoonssleutel" in part
    assert "hetzelfde kader als de niveaus" in part and "eindige-populatiecorrectie" in part


def test_no_chapter_states_independence_as_a_fact():
    root = Path(__file__).parents[1] / "pipeline"
    for path in [*root.glob("chapters/*.py"), *root.glob("report/**/*.py"), *root.glob("analysis/*.py")]:
        text = path.read_text(encoding="utf-8").lower()
        assert "twee onafhankelijke metingen" not in text, path
        assert "onafhankelijke metingen" not in text, path


def test_stack_for_change_links_only_with_two_keyed_waves():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": 1.0, "person_key": ["a", "b", "c", None]})
    keyed = {1: SurveyDesign(d, weights="w"), 2: SurveyDesign(d.assign(y=d["y"] + 1), weights="w")}
    s, link = linkage.stack_for_change(keyed)   # the frame of the levels: the linked panel
    assert link.linked and link.overlap == {2: 1.0} and s.strata.psu is None and s.strata.n_strata == 2
    assert [len(p.rows_a) for p in s.strata.panel.pairs] == [3]   # the 3 keyed persons link, keyless rows not
    s, link = linkage.stack_for_change(keyed, frame="superpopulation")
    assert link.linked and s.strata.n_psu == 5  # 3 persons + 2 keyless rows
    plain = {1: SurveyDesign(d.drop(columns="person_key"), weights="w"), 2: keyed[2]}
    s, link = linkage.stack_for_change(plain)
    assert not link.linked and s.strata.psu is None and s.strata.panel is None


def test_person_psu_with_distinct_people_equals_independent_rows():
    """Nobody in two waves: the person-as-PSU stack is the plain unstratified stack, SE for SE."""
    rng = np.random.default_rng(3)
    frames = {w: pd.DataFrame({"person_key": [f"{w}-{i}" for i in range(60)], "y": rng.normal(size=60),
                               "w": rng.uniform(1, 3, 60)}) for w in (1, 2)}
    linked = stack({w: SurveyDesign(f, weights="w") for w, f in frames.items()}, person="person_key")
    rows = SurveyDesign(pd.concat([f.assign(golf=w) for w, f in frames.items()], ignore_index=True), weights="w")
    a = linked.compare("y", by="golf", reference=1).iloc[0]
    b = rows.compare("y", by="golf", reference=1).iloc[0]
    assert np.isclose(a["se"], b["se"], rtol=1e-12) and a["df"] == b["df"] and linked.degf == rows.degf


def test_psus_may_not_cross_strata():
    from pipeline.survey.variance import make_strata
    with pytest.raises(ValueError, match="more than one stratum"):
        make_strata(np.array(["a", "b", "b"]), None, 3, psu=np.array(["p1", "p1", "p2"]))
    st = make_strata(np.array(["a", "a", "b"]), None, 3, "certainty", psu=np.array(["p1", "p1", "p2"]))
    assert st.n_psu == 2 and st.n_h.tolist() == [1.0, 1.0]

"""The demo-data generator: deterministic, schema-valid, and carrying the planted effects."""
from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from pipeline.clean.readers import read_raw
from pipeline.clean.schema import validate
from pipeline.codebook import load_codebook
from pipeline.config import synth_params
from pipeline.synth import generate


def test_same_seed_same_data_and_truth(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, 3, scale=0.05)
    time.sleep(1.1)  # a write-time stamp would now differ
    generate(b, 3, scale=0.05)
    generate(c, 4, scale=0.05)
    assert (a / "truth.json").read_text() == (b / "truth.json").read_text()
    # every input file is byte-identical (SPSS headers carry no write time), so checksums reproduce
    assert {f.name: f.read_bytes() for f in a.iterdir()} == {f.name: f.read_bytes() for f in b.iterdir()}
    da, _ = pyreadstat.read_sav(str(a / "nim_2021.sav"), user_missing=True)
    db, _ = pyreadstat.read_sav(str(b / "nim_2021.sav"), user_missing=True)
    pd.testing.assert_frame_equal(da, db)
    assert (a / "truth.json").read_text() != (c / "truth.json").read_text()


def test_every_file_passes_its_codebook_schema(demo_small):
    manifest = __import__("yaml").safe_load((demo_small / "sources.yaml").read_text())
    from pipeline.sources import known
    assert set(manifest["sources"]) == set(known()) == {"register", "nim", "mto", "discrimination", "training", "exit"}
    for source, waves in manifest["sources"].items():
        for wave, name in waves.items():
            cb = load_codebook(source, wave)
            raw, labels = read_raw(demo_small / name, cb)
            validate(raw, cb, name)  # raises InputError on any violation
            unkeyed = wave in (synth_params()["panel"]["no_person_key"].get(source) or [])  # by design
            expected = {cb.raw_name(n) for n, v in cb.variables.items() if not (unkeyed and v["type"] == "person_key")}
            assert expected <= set(raw.columns), (source, wave, expected - set(raw.columns))
            if cb.format == "sav":
                assert labels, f"{name}: SPSS value labels missing"


def test_formats_are_those_of_the_real_sources(demo_small):
    text = (demo_small / "register_2024.csv").read_bytes().decode("cp1252")
    header, first = text.splitlines()[:2]
    assert header.count(";") == 12 and "personeelsnummer" in header and header.endswith("leidinggevende;selectiecommissie")
    assert "," in first.split(";")[7]  # fte with a decimal comma
    _, meta = pyreadstat.read_sav(str(demo_small / "nim_2019.sav"), metadataonly=True, user_missing=True)
    assert "v01" in meta.column_names  # 2019 agency naming, absorbed by the codebook
    assert meta.missing_ranges["leeftijd"] == [{"lo": 99.0, "hi": 99.0}]


def test_workforce_size_and_directorates(truth_full):
    reg = truth_full["register"]
    for year in ("2024", "2025", "2026"):
        assert 21_000 <= reg[year]["city"]["n"] <= 24_000
        assert len(reg[year]["directorates"]) == 40
    assert min(d["n"] for d in reg["2024"]["directorates"].values()) < 60  # a small directorate exists


def test_response_pattern_matches_the_real_waves(truth_full):
    r = truth_full["response"]
    assert abs(r["nim_2019"]["rate"] - 0.53) < 0.02
    assert abs(r["nim_2021"]["rate"] - 0.26) < 0.02
    assert 6_400 <= r["discrimination_2024"]["respondents"] <= 7_400
    assert all(7_000 <= r[f"mto_{y}"]["respondents"] <= 9_000 for y in range(2022, 2026))
    assert all(r[k]["duplicates"] > 0 for k in r)


def test_response_varies_by_directorate_so_weighting_matters(demo_full):
    cb = load_codebook("nim", 2021)
    raw, _ = read_raw(demo_full / "nim_2021.sav", cb)
    reg = pd.read_csv(demo_full / "register_2021.csv", sep=";", decimal=",", encoding="cp1252")
    rate = raw.drop_duplicates("respondent_id")["directie"].value_counts() / reg["directie_code"].value_counts()
    rate = rate.dropna()[reg["directie_code"].value_counts() > 200]
    assert rate.min() < 0.20 and rate.max() > 0.40


def test_planted_effects_visible_in_population(truth_full):
    nim = truth_full["nim"]
    gap = {w: nim[w]["inclusion"]["groups"]["herkomst_oud"]["niet_westers"]
           - nim[w]["inclusion"]["groups"]["herkomst_oud"]["nederlands"] for w in nim}
    assert gap["2019"] < -0.1 and gap["2024"] < 0
    assert gap["2024"] - gap["2019"] > 0.05  # planted narrowing of the gap
    dis = nim["2024"]["inclusion"]["groups"]["beperking"]
    assert dis["ja"] < dis["nee"]
    d = truth_full["discrimination"]["2024"]
    assert abs(d["ervaren_discriminatie"]["overall"] - 0.14) < 0.01
    assert 0.21 <= d["ervaren_discriminatie"]["groups"]["herkomst_cbs"]["buiten_europa"] <= 0.29
    assert 0.21 <= d["ervaren_discriminatie"]["groups"]["beperking"]["ja"] <= 0.30
    assert abs(d["ervaren_ongewenst"]["overall"] - 0.55) < 0.01
    assert abs(d["gezien_ongewenst"]["overall"] - 0.63) < 0.01
    assert abs(d["ervaren_seksuele_intimidatie"]["overall"] - 0.06) < 0.01
    d26 = truth_full["discrimination"]["2026"]
    assert d26["ervaren_discriminatie"]["overall"] < d["ervaren_discriminatie"]["overall"] - 0.02


def test_register_targets_move_toward_goal(truth_full):
    reg = truth_full["register"]
    s24, s26 = reg["2024"]["city"], reg["2026"]["city"]
    assert 0.12 < s24["share_nonwestern_12_14"] < 0.30
    assert s26["share_nonwestern_12plus"] > s24["share_nonwestern_12plus"]
    flows = truth_full["flows"]["2024-2025"]
    assert flows["hires"] > 0 and flows["leavers"] > 0 and flows["band_promotions"] > 0
    g = flows["groups"]
    assert g["niet_westers"]["leavers"] / g["niet_westers"]["headcount_start"] > \
        g["nederlands"]["leavers"] / g["nederlands"]["headcount_start"]  # planted higher outflow


def test_truth_file_is_plain_json(demo_small):
    truth = json.loads((demo_small / "truth.json").read_text())
    assert {"register", "nim", "mto", "discrimination", "flows", "response", "planted"} <= set(truth)
    assert np.isfinite(truth["nim"]["2024"]["belonging"]["overall"])


def test_register_knows_no_origin_for_about_five_percent(demo_small):
    reg = pd.read_csv(demo_small / "register_2024.csv", sep=";", decimal=",", encoding="cp1252")
    assert 0.03 < (reg["herkomst"] == "Onbekend").mean() < 0.07
    truth = json.loads((demo_small / "truth.json").read_text())["register"]["2024"]["city"]
    assert truth["unknown_origin"] == int((reg["herkomst"] == "Onbekend").sum())


def test_experiencers_skip_follow_ups(demo_full):
    cb = load_codebook("discrimination", 2024)
    raw, _ = read_raw(demo_full / "discrimination_2024.sav", cb)
    exp = raw[cb.raw_name("ervaren_discriminatie")] == 1
    grounds = raw.loc[exp, cb.raw_name("grond_herkomst")]
    assert 0.12 < grounds.isna().mean() < 0.18            # ~15% of experiencers skip the grounds
    assert raw.loc[exp, cb.raw_name("gemeld")].isna().mean() > 0.04


def test_pay_scale_mediates_the_planted_gaps(truth_full):
    """A path pay scale -> outcome: the total origin gap is larger than the direct gap at equal pay scale."""
    for source, construct, wave in (("nim", "inclusion", "2024"), ("mto", "psych_safety", "2025")):
        t = truth_full[source][wave]
        g = t[construct]["groups"]["herkomst_oud"]
        total = g["niet_westers"] - g["nederlands"]
        direct = t["adjusted_gap"][construct]["herkomst_oud"]["niet_westers"]
        assert total < direct - 0.02, (source, total, direct)


def test_measurement_plant_touches_only_its_items(tmp_path, monkeypatch):
    """The measurement plants (issue 28: DIF, cross-loading, item noise) draw from their own stream: without
    them every file is the same except the planted NIM items; with them, the DIF item is lower for the
    planted group only."""
    import copy
    import importlib

    gen = importlib.import_module("pipeline.synth.generate")
    params = synth_params()
    plant = params["nim"]["measurement"]
    planted_items = {plant["dif"]["item"], plant["cross_loading"]["item"], *plant["item_noise"]}
    without = copy.deepcopy(params)
    del without["nim"]["measurement"]
    generate(tmp_path / "with", 5, scale=0.05)
    monkeypatch.setattr(gen, "synth_params", lambda: copy.deepcopy(without))
    generate(tmp_path / "without", 5, scale=0.05)
    for f in sorted((tmp_path / "with").glob("*.sav")):
        a, _ = pyreadstat.read_sav(str(f), user_missing=True)
        b, _ = pyreadstat.read_sav(str(tmp_path / "without" / f.name), user_missing=True)
        differ = {c for c in a.columns if not a[c].equals(b[c])}
        if f.name.startswith("nim"):  # raw names per wave (2019 numbered its items v01..v16)
            cb = load_codebook("nim", int(f.stem.split("_")[1]))
            assert differ == {cb.variables[i].get("raw", i) for i in planted_items}, (f.name, differ)
        else:
            assert not differ, (f.name, differ)
    truth = json.loads((tmp_path / "with" / "truth.json").read_text())
    assert truth["planted"]["nim"]["measurement"]["dif"]["item"] == plant["dif"]["item"]


def test_the_newcomer_plant_changes_only_newcomers_answers(tmp_path, monkeypatch):
    """The newcomer gap is a fixed shift (no draw): without it every file is drawn the same, and with
    it only the answers of staff in their first year of service differ (dienstjaren 0): their inclusion
    and social-safety items, and in the MTO the unwanted behaviour that follows lower social safety."""
    import copy
    import importlib
    G = importlib.import_module("pipeline.synth.generate")
    planted = synth_params()
    assert planted["nim"]["belonging"]["newcomer"] < 0 and planted["mto"]["social_safety"]["newcomer"] < 0
    without = copy.deepcopy(planted)
    del without["nim"]["belonging"]["newcomer"], without["mto"]["social_safety"]["newcomer"]
    generate(tmp_path / "with", 3, scale=0.05)
    monkeypatch.setattr(G, "synth_params", lambda: without)
    generate(tmp_path / "without", 3, scale=0.05)
    assert (tmp_path / "with" / "register_2024.csv").read_bytes() == (tmp_path / "without" / "register_2024.csv").read_bytes()
    assert (tmp_path / "with" / "discrimination_2024.sav").read_bytes() == \
        (tmp_path / "without" / "discrimination_2024.sav").read_bytes()
    for source, items in (("nim_2024", [f"{s}{i:02d}" for s in "ba" for i in range(1, 9)]), ("mto_2025", [f"sv{i}" for i in range(1, 5)] + ["ongewenst_gedrag"])):
        a, _ = pyreadstat.read_sav(str(tmp_path / "with" / f"{source}.sav"))
        b, _ = pyreadstat.read_sav(str(tmp_path / "without" / f"{source}.sav"))
        cb = load_codebook(source.split("_")[0], int(source.split("_")[1]))
        tenure = a[cb.raw_name("dienstjaren")]
        # the cross-loaded item (issue 28's measurement plant) loads on belonging centred at its mean,
        # which the newcomers' shift moves a little: it may differ for anyone, and is left out here
        cross = planted["nim"]["measurement"]["cross_loading"]["item"] if source.startswith("nim") else None
        items = [c for c in items if c != cross]
        raw = [cb.raw_name(c) for c in items]
        others = [c for c in a.columns if c not in raw and c != (cb.raw_name(cross) if cross else None)]
        pd.testing.assert_frame_equal(a[others], b[others])  # who answered, and everything else they said
        changed = (a[raw].fillna(-1) != b[raw].fillna(-1)).any(axis=1)
        # only newcomers (0 years of service; a few refused to say, code 99) answer otherwise
        assert changed.sum() > 5 and tenure[changed].isin([0, 99]).all() and (tenure[changed] == 0).mean() > 0.9
        scale = [cb.raw_name(c) for c in items if c != "ongewenst_gedrag"]
        assert (a[scale].to_numpy() > b[scale].to_numpy()).sum() == 0  # a shift down only
    truth = json.loads((tmp_path / "with" / "truth.json").read_text())
    g = truth["nim"]["2024"]["belonging"]["groups"]["nieuw"]
    assert g["ja"] < g["nee"]

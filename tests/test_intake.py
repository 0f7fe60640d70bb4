"""From a supplier's file to the analysis set without code: drafting and checking codebooks, TODOs
that stop the cleaning step, a build that verifies its outputs, and the demo key only for demo files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml

from conftest import report_config
from pipeline.clean import InputError, clean_source
from pipeline.clean import pseudonymise as pseudo
from pipeline.clean.pseudonymise import DEMO_KEY, MissingKeyError, WeakKeyError, load_key
from pipeline.codebook import CODEBOOK_DIR, load_codebook
from pipeline.codebook.__main__ import main as codebook_cli
from pipeline.codebook.check import check
from pipeline.codebook.draft import draft

KEY = "k" * 40


def demo_files(demo) -> list[tuple[str, int, Path]]:
    listed = yaml.safe_load((demo / "sources.yaml").read_text())["sources"]
    return [(s, int(w), demo / f) for s, waves in sorted(listed.items()) for w, f in sorted(waves.items())]


def codebook_dir(tmp_path: Path, source: str | None = None, text: str | None = None) -> Path:
    """A copy of config/codebooks, with `source`'s codebook replaced by `text`."""
    d = tmp_path / "codebooks"
    if not d.exists():
        shutil.copytree(CODEBOOK_DIR, d)
    if source:
        (d / f"{source}.yaml").write_text(text, encoding="utf-8")
    return d


@pytest.fixture
def no_key(monkeypatch, tmp_path):
    monkeypatch.delenv(pseudo.ENV_VAR, raising=False)
    monkeypatch.setattr(pseudo, "KEY_FILE", tmp_path / "absent.key")


@pytest.fixture
def with_key(monkeypatch):
    monkeypatch.setenv(pseudo.ENV_VAR, KEY)


# --- draft ---------------------------------------------------------------------------------------

def test_draft_from_the_file_alone_reproduces_the_shipped_codebooks(demo_small, tmp_path):
    """Variables, types, codes, missing codes and scale ranges come from the file's own metadata;
    other ranges are only what the file shows, so they are marked TODO (and hold the shipped range's data)."""
    for source, wave, path in demo_files(demo_small):
        text, n_todo = draft(path, source, wave=wave)
        doc = yaml.safe_load(text)
        assert doc["source"] == source and doc["waves"] == [wave] and n_todo > 0
        drafted = {v.get("raw", n): v for n, v in doc["variables"].items()}
        shipped = load_codebook(source, wave)
        absent = {n for n, v in shipped.variables.items() if v.get("optional") and shipped.raw_name(n) not in drafted}
        assert absent <= set(shipped.of_type("person_key")), path.name  # only a wave delivered without the key
        assert set(drafted) == {shipped.raw_name(n) for n in shipped.variables if n not in absent}, path.name
        for name, spec in ((n, s) for n, s in shipped.variables.items() if n not in absent):
            got, where = drafted[shipped.raw_name(name)], f"{path.name}:{name}"
            assert got["type"] == spec["type"], where
            assert got.get("pattern") == spec.get("pattern") and got.get("date_format") == spec.get("date_format"), where
            assert bool(got.get("unique")) == bool(spec.get("unique")), where
            if spec["type"] == "code":
                assert bool(got.get("case_insensitive")) == bool(spec.get("case_insensitive")), where
                if path.suffix == ".sav":   # value labels name every code
                    assert got["codes"] == spec["codes"], where
                else:                       # a CSV shows only the codes that occur
                    assert set(got["codes"]) <= set(spec["codes"]), where
            if path.suffix == ".sav":
                assert set(got.get("missing", {})) == set(spec.get("missing", {})), where
            if spec["type"] in ("likert", "binary"):
                assert got.get("range") == spec.get("range") and "todo" not in got, where
            elif "range" in spec:
                lo, hi = (pd.Timestamp(x) if isinstance(x, str) else x for x in spec["range"])
                glo, ghi = (pd.Timestamp(x) if isinstance(x, str) else x for x in got["range"])
                assert lo <= glo <= ghi <= hi and "TODO" in str(got["todo"]), where


def test_draft_like_maps_every_demo_file_onto_its_shipped_codebook(demo_small, tmp_path):
    """Mapping each demo file onto the shipped codebook as a new wave reproduces the shipped codebook
    for that file's wave exactly: variables, types, codes, ranges, missing codes, raw names (the 2019
    NIM file needs the same renames and recode as the shipped 2019 override)."""
    for source, wave, path in demo_files(demo_small):
        text, n_todo = draft(path, source, like=source, wave=2099)
        assert n_todo == 0, (path.name, text)
        d = codebook_dir(tmp_path / path.stem, source, text)
        assert load_codebook(source, 2099, d).variables == load_codebook(source, wave).variables, path.name
    # the text edit keeps the codebook's own lines: only `waves` and the new entry differ
    text, _ = draft(demo_small / "mto_2024.sav", "mto", like="mto", wave=2099)
    original = (CODEBOOK_DIR / "mto.yaml").read_text().splitlines()
    assert [line for line in text.splitlines() if line not in original] == ["waves: [2022, 2023, 2024, 2025, 2099]"]


def renamed_recoded_copy(src: Path, target: Path, relabel: dict | None = None) -> None:
    """The file as another agency might deliver it: b03 and directie renamed, gender coded 1 = vrouw, 2 = man."""
    df, meta = pyreadstat.read_sav(str(src), user_missing=True)
    labels = dict(meta.column_names_to_labels)
    value_labels = {k: dict(v) for k, v in meta.variable_value_labels.items()}
    missing = dict(meta.missing_ranges)
    df["geslacht"] = df["geslacht"].replace({1.0: 2.0, 2.0: 1.0})
    value_labels["geslacht"] = {1.0: "Vrouw", 2.0: "Man", 3.0: "Non binair", 9.0: "Wil ik niet zeggen"}
    rename = {"b03": "item_b3", "directie": "afdeling"}
    df = df.rename(columns=rename)
    for old, new in rename.items():
        labels[new] = labels.pop(old)
        for d in (value_labels, missing):
            if old in d:
                d[new] = d.pop(old)
    labels.update(relabel or {})
    pyreadstat.write_sav(df, str(target), file_label=meta.file_label,
                         column_labels=[labels[c] for c in df.columns],
                         variable_value_labels=value_labels, missing_ranges=missing)


def test_like_on_a_renamed_and_recoded_wave_gives_the_same_analysis_set(demo_small, tmp_path, with_key):
    copy = tmp_path / "NIM_2024_leverancier.sav"
    renamed_recoded_copy(demo_small / "nim_2024.sav", copy)
    out = tmp_path / "nim.yaml"
    assert codebook_cli(["draft", str(copy), "--source", "nim", "--like", "nim", "--wave", "2024", "-o", str(out)]) == 0
    entry = yaml.safe_load(out.read_text())["wave_overrides"][2024]
    assert entry == {"rename": {"afdeling": "directie_code", "item_b3": "b03"},
                     "variables": {"geslacht": {"codes": {1: "vrouw", 2: "man", 3: "non_binair"}}}}
    d = codebook_dir(tmp_path, "nim", out.read_text())
    assert check(copy, "nim", 2024, d) == []
    a = pd.read_parquet(clean_source("nim", 2024, demo_small / "nim_2024.sav", out_dir=tmp_path / "a"))
    b = pd.read_parquet(clean_source("nim", 2024, copy, out_dir=tmp_path / "b", codebooks=d))
    pd.testing.assert_frame_equal(a, b)


def test_a_codebook_with_todos_is_refused_with_one_message_listing_them_all(demo_small, tmp_path, with_key, capsys):
    # a new source drafted from the register: ranges and the single-letter gender codes are undecided
    text, n_todo = draft(demo_small / "register_2024.csv", "register", wave=2024)
    text += "# TODO: vraag HR of 'O' onbekend betekent\n"
    d = codebook_dir(tmp_path, "register", text)
    with pytest.raises(InputError) as err:
        clean_source("register", 2024, demo_small / "register_2024.csv", out_dir=tmp_path / "out", codebooks=d)
    msg = str(err.value)
    assert len(err.value.problems) == n_todo + 1 and msg.count("TODO") >= n_todo + 1
    for var in ("peildatum", "geboortedatum", "geslacht", "salarisschaal", "fte", "datum_in_dienst"):
        assert f"variabele {var}:" in msg
    assert "register.yaml" in msg and "vraag HR" in msg and not (tmp_path / "out").exists()
    # a new wave whose item was replaced by another question: the mapping cannot decide
    copy = tmp_path / "nim_2030.sav"
    renamed_recoded_copy(demo_small / "nim_2024.sav", copy, relabel={"item_b3": "Ik werk graag thuis op vrijdag"})
    text, n_todo = draft(copy, "nim", like="nim", wave=2030)
    assert n_todo == 2
    d = codebook_dir(tmp_path / "nim", "nim", text)
    code = __import__("pipeline.clean.__main__", fromlist=["main"]).main(
        ["--source", "nim", "--wave", "2030", "--input", str(copy), "--out", str(tmp_path / "o"), "--codebooks", str(d)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("Het codeboek is nog een concept") == 1
    assert "nim.yaml · golf 2030: TODO: kolom 'item_b3'" in err and "variabele b03 (kolom 'b03'" in err


def test_check_lists_every_mismatch_at_once_and_writes_nothing(demo_small, tmp_path, capsys):
    df, meta = pyreadstat.read_sav(str(demo_small / "mto_2024.sav"), user_missing=True)
    df = df.drop(columns=["ps2"])
    df["extra_vraag"] = 1.0
    df.loc[[0, 5], "ps3"] = [12.0, 0.0]
    df.loc[3, "geslacht"] = 5.0
    labels = {**meta.column_names_to_labels, "extra_vraag": "Nieuwe vraag",
              "sv1": "Ik voel me thuis op mijn werk"}
    value_labels = {k: v for k, v in meta.variable_value_labels.items() if k != "ps2"}
    value_labels["ongewenst_gedrag"] = {1.0: "Nee", 2.0: "Ja", 9.0: "Wil ik niet zeggen"}
    bad = tmp_path / "mto_2024.sav"
    pyreadstat.write_sav(df, str(bad), column_labels=[labels[c] for c in df.columns], variable_value_labels=value_labels,
                         missing_ranges={k: v for k, v in meta.missing_ranges.items() if k != "ps2"})
    before = sorted(tmp_path.rglob("*"))
    found = check(bad, "mto", 2024)
    kinds = {(f.kind, f.column) for f in found}
    assert {("kolom ontbreekt", "ps2"), ("extra kolom", "extra_vraag"), ("waarde", "ps3"), ("waarde", "geslacht"),
            ("label", "sv1"), ("label", "ongewenst_gedrag")} <= kinds
    assert codebook_cli(["check", str(bad), "--source", "mto", "--wave", "2024"]) == 2
    out = capsys.readouterr().out
    assert "ps2" in out and "extra_vraag" in out and "2 rij(en), eerste 1, 6" in out and "--like mto" in out
    assert sorted(tmp_path.rglob("*")) == before
    for source, wave, path in demo_files(demo_small):
        assert codebook_cli(["check", str(path), "--source", source, "--wave", str(wave)]) == 0, path.name


# --- the build verifies its outputs ---------------------------------------------------------------

def test_an_output_changed_by_hand_reruns_its_cleaning_step_and_is_restored(demo_small, tmp_path, capsys):
    from pipeline.report.build import clean_steps, run_graph
    from pipeline.settings import load_settings
    settings = load_settings(report_config(tmp_path, demo_small))

    def steps():
        return [s for s in clean_steps(settings, "code") if s.name in ("register_2024", "nim_2024")]
    assert run_graph(steps(), 1) == ([], [], [])
    parquet = tmp_path / "processed" / "nim_2024.parquet"
    good = parquet.read_bytes()
    state = json.loads((tmp_path / "processed" / ".state" / "nim_2024.json").read_text())
    assert set(state["outputs"].values()) >= {pseudo_hash(parquet)}
    capsys.readouterr()
    run_graph(steps(), 1)
    assert capsys.readouterr().out.count("ongewijzigd") == 2
    df = pd.read_parquet(parquet)
    df.loc[0, "inclusion"] = 5.0                     # a hand edit of the analysis set
    df.to_parquet(parquet, index=False)
    run_graph(steps(), 1)
    out = capsys.readouterr().out
    assert "opschonen nim 2024: uitvoer met de hand gewijzigd (nim_2024.parquet): opnieuw" in out
    assert "opschonen register 2024: ongewijzigd" in out
    assert parquet.read_bytes() == good
    manifest = tmp_path / "processed" / "register_2024.manifest.json"
    manifest.write_text(manifest.read_text().replace('"rows_in"', '"rows_in" ', 1))
    run_graph(steps(), 1)
    assert "opschonen register 2024: uitvoer met de hand gewijzigd (register_2024.manifest.json)" in capsys.readouterr().out


def pseudo_hash(path: Path) -> str:
    from pipeline.io import sha256
    return sha256(path)


def test_a_hand_run_cleaning_step_does_not_write_where_the_report_reads(demo_small, tmp_path):
    from pipeline.clean.__main__ import main
    cfg = yaml.safe_load(open("config/report.yaml"))
    cfg["demo"]["dir"] = str(demo_small)
    cfg["paths"]["processed"] = str(tmp_path / "processed")
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg))
    args = ["--source", "register", "--wave", "2024", "--input", str(demo_small / "register_2024.csv"),
            "--config", str(tmp_path / "report.yaml")]
    assert main(args) == 0
    assert (tmp_path / "processed" / "handmatig" / "register_2024.parquet").exists()
    assert not (tmp_path / "processed" / "register_2024.parquet").exists()
    assert main([*args, "--out", str(tmp_path / "processed")]) == 0     # only when asked explicitly
    assert (tmp_path / "processed" / "register_2024.parquet").exists()


# --- the demo key only for demo files -------------------------------------------------------------

def test_demo_files_are_listed_in_the_marker_and_clean_without_a_key(demo_small, tmp_path, no_key):
    from pipeline.io import sha256
    lines = [line.split("  ") for line in (demo_small / "DEMO_DATA").read_text().splitlines() if not line.startswith("#")]
    listed = {name: digest for digest, name in lines}
    assert {name for _, _, p in demo_files(demo_small) for name in [p.name]} <= set(listed)
    assert all(sha256(demo_small / name) == digest for name, digest in listed.items())
    target = clean_source("register", 2024, demo_small / "register_2024.csv", out_dir=tmp_path)
    ids = pd.read_csv(demo_small / "register_2024.csv", sep=";", encoding="cp1252", dtype=str)["personeelsnummer"]
    expected = pseudo.pseudonymise(ids, DEMO_KEY)
    assert set(pd.read_parquet(target)["pseudo_id"]) == set(expected)
    assert json.loads((tmp_path / "register_2024.manifest.json").read_text())["demo"] is True


def test_no_demo_key_for_anything_else(demo_small, tmp_path, no_key):
    outside = tmp_path / "elders" / "register_2024.csv"        # a copy outside the demo folder
    outside.parent.mkdir()
    shutil.copy(demo_small / "register_2024.csv", outside)
    with pytest.raises(MissingKeyError, match="INCLUSIEMONITOR_KEY.*not in a demo data folder"):
        clean_source("register", 2024, outside, out_dir=tmp_path / "o")
    folder = tmp_path / "demo"                                  # a copied demo folder keeps its marker ...
    folder.mkdir()
    for name in ("DEMO_DATA", "register_2024.csv", "nim_2024.sav"):
        shutil.copy(demo_small / name, folder / name)
    clean_source("register", 2024, folder / "register_2024.csv", out_dir=tmp_path / "o")
    shutil.copy(demo_small / "nim_2024.sav", folder / "nim_2030.sav")   # ... but a file it does not list
    with pytest.raises(MissingKeyError, match="not listed"):
        clean_source("nim", 2024, folder / "nim_2030.sav", out_dir=tmp_path / "o")
    text = (folder / "register_2024.csv").read_text(encoding="cp1252")  # ... or a listed file changed since
    (folder / "register_2024.csv").write_text(text.replace("31-12-2024", "30-12-2024", 1), encoding="cp1252")
    with pytest.raises(MissingKeyError, match="sha256 does not match"):
        clean_source("register", 2024, folder / "register_2024.csv", out_dir=tmp_path / "o")
    with pytest.raises(MissingKeyError):                          # and never when switched off
        clean_source("nim", 2024, folder / "nim_2024.sav", out_dir=tmp_path / "o", demo=False)
    assert not (tmp_path / "o" / "nim_2024.parquet").exists()


def test_short_or_empty_keys_are_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(pseudo.ENV_VAR, raising=False)
    key_file = tmp_path / "k.key"
    key_file.write_text("")
    with pytest.raises(WeakKeyError, match="empty.*secrets.token_hex"):
        load_key(demo=True, key_file=key_file)
    key_file.write_text("kort-maar-geheim\n")
    with pytest.raises(WeakKeyError, match="only 16 bytes"):
        load_key(key_file=key_file)
    key_file.write_text("a" * 32 + "\n")
    assert load_key(key_file=key_file) == b"a" * 32
    monkeypatch.setenv(pseudo.ENV_VAR, "")
    with pytest.raises(WeakKeyError, match="environment variable"):
        load_key(demo=True, key_file=key_file)
    monkeypatch.setenv(pseudo.ENV_VAR, "x" * 31)
    with pytest.raises(WeakKeyError, match="31 bytes"):
        load_key(key_file=key_file)

"""Cleaning: every hard validation rule names file, column and rows; soft rules are counted;
outputs are atomic, pseudonymised and free of identifiers and free text."""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings, strategies as st

from pipeline.clean import InputError, clean_source
from pipeline.clean.derive import band, derive, migration
from pipeline.clean.pseudonymise import MissingKeyError, load_key, pseudonymise
from pipeline.clean.scales import cronbach_alpha, mcdonald_omega, reverse, score
from pipeline.codebook import load_codebook
from pipeline.config import classifications


def read_register(demo, year=2024) -> pd.DataFrame:
    return pd.read_csv(demo / f"register_{year}.csv", sep=";", decimal=",", encoding="cp1252", dtype=str,
                       keep_default_na=False)


def write_register(df: pd.DataFrame, path) -> None:
    df.to_csv(path, sep=";", decimal=",", encoding="cp1252", index=False)


def clean(source, wave, path, out, demo=True):
    return clean_source(source, wave, path, out_dir=out, demo=demo)


def problems_of(source, wave, path, out) -> list:
    with pytest.raises(InputError) as exc:
        clean(source, wave, path, out)
    return exc.value.problems


# --- every hard rule has a bad file and a checked message -----------------------------------

def test_missing_required_column(demo_small, tmp_path):
    df = read_register(demo_small).drop(columns=["salarisschaal"])
    write_register(df, tmp_path / "r.csv")
    [p] = problems_of("register", 2024, tmp_path / "r.csv", tmp_path / "out")
    assert p.column == "salarisschaal" and "ontbreekt" in p.found and "r.csv" in p.file


def test_out_of_range_value_names_rows_and_values(demo_small, tmp_path):
    df = read_register(demo_small)
    df.loc[[3, 17], "salarisschaal"] = ["25", "0"]
    write_register(df, tmp_path / "r.csv")
    [p] = problems_of("register", 2024, tmp_path / "r.csv", tmp_path / "out")
    assert p.column == "salarisschaal" and p.rows == (4, 18)
    assert "[1, 18]" in p.expected and "25" in p.found and "0" in p.found
    assert "rij 4, 18" in str(p)


def test_unknown_code(demo_small, tmp_path):
    df = read_register(demo_small)
    df.loc[5, "herkomst"] = "Atlantis"
    write_register(df, tmp_path / "r.csv")
    [p] = problems_of("register", 2024, tmp_path / "r.csv", tmp_path / "out")
    assert p.column == "herkomst" and p.rows == (6,) and "Atlantis" in p.found and "Suriname" in p.expected


def test_pattern_violation(demo_small, tmp_path):
    df = read_register(demo_small)
    df.loc[0, "directie_code"] = "Directie 7"
    write_register(df, tmp_path / "r.csv")
    [p] = problems_of("register", 2024, tmp_path / "r.csv", tmp_path / "out")
    assert p.column == "directie_code" and p.rows == (1,)


def test_duplicate_personnel_number_is_a_hard_error(demo_small, tmp_path):
    df = read_register(demo_small)
    df.loc[9, "personeelsnummer"] = df.loc[2, "personeelsnummer"]
    write_register(df, tmp_path / "r.csv")
    [p] = problems_of("register", 2024, tmp_path / "r.csv", tmp_path / "out")
    assert p.column == "personeelsnummer" and p.rows == (3, 10) and "unieke" in p.expected


def test_implausible_and_unparseable_dates(demo_small, tmp_path):
    df = read_register(demo_small)
    df.loc[1, "geboortedatum"] = "01-01-1850"
    df.loc[2, "geboortedatum"] = "31-02-1980"
    write_register(df, tmp_path / "r.csv")
    [p] = problems_of("register", 2024, tmp_path / "r.csv", tmp_path / "out")
    assert p.column == "geboortedatum" and p.rows == (2, 3) and "1945-01-01" in p.expected


def test_non_numeric_value_in_numeric_column(demo_small, tmp_path):
    df = read_register(demo_small)
    df.loc[4, "fte"] = "voltijd"
    write_register(df, tmp_path / "r.csv")
    [p] = problems_of("register", 2024, tmp_path / "r.csv", tmp_path / "out")
    assert p.column == "fte" and p.rows == (5,) and "voltijd" in p.found


def test_all_problems_reported_at_once(demo_small, tmp_path):
    df = read_register(demo_small).drop(columns=["fte"])
    df.loc[3, "salarisschaal"] = "99"
    df.loc[4, "geslacht"] = "Q"
    df.loc[5, "directie_code"] = "XX"
    write_register(df, tmp_path / "r.csv")
    problems = problems_of("register", 2024, tmp_path / "r.csv", tmp_path / "out")
    assert {p.column for p in problems} == {"fte", "salarisschaal", "geslacht", "directie_code"}


def test_survey_likert_out_of_range_and_wrong_file(demo_small, tmp_path):
    df, meta = pyreadstat.read_sav(str(demo_small / "mto_2024.sav"), user_missing=True)
    df.loc[[0, 1, 2], "ps3"] = [0, 9, 4.5]
    pyreadstat.write_sav(df, tmp_path / "m.sav")
    [p] = problems_of("mto", 2024, tmp_path / "m.sav", tmp_path / "out")
    assert p.column == "ps3" and p.rows == (1, 2, 3) and "[1, 7]" in p.expected
    # a NIM file offered as MTO: every MTO item is reported missing, in one message
    problems = problems_of("mto", 2024, demo_small / "nim_2024.sav", tmp_path / "out")
    assert {"ps1", "sv4", "tevredenheid"} <= {p.column for p in problems}


def test_unreadable_and_unknown_files(tmp_path):
    (tmp_path / "x.sav").write_bytes(b"not spss")
    [p] = problems_of("nim", 2024, tmp_path / "x.sav", tmp_path / "out")
    assert "x.sav" in p.file and "leesbaar" in p.expected
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    [p] = problems_of("nim", 2024, tmp_path / "x.pdf", tmp_path / "out")
    assert ".pdf" in p.found
    [p] = problems_of("nim", 2024, tmp_path / "absent.sav", tmp_path / "out")
    assert "ontbreekt" in p.found


def test_cli_exits_non_zero_with_the_message(demo_small, tmp_path, capsys):
    from pipeline.clean.__main__ import main
    df = read_register(demo_small)
    df.loc[3, "salarisschaal"] = "99"
    write_register(df, tmp_path / "r.csv")
    code = main(["--source", "register", "--wave", "2024", "--input", str(tmp_path / "r.csv"),
                 "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert "salarisschaal" in err and "rij 4" in err and "r.csv" in err


# --- outputs: atomic, manifest, privacy ---------------------------------------------------------

def test_failed_run_keeps_previous_outputs(demo_small, tmp_path):
    out = tmp_path / "out"
    target = clean("register", 2024, demo_small / "register_2024.csv", out)
    before = target.read_bytes(), (out / "register_2024.manifest.json").read_bytes()
    df = read_register(demo_small)
    df.loc[0, "salarisschaal"] = "30"
    write_register(df, tmp_path / "bad.csv")
    with pytest.raises(InputError):
        clean("register", 2024, tmp_path / "bad.csv", out)
    assert (target.read_bytes(), (out / "register_2024.manifest.json").read_bytes()) == before
    assert sorted(p.name for p in out.iterdir()) == ["register_2024.manifest.json", "register_2024.parquet"]


def test_raw_file_is_not_modified(demo_small, tmp_path):
    src = demo_small / "nim_2024.sav"
    stat, digest = os.stat(src), src.read_bytes()
    clean("nim", 2024, src, tmp_path)
    assert src.read_bytes() == digest and os.stat(src).st_mtime == stat.st_mtime


def test_manifest_and_privacy(demo_small, tmp_path):
    target = clean("nim", 2024, demo_small / "nim_2024.sav", tmp_path)
    m = json.loads((tmp_path / "nim_2024.manifest.json").read_text())
    assert len(m["input_sha256"]) == 64 and m["codebook_version"] and m["code_version"]
    # one source of truth for alpha and omega: chapter 01's (weighted); the manifest names the scales only
    assert "reliability" not in m and m["scales"] == sorted(load_codebook("nim", 2024).scales)
    reasons = {e["reden"]: e["aantal"] for e in m["excluded"]}
    assert m["rows_in"] - m["rows_out"] == sum(v for k, v in reasons.items() if not k.startswith("gemarkeerd"))
    assert reasons["dubbele inzending (eerdere of minder volledige verwijderd)"] > 0
    df = pd.read_parquet(target)
    assert not {"emailadres", "toelichting", "respondent_id", "startdatum", "einddatum"} & set(df.columns)
    assert df["pseudo_id"].str.match(r"^p[0-9a-f]{20}$").all() and df["pseudo_id"].is_unique
    raw, _ = pyreadstat.read_sav(str(demo_small / "nim_2024.sav"))
    assert not set(raw["respondent_id"]) & set(df["pseudo_id"])


def test_wave_drift_is_absorbed_by_the_codebook(demo_small, tmp_path):
    a = pd.read_parquet(clean("nim", 2019, demo_small / "nim_2019.sav", tmp_path))
    b = pd.read_parquet(clean("nim", 2024, demo_small / "nim_2024.sav", tmp_path))
    assert {"b01", "a08", "inclusion", "belonging", "authenticity"} <= set(a.columns) & set(b.columns)
    # 2019 coded 1 = vrouw; after harmonisation both waves have a female majority
    assert (a["geslacht"] == "vrouw").mean() > (a["geslacht"] == "man").mean()
    assert (b["geslacht"] == "vrouw").mean() > (b["geslacht"] == "man").mean()


def test_missing_key_is_a_clear_error_outside_demo(monkeypatch, tmp_path):
    monkeypatch.delenv("INCLUSIEMONITOR_KEY", raising=False)
    with pytest.raises(MissingKeyError, match="INCLUSIEMONITOR_KEY"):
        load_key(demo=False, key_file=tmp_path / "absent.key")
    (tmp_path / "k.key").write_text("s3cret-" + "f" * 32 + "\n")
    assert load_key(demo=False, key_file=tmp_path / "k.key") == b"s3cret-" + b"f" * 32
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", "fromenv-" + "e" * 32)
    assert load_key(demo=False, key_file=tmp_path / "k.key") == b"fromenv-" + b"e" * 32


def test_pseudonyms_depend_on_the_key():
    ids = pd.Series(["1001", "1002", "1001"])
    a, b = pseudonymise(ids, b"k1"), pseudonymise(ids, b"k2")
    assert a[0] == a[2] and a[0] != a[1] and not set(a) & set(b)


def test_soft_rules_keep_the_most_complete_latest_submission():
    from pipeline.clean.quality import resolve_duplicates
    t = pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-01"])
    df = pd.DataFrame({"id": ["a", "a", "a", "b"], "q1": [1, 2, np.nan, 4], "q2": [1, 2, 3, 4], "e": t})
    kept, n = resolve_duplicates(df, "id", ["q1", "q2"], "e")
    assert n == 2 and kept["q1"].tolist() == [2, 4]


# --- derived variables and scales -------------------------------------------------------------

def test_bands_are_left_closed():
    ages = pd.Series([18, 34, 35, 54, 55, 66, None])
    assert band(ages, [35, 55], ["<35", "35-54", "55+"]).astype(str).tolist() == \
        ["<35", "<35", "35-54", "35-54", "55+", "55+", "nan"]
    scales = pd.Series([1, 9, 10, 11, 12, 14, 15, 18])
    assert band(scales, [10, 12, 15], ["<=9", "10-11", "12-14", "15+"]).astype(str).tolist() == \
        ["<=9", "<=9", "10-11", "10-11", "12-14", "12-14", "15+", "15+"]


def test_crosswalk_old_and_new_classification():
    o = pd.Series(["nederland", "turkije", "indonesie", "noord_amerika_oceanie", "latijns_amerika", "europa", None])
    born = pd.Series(["ja", "nee", "ja", "nee", "ja", "nee", "ja"])
    m = migration(o, born)
    assert m["herkomst_oud"].astype(str).tolist() == ["nederlands", "niet_westers", "westers", "westers",
                                                      "niet_westers", "westers", "nan"]
    assert m["herkomst_cbs"].astype(str).tolist() == ["nederland", "buiten_europa", "buiten_europa",
                                                      "buiten_europa", "buiten_europa", "europa", "nan"]
    assert m["generatie"].astype(str).tolist()[:3] == ["geen", "migrant", "kind_van_migrant"]
    assert set(classifications()["origin"]) == set(load_codebook("nim", 2024).variables["herkomst"]["codes"].values())


def test_register_age_from_birth_date():
    df = pd.DataFrame({"peildatum": pd.to_datetime(["2024-12-31", "2024-06-30"]),
                       "geboortedatum": pd.to_datetime(["1990-12-31", "1990-07-01"])})
    out = derive(df)
    assert out["leeftijd"].tolist() == [34, 33] and out["jong"].astype(str).tolist() == ["ja", "ja"]


likert = st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=4, max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(likert, min_size=1, max_size=30))
def test_scale_score_properties(rows):
    df = pd.DataFrame(rows, columns=list("abcd"), dtype=float)
    s = score(df, list("abcd"), reverse_items=["b"], value_range=(1, 5), min_valid=3)
    valid = df.notna().sum(axis=1)
    assert (s.isna() == (valid < 3)).all()
    assert ((s.dropna() >= 1) & (s.dropna() <= 5)).all()
    # reversing twice is the identity; reversing maps the scale onto itself
    assert np.allclose(reverse(reverse(df["b"], 1, 5), 1, 5).dropna(), df["b"].dropna())
    flipped = df.assign(b=reverse(df["b"], 1, 5))
    s2 = score(flipped, list("abcd"), reverse_items=[], value_range=(1, 5), min_valid=3)
    assert np.allclose(s.fillna(-1), s2.fillna(-1))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(list(load_codebook("nim", 2019).variables["geslacht"]["codes"])), min_size=1, max_size=20))
def test_recode_follows_the_wave_codebook(codes):
    from pipeline.clean.harmonise import harmonise
    for wave in (2019, 2024):
        cb = load_codebook("nim", wave)
        raw = pd.DataFrame({"geslacht": [float(c) for c in codes]})
        out, _ = harmonise(raw, cb)
        assert out["geslacht"].astype(str).tolist() == [cb.variables["geslacht"]["codes"][c] for c in codes]


def test_reliability_matches_known_values():
    rng = np.random.default_rng(0)
    f = rng.normal(size=4000)
    items = pd.DataFrame({f"i{j}": 0.8 * f + 0.6 * rng.normal(size=4000) for j in range(6)})
    # parallel items with loading .8 and unique variance .36: alpha = omega = 6*.64/(6*.64+.36) = .914
    assert cronbach_alpha(items) == pytest.approx(0.914, abs=0.01)
    assert mcdonald_omega(items) == pytest.approx(0.914, abs=0.01)
    assert np.isnan(cronbach_alpha(items.iloc[:2]))


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_register_as_excel_or_parquet_gives_the_same_analysis_set(demo_small, tmp_path, fmt, monkeypatch):
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", "k" * 32)  # copies outside the demo folder need a real key
    df = read_register(demo_small).iloc[:300]
    write_register(df, tmp_path / "r.csv")
    path = tmp_path / f"r.{fmt}"
    df.to_excel(path, index=False) if fmt == "xlsx" else df.to_parquet(path, index=False)
    a = pd.read_parquet(clean("register", 2024, tmp_path / "r.csv", tmp_path / "csv"))
    b = pd.read_parquet(clean("register", 2024, path, tmp_path / fmt))
    pd.testing.assert_frame_equal(a, b, check_dtype=False)

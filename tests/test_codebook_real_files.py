"""Codebook drafting on SPSS files written elsewhere (issue 27, item 6): R's `foreign` and `haven`
example files and a file with user-defined missing values written by pyreadstat. The draft is always
valid YAML, keeps the file's value labels of string variables, recognises case numbers and open text,
and `check` answers with exit code 0 or 2 and a message, never a traceback."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.codebook.__main__ import main

FOREIGN = Path("/usr/lib/R/library/foreign/files")
HAVEN = Path("/usr/lib/R/site-library/haven/examples")
R_FILES = [p for p in (FOREIGN / "testdata.sav", FOREIGN / "electric.sav", HAVEN / "iris.sav") if p.exists()]


def draft_and_check(sav: Path, tmp: Path, source: str, capsys) -> tuple[dict, int, str]:
    out = tmp / f"{source}.yaml"
    assert main(["draft", str(sav), "--source", source, "--wave", "2024", "-o", str(out)]) == 0
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))         # valid YAML, whatever the labels hold
    capsys.readouterr()
    code = main(["check", str(sav), "--source", source, "--wave", "2024", "--codebooks", str(tmp)])
    captured = capsys.readouterr()
    return doc, code, captured.out + captured.err


@pytest.mark.skipif(not R_FILES, reason="R's foreign/haven example files are not installed (apt-get install r-cran-foreign)")
@pytest.mark.parametrize("sav", R_FILES, ids=lambda p: p.name)
def test_drafts_of_r_example_files_are_valid_yaml_and_check_answers_0_or_2(sav, tmp_path, capsys):
    doc, code, said = draft_and_check(sav, tmp_path, sav.stem.lower(), capsys)
    assert code in (0, 2) and "Traceback" not in said and said.strip()
    assert doc["variables"]


@pytest.mark.skipif(not (FOREIGN / "electric.sav").exists(), reason="R's foreign package is not installed")
def test_string_value_labels_case_numbers_and_long_text(tmp_path, capsys):
    electric, _, _ = draft_and_check(FOREIGN / "electric.sav", tmp_path, "electric", capsys)
    v = electric["variables"]
    assert v["famhxcvr"]["codes"] == {"N": "no", "Y": "yes"} and "todo" not in v["famhxcvr"]  # NO/YES kept
    assert v["caseid"]["type"] == "id" and v["caseid"]["unique"] is True
    testdata, _, _ = draft_and_check(FOREIGN / "testdata.sav", tmp_path, "testdata", capsys)
    assert testdata["variables"]["string_500"]["type"] == "free_text"


def test_a_file_with_user_defined_missing_values(tmp_path, capsys):
    import pandas as pd
    import pyreadstat
    df = pd.DataFrame({"resp_id": [101.0, 102, 103, 104, 105, 106],
                       "tevreden": [1.0, 2, 5, 9, 99, 3],
                       "toelichting": ["Prima, dank je", "Het kan beter: meer overleg, minder vergaderen",
                                       "", "geen", "Zie boven; {niet} [relevant]", "ok"]})
    sav = tmp_path / "eigen.sav"
    pyreadstat.write_sav(df, sav, column_labels=["Respondentnummer", "Tevredenheid", "Toelichting bij het antwoord"],
                         variable_value_labels={"tevreden": {1: "Zeer ontevreden", 5: "Zeer tevreden",
                                                             9: "Weet niet", 99: "Geen antwoord"}},
                         missing_ranges={"tevreden": [9, 99]})
    doc, code, said = draft_and_check(sav, tmp_path, "eigen", capsys)
    spec = doc["variables"]
    assert spec["resp_id"]["type"] == "id"
    assert set(spec["tevreden"]["missing"]) == {9, 99}
    assert spec["toelichting"]["type"] == "free_text"
    assert code in (0, 2) and "Traceback" not in said


def test_check_on_a_broken_codebook_is_a_message_and_exit_2(tmp_path, capsys):
    import pandas as pd
    import pyreadstat
    sav = tmp_path / "x.sav"
    pyreadstat.write_sav(pd.DataFrame({"a": [1.0, 2.0]}), sav)
    (tmp_path / "x.yaml").write_text("source: x\nvariables:\n  a: {label: a, type: code, codes: {1: een, 2}\n")
    assert main(["check", str(sav), "--source", "x", "--wave", "2024", "--codebooks", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "geen geldige YAML" in err and "regel" in err and "Traceback" not in err

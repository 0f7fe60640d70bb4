"""The adversarial tiny world: ~25 respondents, one LGBTIQ+ respondent in the smallest directorate.
The full report renders, passes the guard, and none of that person's answers can be read or derived
from all artefacts together: pages, CSV tables, the Excel workbook, the results table, dashboard.csv
and the executed notebooks."""
from __future__ import annotations

import re
import shutil

import nbformat
import pandas as pd
import pyreadstat
import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import report_config

NUMBER = re.compile(r"-?[\d\u202f.]+(,\d+)?%?")


@pytest.mark.slow
def test_single_lgbtiq_respondent_cannot_be_read_or_derived(demo_small, tmp_path, monkeypatch):
    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", "k" * 32)  # hand-made files are no demo files: they need a key
    demo = tmp_path / "demo"
    demo.mkdir()
    shutil.copy(demo_small / "register_2024.csv", demo)
    raw, meta = pyreadstat.read_sav(str(demo_small / "nim_2024.sav"), user_missing=True)
    raw = raw.drop_duplicates("respondent_id").iloc[:25].copy()
    raw["lhbtiq"] = 2.0
    reg = pd.read_csv(demo / "register_2024.csv", sep=";", decimal=",", encoding="cp1252")
    small_dir = reg["directie_code"].value_counts().idxmin()
    raw.iloc[0, raw.columns.get_loc("lhbtiq")] = 1.0
    raw.iloc[0, raw.columns.get_loc("directie")] = small_dir
    raw["startdatum"] = raw["einddatum"] - pd.Timedelta(minutes=12)
    pyreadstat.write_sav(raw, demo / "nim_2024.sav", variable_value_labels=meta.variable_value_labels,
                         missing_ranges=meta.missing_ranges)
    (demo / "sources.yaml").write_text(yaml.safe_dump(
        {"demo": True, "sources": {"nim": {2024: "nim_2024.sav"}, "register": {2024: "register_2024.csv"}}}))
    build(report_config(tmp_path, demo))
    reports = tmp_path / "reports"
    small_name = reg.loc[reg["directie_code"] == small_dir, "directie"].iloc[0].strip()
    lgbt = ("LHBTIQ+", "Niet LHBTIQ+")  # the group and its complement
    # the person's answers are survey answers: their directorate is checked in the survey chapter (the
    # register chapter counts the directorate's staff, which is no answer of theirs)
    survey_chapter = "02_inclusie"

    # pages: the LGBTIQ+ rows are listed (as suppressed), with no number
    rows = []
    for page in reports.glob("*.html"):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        rows += [(page.stem, [td.get_text(strip=True) for td in tr.find_all("td")]) for tr in soup.find_all("tr")]
    assert any(c in lgbt for _, r in rows for c in r), "the LGBTIQ+ rows should be listed"
    # CSV tables and every sheet of the workbook
    for csv in (reports / "tables").glob("*/*.csv"):
        df = pd.read_csv(csv, sep=";", dtype=str, keep_default_na=False)
        rows += [(csv.parent.name, r) for r in df.to_numpy().tolist()]
    book = pd.read_excel(reports / "tabellen.xlsx", sheet_name=None, dtype=str, keep_default_na=False)
    chapters = dict(zip(book["inhoud"]["blad"], book["inhoud"]["hoofdstuk"]))
    for name, sheet in book.items():
        rows += [(chapters.get(name, ""), r) for r in sheet.to_numpy().tolist()]
    for chapter, r in rows:
        person = lgbt + ((small_name, small_dir) if chapter == survey_chapter else ())
        if any(str(c).strip() in person for c in r):
            numbers = [c for c in r if NUMBER.fullmatch(str(c).strip()) and str(c).strip() not in person]
            assert numbers == [], f"a number is shown for the person's group: {r}"
    # results table: every survey row about LGBTIQ+ or not, or about the small directorate, is suppressed
    res = pd.read_csv(reports / "results.csv", keep_default_na=False)
    res["dimension"] = res["dimension"].astype(str)
    survey = res[res["source"] == "nim"]
    about = survey["dimension"].str.contains("lhbtiq") | (survey["group"].astype(str) == small_dir)
    assert about.any() and survey.loc[about, "suppressed"].astype(str).eq("True").all()
    assert (survey.loc[about, ["estimate", "se", "n"]].astype(str) == "").all().all()
    # derivation by complement: with both LGBTIQ+ groups hidden, the total cannot be split; and the
    # directorate's level cannot follow from the total and the other directorates (at least 2 hidden)
    dirs = survey[(survey["dimension"] == "directie_code") & (survey["statistic"] == "level")]
    for _, t in dirs.groupby("table"):
        assert t["suppressed"].astype(str).eq("True").sum() >= 2 or len(t) == 0
    # dashboard and notebooks: no LGBTIQ+ gap, no build paths
    dash = reports / "_dashboard" / "dashboard.csv"
    if dash.exists():
        d = pd.read_csv(dash)
        assert not d["indicator"].astype(str).str.contains("LHBTIQ").any() or d.loc[
            d["indicator"].str.contains("LHBTIQ"), ["stand", "verandering"]].isna().all().all()
    for nb_path in (reports / "notebooks").glob("*.ipynb"):
        meta = nbformat.read(nb_path, as_version=4).metadata.get("papermill", {})
        assert "input_path" not in meta and "output_path" not in meta

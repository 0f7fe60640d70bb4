"""Sources are config: a codebook (with its role) and a chapter entry add a source; the command line,
the settings check and the build graph derive from them, with no change in pipeline code."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from pipeline import sources
from pipeline.codebook import CODEBOOK_DIR
from pipeline.config import ROOT


def new_source_codebooks(tmp_path, name="puls"):
    """A copy of the codebook folder plus a new survey source `name` (the MTO's items, another supplier)."""
    d = tmp_path / "codebooks"
    shutil.copytree(CODEBOOK_DIR, d)
    doc = (CODEBOOK_DIR / "mto.yaml").read_text(encoding="utf-8")
    (d / f"{name}.yaml").write_text(doc.replace("source: mto", f"source: {name}", 1)
                                    .replace("waves: [2022, 2023, 2024, 2025]", "waves: [2024]"), encoding="utf-8")
    return d


def test_the_catalogue_is_the_codebook_folder(tmp_path):
    cat = sources.catalogue()
    assert set(cat) >= {"register", "nim", "mto", "discrimination"}
    assert cat["register"].role == "register" and cat["nim"].role == "survey"
    assert cat["register"].key == "personeelsnummer" and cat["nim"].key == "respondent_id"
    assert sources.known()[0] == "register"
    d = new_source_codebooks(tmp_path)
    assert "puls" in sources.known(d) and "puls" not in sources.known()
    (d / "puls.yaml").write_text((d / "puls.yaml").read_text().replace("role: survey", "role: enquete"))
    assert sources.problems(d) and "enquete" in sources.problems(d)[0]


def test_cli_choices_follow_the_codebook_folder(tmp_path, capsys):
    from pipeline.clean.__main__ import main
    d = new_source_codebooks(tmp_path)
    with pytest.raises(SystemExit):
        main(["--source", "puls", "--wave", "2024", "--input", "x.sav"])   # unknown in config/codebooks
    assert "invalid choice: 'puls'" in capsys.readouterr().err
    code = main(["--source", "puls", "--wave", "2024", "--input", str(tmp_path / "missing.sav"),
                 "--codebooks", str(d), "--out", str(tmp_path / "o")])
    assert code == 2 and "bestand ontbreekt" in capsys.readouterr().err   # accepted as a source; file absent


def test_settings_know_a_source_by_its_codebook(tmp_path, demo_small):
    from pipeline.settings import ConfigError, load_settings
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    shutil.copy(demo_small / "mto_2024.sav", tmp_path / "puls_2024.sav")
    cfg["sources"] = {"register": {2024: str(demo_small / "register_2024.csv")}, "puls": {2024: str(tmp_path / "puls_2024.sav")}}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="unknown source 'puls'"):
        load_settings(tmp_path / "a.yaml")
    cfg["paths"]["codebooks"] = str(new_source_codebooks(tmp_path))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(cfg))
    s = load_settings(tmp_path / "b.yaml", years=[2025])
    assert s.role("puls") == "survey" and s.waves("puls") == [] and s.waves("register") == [2024]  # the frame stays
    assert s.codebook("puls", 2024).source == "puls"


def test_a_new_source_is_cleaned_and_reported_without_code_changes(tmp_path, demo_small, monkeypatch):
    """A new supplier's survey: its codebook, its file in the config, a chapter entry and its notebook."""
    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", "k" * 40)   # real data: a configured key
    shutil.copy(demo_small / "mto_2024.sav", tmp_path / "puls_2024.sav")
    shutil.copy(ROOT / "notebooks" / "02_inclusion.ipynb", tmp_path / "puls.ipynb")
    chapters = {"chapters": [
        {"name": "01_opschoning", "notebook": "01_clean.ipynb", "title": "Opschoning", "summary": "s", "needs": [],
         "reads": "all"},
        {"name": "09_puls", "notebook": "puls.ipynb", "title": "Pulsmeting", "summary": "s", "needs": ["puls", "register"],
         "parameters": {"source": "puls", "constructs": ["social_safety"], "dimensions": ["herkomst_oud", "geslacht"],
                        "intersections": [], "title": "Pulsmeting", "intro": "Sociale veiligheid."}},
        {"name": "10_niet_geconfigureerd", "notebook": "04_register.ipynb", "title": "x", "summary": "s",
         "needs": ["nim"]}]}
    (tmp_path / "chapters.yaml").write_text(yaml.safe_dump(chapters))
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    cfg["paths"] = {"raw": str(tmp_path), "processed": str(tmp_path / "processed"), "reports": str(tmp_path / "reports"),
                    "codebooks": str(new_source_codebooks(tmp_path)), "chapters": str(tmp_path / "chapters.yaml")}
    cfg["sources"] = {"register": {2024: str(demo_small / "register_2024.csv")}, "puls": {2024: "puls_2024.sav"}}
    cfg["indicators"] = []
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg))
    build(tmp_path / "report.yaml")
    assert (tmp_path / "processed" / "puls_2024.parquet").exists()
    pages = {p.name for p in (tmp_path / "reports").glob("*.html")}
    assert pages == {"index.html", "01_opschoning.html", "09_puls.html", "begrippen.html"}
    results = pd.read_csv(tmp_path / "reports" / "results.csv", keep_default_na=False, na_values=[""])
    puls = results[results["source"] == "puls"]
    assert set(puls["chapter"]) == {"01_opschoning", "09_puls"}
    assert {"level", "gap"} <= set(puls["statistic"]) and "herkomst_oud" in set(puls["dimension"])
    assert "Pulsmeting" in (tmp_path / "reports" / "index.html").read_text()


def test_training_settings_are_checked(tmp_path):
    from pipeline.settings import ConfigError, load_settings
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    cfg["training"]["target"] = 2
    cfg["training"]["typo"] = 1
    (tmp_path / "r.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path / "r.yaml")
    assert "training.target must be a share" in str(err.value) and "unknown key 'training.typo'" in str(err.value)

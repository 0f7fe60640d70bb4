"""The report config is checked strictly (every problem at once), the label catalogue gives today's
labels, outputs are written atomically, and cleaning does not depend on the report layer."""
from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline import io, labels
from pipeline.config import CONFIG_DIR, ROOT, band_order, classifications, diverse_group, diverse_groups
from pipeline.settings import ConfigError, load_settings


def base_config() -> dict:
    return yaml.safe_load((CONFIG_DIR / "report.yaml").read_text(encoding="utf-8"))


def write(tmp_path: Path, cfg: dict) -> Path:
    path = tmp_path / "report.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def problems(tmp_path: Path, cfg: dict) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, cfg))
    return str(err.value).splitlines()


# --- settings -------------------------------------------------------------------------------------


def test_the_shipped_config_is_valid():
    s = load_settings()
    assert s.young_cutoff == 35
    assert "language" not in s.raw


def test_unknown_keys_are_rejected_all_at_once(tmp_path):
    cfg = base_config()
    cfg["language"] = "nl"                          # removed setting
    cfg["min_cel_size"] = 5                         # typo at the top level
    cfg["groups"]["young_cut_off"] = 30             # typo inside a section
    cfg["weighting"]["trimming"] = [0.3, 3]
    found = problems(tmp_path, cfg)
    assert len(found) == 4, found
    assert all(str(tmp_path / "report.yaml") in p for p in found)
    top = next(p for p in found if "'language'" in p)
    assert "known keys:" in top and "min_cell_size" in top
    assert any("'min_cel_size'" in p for p in found)
    section = next(p for p in found if "groups.young_cut_off" in p)
    assert "known keys: young_cutoff, dimensions, intersections, reference" in section
    assert any("weighting.trimming" in p and "known keys: strata, margins, trim" in p for p in found)


def test_dimension_without_reference_is_rejected(tmp_path):
    cfg = base_config()
    del cfg["groups"]["reference"]["lhbtiq"]
    del cfg["groups"]["reference"]["geslacht"]     # also an intersection member
    found = problems(tmp_path, cfg)
    assert any("'lhbtiq' has no reference group" in p for p in found)
    assert sum("'geslacht' has no reference group" in p for p in found) == 1


def test_reference_level_must_exist_in_the_classification(tmp_path):
    cfg = base_config()
    cfg["groups"]["reference"]["herkomst_oud"] = "autochtoon"
    found = problems(tmp_path, cfg)
    assert any("groups.reference.herkomst_oud: 'autochtoon' is not a level" in p and "niet_westers" in p
               for p in found)


def test_indicators_and_models_are_checked(tmp_path):
    cfg = base_config()
    cfg["indicators"][0]["construct"] = "inclusie"
    cfg["indicators"][1]["group"] = "nee"           # the reference group of beperking
    cfg["indicators"][2]["colour"] = "red"
    cfg["models"]["adjusted_gap"].append("C(a) * C(b)")
    del cfg["models"]["gap_change"]
    found = problems(tmp_path, cfg)
    assert any("indicators[1]: 'inclusie' is neither a scale nor a variable of the nim codebook" in p for p in found)
    assert any("indicators[2]: 'nee' is the reference group of beperking" in p for p in found)
    assert any("indicators[3].colour" in p for p in found)
    assert any("models.adjusted_gap: 'C(a) * C(b)'" in p for p in found)
    assert any("models.gap_change must be a list" in p for p in found)


def test_a_configured_wave_must_be_in_the_codebook(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("NIM_2024.sav", "NIM_2023.sav", "reg_2024.csv"):
        (raw / name).write_bytes(b"")
    cfg = base_config()
    cfg["paths"]["raw"] = str(raw)
    cfg["sources"] = {"nim": {2024: "NIM_2024.sav", 2023: "NIM_2023.sav"}, "register": {2024: "reg_2024.csv"}}
    found = problems(tmp_path, cfg)
    assert len(found) == 1 and "sources.nim: wave 2023 is not listed in config/codebooks/nim.yaml" in found[0]
    del cfg["sources"]["nim"][2023]
    assert load_settings(write(tmp_path, cfg)).waves("nim") == [2024]


def test_settings_declare_the_indicators_and_covariates_the_report_uses():
    """The declared indicators and covariate sets (what the analysis hard-coded before they moved here)."""
    s = load_settings()
    assert [(i.source, i.construct, i.dimension, i.group) for i in s.indicators] == [
        ("nim", "inclusion", "herkomst_oud", "niet_westers"), ("nim", "inclusion", "beperking", "ja"),
        ("nim", "inclusion", "lhbtiq", "ja"), ("mto", "social_safety", "herkomst_oud", "niet_westers")]
    full = ["C(schaalband)", "C(leeftijdsband)", "dienstjaren", "C(directie_code)"]
    assert s.covariates("adjusted_gap", "herkomst_oud") == full
    assert s.covariates("adjusted_gap", "schaalband") == [t for t in full if t != "C(schaalband)"]
    assert s.covariates("adjusted_gap", "jong") == [t for t in full if t != "C(leeftijdsband)"]   # overlaps
    assert s.covariates("gap_change") == ["C(schaalband)", "C(leeftijdsband)", "C(directie_code)"]
    assert s.covariates("composition_change") == ["C(schaalband)", "C(leeftijdsband)", "C(geslacht)", "C(herkomst_cbs)"]
    assert diverse_groups() == {"old": ("herkomst_oud", "niet_westers"), "cbs": ("herkomst_cbs", "buiten_europa")}
    assert diverse_group("old") == ("herkomst_oud", "niet_westers")
    assert band_order() == ["<=9", "10-11", "12-14", "15+"]
    with pytest.raises(KeyError):
        s.covariates("adjusted")


def test_young_cutoff_is_set_in_one_place():
    assert "young_cutoff" not in classifications()["bands"]
    from pipeline.clean.derive import derive
    df = pd.DataFrame({"leeftijd": [34, 35, None]})
    assert derive(df)["jong"].astype(object).tolist()[:2] == ["ja", "nee"]
    assert derive(df, young_cutoff=36)["jong"].astype(object).tolist()[:2] == ["ja", "ja"]


# --- labels ---------------------------------------------------------------------------------------


def test_group_labels_are_todays_labels():
    for dim, levels in classifications()["labels"].items():
        for level, text in levels.items():
            assert labels.group(dim, level) == labels.label(dim, level) == text
        assert labels.group(dim, "onbekend_niveau") == "onbekend_niveau"
    assert labels.group("herkomst_oud", "niet_westers") == "Niet-westers"


def test_catalogue_gives_the_published_headers_names_and_colours():
    assert labels.column("ci_low") == "95%-interval onder" and labels.column("p_bh") == "p (BH)"
    assert labels.column("indicator") == "indicator"          # unlisted: unchanged, as in every CSV today
    assert labels.dimension("herkomst_oud") == "Migratieachtergrond (westers/niet-westers)"
    assert labels.dimension("herkomst_oud×geslacht") == "Migratieachtergrond (westers/niet-westers) × Gender"
    assert labels.colour("geslacht") == "#CC79A7" and labels.colour("totaal", "#004699") == "#004699"
    from pipeline.report import figures
    assert figures.DIMENSION_LABELS["jong"] == "Jonger dan 35"


def test_indicator_labels_match_the_discrimination_chapter():
    from pipeline.analysis import discrimination as D
    for wave in (2024, 2026):
        for name, text in D.labels(wave).items():
            assert labels.indicator("discrimination", name, wave) == text, name
    assert labels.indicator("nim", "inclusion") == "Ervaren inclusie (totaal)"
    assert labels.indicator("mto", "psych_safety") == "Psychologische veiligheid"


# --- io -------------------------------------------------------------------------------------------


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "out" / "table.csv"
    io.atomic_write_text(target, "old")
    with pytest.raises(RuntimeError):
        with io.atomic_path(target) as tmp:
            tmp.write_text("half of the new")
            raise RuntimeError("writer died mid-way")
    assert target.read_text() == "old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["table.csv"]   # no temporary left

    class Boom:
        def to_parquet(self, path, index):
            Path(path).write_bytes(b"PAR1 half")
            raise OSError("disk full")
    with pytest.raises(OSError):
        io.atomic_write_parquet(Boom(), target)
    assert target.read_text() == "old"


def test_atomic_path_can_keep_a_failed_output_aside(tmp_path):
    target, failed = tmp_path / "ch.ipynb", tmp_path / "ch.FAILED.ipynb"
    target.write_text("good")
    with pytest.raises(ValueError):
        with io.atomic_path(target, keep_on_error=failed) as tmp:
            assert tmp.suffix == ".ipynb" and tmp.parent == tmp_path
            tmp.write_text("partial")
            raise ValueError
    assert target.read_text() == "good" and failed.read_text() == "partial"
    io.atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new" and io.sha256(target) == io.sha256(target)


# --- layering -------------------------------------------------------------------------------------


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import: resolve against the file's package
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found |= {base, *(f"{base}.{a.name}" for a in node.names)}
    return found


def test_cleaning_does_not_import_the_report_layer():
    offenders = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p)
                                                  if m == "pipeline.report" or m.startswith("pipeline.report."))
                 for p in sorted((ROOT / "pipeline" / "clean").rglob("*.py"))}
    assert not {k: v for k, v in offenders.items() if v}, offenders
    # the check itself sees both absolute and relative imports
    assert "pipeline.report.provenance" in _imports(ROOT / "pipeline" / "report" / "display.py")


def test_no_hand_written_rename_outside_io():
    for p in (ROOT / "pipeline").rglob("*.py"):
        if p.name != "io.py":
            assert "os.replace(" not in p.read_text(encoding="utf-8"), p

"""Words beside the gaps of chapters 02/03 and 06/07 that come from results and configuration, never
typed by hand: which gaps sit on a scale that does not measure the same in every group (chapter 01's
measurement invariance), and what the adjusted gap of a group is adjusted for (an age group not for age)."""
from __future__ import annotations

import pandas as pd
import yaml

from pipeline.chapters import invariance_note
from pipeline.chapters.adjusted import exceptions_nl
from pipeline.settings import load_settings


def _verdicts(rows) -> pd.DataFrame:
    return pd.DataFrame([{"chapter": "01_opschoning", "table": "invariance_verdict", "source": s, "waves": w,
                          "indicator": i, "statistic": "invariance_level", "dimension": d, "group": "totaal",
                          "category": level, "estimate": invariance_note_code(level)}
                         for s, w, i, d, level in rows])


def invariance_note_code(level: str) -> float:
    return {"configural": 0, "metric": 1, "partial_scalar": 2, "scalar": 3}[level]


def test_failures_are_read_from_the_invariance_rows_of_the_source_and_wave():
    r = _verdicts([("nim", "2024", "belonging", "herkomst_oud", "partial_scalar"),
                   ("nim", "2024", "belonging", "beperking", "scalar"),
                   ("nim", "2024", "authenticity", "lhbtiq", "metric"),
                   ("nim", "2021–2024", "belonging", "golf", "partial_scalar"),   # between waves: not a group gap
                   ("nim", "2021", "inclusion", "herkomst_oud", "configural"),   # another wave
                   ("mto", "2024", "belonging", "herkomst_oud", "configural")])  # another source
    assert invariance_note.failures(r, "nim", 2024, ["belonging", "authenticity", "inclusion"]) == {
        "belonging": [("herkomst_oud", "partial_scalar")], "authenticity": [("lhbtiq", "metric")]}
    assert invariance_note.failures(r, "nim", 2024, ["inclusion"]) == {}
    assert invariance_note.failures(None, "nim", 2024, ["belonging"]) == {}


def test_the_note_says_it_in_short_sentences_and_links_to_chapter_01():
    text = invariance_note.note_nl("Erbij horen", "Migratieachtergrond (westers/niet-westers)", "partial_scalar")
    assert "(01_opschoning.html#meetinvariantie)" in text and "niet elke vraag" in text
    assert "schaal meet niet" in invariance_note.note_nl("Erbij horen", "Gender", "metric")
    assert all(len(s.split()) <= 25 for s in text.split(". "))


def test_chapter_02_names_the_failed_comparison_beside_its_gaps_only(demo_small, tmp_path):
    from pipeline.chapters import inclusion
    from pipeline.clean import clean_source
    cfg = yaml.safe_load(open("config/report.yaml"))
    cfg["demo"]["dir"] = str(demo_small)
    cfg["paths"]["processed"] = str(tmp_path / "processed")
    cfg["paths"]["reports"] = str(tmp_path / "reports")
    cfg["groups"]["intersections"] = []
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg))
    for source in ("nim", "register"):
        clean_source(source, 2024, demo_small / f"{source}_2024.{'sav' if source == 'nim' else 'csv'}",
                     out_dir=tmp_path / "processed", demo=True)
    (tmp_path / "reports" / "results").mkdir(parents=True)
    # a verdict the demo did not plant: the note follows the results, not a list of items
    _verdicts([("nim", "2024", "authenticity", "beperking", "partial_scalar"),
               ("nim", "2024", "belonging", "beperking", "scalar")]).to_parquet(
        tmp_path / "reports" / "results" / "01_opschoning.parquet")
    ch = inclusion.build(load_settings(tmp_path / "report.yaml", years=[2024]), source="nim",
                         constructs=["belonging", "authenticity"], title="t", intro="i", uses=["01_opschoning"])
    blocks = ch.blocks
    notes = [i for i, (kind, v) in enumerate(blocks) if kind == "text" and "meetinvariantie" in str(v)]
    assert len(notes) == 1
    kind, (table, caption, _) = blocks[notes[0] - 1]
    assert kind == "table" and caption == "Authenticiteit: verschillen" and "beperking" in blocks[notes[0]][1]
    without = inclusion.build(load_settings(tmp_path / "report.yaml", years=[2024]), source="nim",
                              constructs=["authenticity"], title="t", intro="i")
    assert not any(kind == "text" and "meetinvariantie" in str(v) for kind, v in without.blocks)


def test_an_age_group_says_its_adjusted_gap_is_not_adjusted_for_age(tmp_path):
    s = load_settings("config/report.yaml")
    dims = s["groups"]["dimensions"]
    text = exceptions_nl(s, "adjusted_gap", dims)
    assert "Jonger dan 35" in text and "schaal, dienstjaren en directie" in text and "Leeftijd telt" in text
    assert text.count("Bij de groep") == 1  # only jong leaves out a covariate the header names
    assert "schaal en directie" in exceptions_nl(s, "gap_change", dims, "de verandering van de kloof")
    cfg = yaml.safe_load(open("config/report.yaml"))
    cfg["models"]["overlaps"] = {}
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg))
    assert exceptions_nl(load_settings(tmp_path / "report.yaml"), "adjusted_gap", dims) == ""

"""Issue 25, the researchers' view: chapter 04's targets per directorate and chapter 10's training per
directorate are in the attacker's linear model of the release (a route recovered without the
protection and not with it, on hand-made tables small enough to check by eye), and every hidden cell
of every published CSV table is listed in the findings file with its interval and what protects it."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from pipeline.disclosure import SUPPRESSED
from pipeline.disclosure.attack import attack, guard_release

K = 10


def write(reports: Path, rel: str, rows: list[dict], caption: str | None = None) -> Path:
    f = reports / "tables" / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(f, sep=";", index=False, encoding="utf-8-sig")
    if caption:
        f.with_suffix(".caption").write_text(caption)
    return f


# --- training per directorate: the directorates add up to the organisation ---------------------------
# Leaders 2026: A 40 of 60 trained, B 4 of 30 (the small count), C 30 of 45; organisation 74 of 135.
TRAINING = {"A": (60, 40), "B": (30, 4), "C": (45, 30)}


def training_release(reports: Path, hide: set[str]) -> None:
    """Chapter 10 as printed: the organisation's table and one per-directorate table, with the trained
    (and their share) of the directorates in `hide` shown as '<k'."""
    n, g = sum(v[0] for v in TRAINING.values()), sum(v[1] for v in TRAINING.values())
    write(reports, "10_training/001_getraind_per_training_en_rol.csv",
          [{"jaar": "2026", "training": "Inclusief leiderschap", "rol": "Leidinggevenden", "aantal": n,
            "getraind": g, "aandeel getraind": f"{g / n:.6g}".replace(".", ","), "verschil met doel": "-0,1"}])
    write(reports, "10_training/002_inclusief_leiderschap_leidinggevenden_pe.csv",
          [{"directie": d, "aantal": a, "getraind": SUPPRESSED if d in hide else t,
            "aandeel getraind": SUPPRESSED if d in hide else f"{t / a:.6g}".replace(".", ","),
            "verschil met doel": SUPPRESSED if d in hide else "0"} for d, (a, t) in TRAINING.items()],
          caption="Inclusief leiderschap: leidinggevenden per directie")


def test_training_single_hidden_directorate_is_the_total_minus_the_rest_and_not_with_a_second(tmp_path):
    training_release(tmp_path / "one", {"B"})
    pinned, _, _ = attack(tmp_path / "one", K)
    key = ("training", "2026", "Inclusief leiderschap", "leidinggevenden", "B", "getraind")
    assert (key, 4) in pinned, "74 - 40 - 30 = 4"
    training_release(tmp_path / "two", {"B", "C"})
    pinned, _, rel = attack(tmp_path / "two", K)
    assert not pinned
    lo, hi = rel.found[key]
    assert lo <= 4 <= hi and hi - lo >= 5


# --- targets per directorate: the pages' counts and the organisation's share --------------------------
# Target 'jong', 2026: directorate D1 has 6 of 50 in the group, D2 121 of 400; organisation 127 of 450.
TARGETS = {"D1": (6, 50), "D2": (121, 400)}


def target_release(reports: Path, base: int, share_decimals: int, hide: set[str]) -> None:
    """A page per directorate (its name table and its counts per year) and chapter 04's shares per
    directorate; counts rounded to `base`, shares with `share_decimals` decimals of the percentage."""
    def rnd(v):
        return int(base * round(v / base)) if base > 1 else v

    def pct(a, n):
        return f"{100 * a / n:.{share_decimals}f}%".replace(".", ",")
    org_a, org_n = (sum(v[i] for v in TARGETS.values()) for i in (0, 1))
    for code, (a, n) in TARGETS.items():
        write(reports, f"directies/{code}/002_streefcijfers_van_de_gemeente_de_directi.csv",
              [{"voor": "gemeente", "streefcijfer": "jong"}, {"voor": f"Directie {code}", "streefcijfer": "jong"}])
        write(reports, f"directies/{code}/003_streefcijfers_per_jaar_directie_en_gemee.csv",
              [{"streefcijfer": "jong", "jaar": "2026", "aantal": SUPPRESSED if code in hide else rnd(a),
                "noemer": rnd(n), "directie": SUPPRESSED if code in hide else pct(a, n), "gemeente": pct(org_a, org_n)}])
    write(reports, "04_streefcijfers/004_streefcijfers_per_directie_2026.csv",
          [{"directie": f"Directie {c}", "jong": SUPPRESSED if c in hide else f"{a / n:.2f}".replace(".", ",")}
           for c, (a, n) in TARGETS.items()])


def test_target_count_of_a_directorate_is_the_organisation_share_times_the_sum_unless_rounded(tmp_path):
    key = ("doel", "jong", "2026", "D1", "aantal")
    # exact counts and the organisation's share to 4 decimals: 0.282222 x 450 - 121 = 6
    target_release(tmp_path / "exact", base=1, share_decimals=4, hide={"D1"})
    pinned, _, _ = attack(tmp_path / "exact", K, base=5)
    assert (key, 6) in pinned
    # the declared rounding: counts to 5, shares to whole percentages
    target_release(tmp_path / "rounded", base=5, share_decimals=0, hide={"D1"})
    pinned, _, rel = attack(tmp_path / "rounded", K, base=5)
    assert not pinned
    lo, hi = rel.found[key]
    assert lo <= 6 <= hi and hi - lo >= 5


def nested_page(reports: Path, outer: str) -> None:
    """One directorate's page with a target in scale 12 and up (`outer` as printed) and the same group in
    scale 12-14: 15 and 12 of 60 (3 people in scale 15+)."""
    write(reports, "directies/D1/003_streefcijfers_per_jaar_directie_en_gemee.csv",
          [{"streefcijfer": "divers 12+", "jaar": "2026", "aantal": outer, "noemer": 60, "directie": SUPPRESSED if outer ==
            SUPPRESSED else "25,0%", "gemeente": "20,0%"},
           {"streefcijfer": "divers 12-14", "jaar": "2026", "aantal": 12, "noemer": 60, "directie": "20,0%",
            "gemeente": "18,0%"}])


def test_nested_scale_ranges_give_the_count_in_between_unless_the_outer_count_is_hidden(tmp_path):
    nested = (("divers 12+", "divers 12-14"),)
    key = ("doel", "divers 12+ min divers 12-14", "2026", "D1", "aantal")
    nested_page(tmp_path / "shown", 15)
    pinned, _, _ = attack(tmp_path / "shown", K, nested=nested)
    assert (key, 3) in pinned, "15 - 12 = 3 in scale 15 and up"
    # the table rule hides the outer count when the count in between is 1..k-1 (LinkedCounts differences)
    nested_page(tmp_path / "hidden", SUPPRESSED)
    pinned, _, rel = attack(tmp_path / "hidden", K, nested=nested)
    assert not pinned and rel.found[key][1] - rel.found[key][0] >= 5


# --- the findings file: every hidden cell, its interval, its rule -------------------------------------

def hidden_in(reports: Path) -> list[str]:
    """'<file> rij <i>, kolom <c>' of every '<k' cell of the CSV tables, read independently."""
    out = []
    for f in sorted((reports / "tables").rglob("*.csv")):
        t = pd.read_csv(f, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for i, row in t.iterrows():
            out += [f"{f.relative_to(reports)} rij {i + 1}, kolom {c}" for c in t.columns if row[c].strip() == SUPPRESSED]
    return out


def listed(findings: Path) -> dict[str, str]:
    lines = findings.read_text().splitlines()
    return {m.group(1): line for line in lines if (m := re.match(r"^(tables/.+? rij \d+, kolom .+?): \[", line))}


def test_every_hidden_cell_is_listed_with_its_interval_and_rule(tmp_path):
    reports = tmp_path / "reports"
    training_release(reports, {"B", "C"})
    write(reports, "02_inclusie/001_iets_anders.csv",
          [{"groep": "a", "n": 12, "aandeel": SUPPRESSED}, {"groep": "b", "n": SUPPRESSED, "aandeel": SUPPRESSED}])
    guard_release(reports, tmp_path / "findings.txt", K)
    lines = listed(tmp_path / "findings.txt")
    cells = hidden_in(reports)
    assert len(cells) == 2 * 3 + 3 and set(cells) == set(lines)
    # modelled: the LP interval over the release; not modelled: what its own table allows
    assert "lineair model" in lines["tables/10_training/002_inclusief_leiderschap_leidinggevenden_pe.csv rij 2, kolom getraind"]
    assert lines["tables/02_inclusie/001_iets_anders.csv rij 1, kolom aandeel"].startswith(
        "tables/02_inclusie/001_iets_anders.csv rij 1, kolom aandeel: [0, 12]")
    assert "[0, ∞]" in lines["tables/02_inclusie/001_iets_anders.csv rij 2, kolom aandeel"]
    assert all("beschermd" in v for v in lines.values())
    assert "waarvan 6 in het lineaire model en 3 alleen door hun eigen tabel" in (tmp_path / "findings.txt").read_text()


def test_every_hidden_cell_of_a_small_build_is_in_the_findings_file(small_report):
    # beside the release (the build writes it from its staging folder: .staging/.quarantaine/...)
    found = sorted(small_report.parent.rglob(f".quarantaine/{small_report.name}/audit/publicatie.txt"))
    assert found, "the findings file is written"
    findings = found[0]
    cells = hidden_in(small_report)
    assert cells, "a small build hides cells"
    lines = listed(findings)
    assert set(cells) <= set(lines), sorted(set(cells) - set(lines))[:5]
    assert not any("NIET BESCHERMD" in lines[c] and "lineair model" in lines[c] for c in cells)
    # the check ran after results.csv was written: the survey groups' n are in its model
    assert "enquete-groep/" in findings.read_text()


# --- survey respondents per directorate: the directorates add up to the organisation's n -------------
# NIM 2024 respondents: D01 50, D02 40, D03 30, D04 6 (the small count); organisation 126 (everyone has a
# directorate). Chapter 02's table and each directorate page print the same n.

def test_a_hidden_directorate_n_is_the_total_minus_the_rest_unless_a_second_is_hidden(tmp_path):
    from pipeline.disclosure.suppress import hidden_from_sizes
    sizes = pd.Series({"D01": 50, "D02": 40, "D03": 30, "D04": 6})

    def release(reports: Path, hide: set[str]) -> None:
        rows = [{"chapter": "02_inclusie", "table": "levels", "waves": "2024", "indicator": "inclusion",
                 "statistic": "level", "dimension": "totaal", "group": "totaal", "n": int(sizes.sum()),
                 "suppressed": False}]
        rows += [{"chapter": "02_inclusie", "table": "dir:inclusion", "waves": "2024", "indicator": "inclusion",
                  "statistic": "level", "dimension": "directie_code", "group": d,
                  "n": None if d in hide else int(v), "suppressed": d in hide} for d, v in sizes.items()]
        reports.mkdir(parents=True, exist_ok=True)
        pd.DataFrame(rows).to_csv(reports / "results.csv", index=False)
        for d, v in sizes.items():  # the page's survey table
            write(reports, f"directies/{d}/004_inclusie_veiligheid_en_discriminatie_dir.csv",
                  [{"indicator": "Ervaren inclusie (NIM, 1–5)", "meting": "2024", "directie": SUPPRESSED if d in hide else "3,2",
                    "n": SUPPRESSED if d in hide else v}])
    off = tmp_path / "off" / "reports"
    release(off, {"D04"})                               # the threshold rule alone: one hidden row
    pinned, _, _ = attack(off, K)
    assert (("enquete", "02_inclusie", "inclusion", "2024", "D04", "n"), 6) in pinned
    hide = {lv for _, lv in hidden_from_sizes({"directie_code": sizes}, {}, K)}
    assert hide == {"D04", "D03"}                       # rule 2: a second, holding k together
    on = tmp_path / "on" / "reports"
    release(on, hide)
    pinned, inconsistent, rel = attack(on, K)
    assert not pinned and not inconsistent
    lo, hi = rel.found[("enquete", "02_inclusie", "inclusion", "2024", "D04", "n")]
    assert lo <= 6 <= hi and hi - lo >= 5
    # and the page's hidden n is listed with its interval over the release
    from pipeline.disclosure.attack import hidden_cells
    cells = hidden_cells(on, rel, K)
    assert any("directies/D04" in c and "kolom n" in c and "lineair model" in c for c in cells)


# --- survey respondents per group (not directorate): the groups add up to the wave's n ----------------
# NIM 2024, scale 'inclusion': 100 respondents; men 50, women 44, non-binary 6 (the small count). The group
# table (levels) and the gap table (gaps: a gap's n is its group's n) print the same n.

def _group_release(reports: Path, hide: set[str], gap_hide: set[str] | None = None) -> None:
    sizes = {"man": 50, "vrouw": 44, "non_binair": 6}
    gap_hide = hide if gap_hide is None else gap_hide
    row = {"chapter": "02_inclusie", "source": "nim", "waves": "2024", "indicator": "inclusion"}
    rows = [{**row, "table": "levels", "statistic": "level", "dimension": "totaal", "group": "totaal",
             "n": 100, "suppressed": False}]
    rows += [{**row, "table": "levels", "statistic": "level", "dimension": "geslacht", "group": g,
              "n": None if g in hide else v, "suppressed": g in hide} for g, v in sizes.items()]
    rows += [{**row, "table": "gaps", "statistic": "gap", "dimension": "geslacht", "group": g,
              "n": None if g in gap_hide else v, "suppressed": g in gap_hide} for g, v in sizes.items() if g != "man"]
    rows += [{**row, "table": "gaps", "statistic": "adjusted_gap", "dimension": "geslacht", "group": "vrouw",
              "n": None, "suppressed": False}]   # no n printed: nothing published
    reports.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(reports / "results.csv", index=False)


def test_a_hidden_group_n_is_the_total_minus_the_rest_unless_a_second_is_hidden(tmp_path):
    from pipeline.disclosure.suppress import hidden_from_sizes
    key = ("enquete-groep", "nim", "2024", "inclusion", "geslacht", "non_binair", "n")
    off = tmp_path / "off" / "reports"
    _group_release(off, {"non_binair"})                  # the threshold rule alone: one hidden row
    pinned, inconsistent, _ = attack(off, K)
    assert (key, 6) in pinned and not inconsistent
    hide = {lv for _, lv in hidden_from_sizes({"geslacht": pd.Series({"man": 50, "vrouw": 44, "non_binair": 6})}, {}, K)}
    assert hide == {"non_binair", "vrouw"}               # rule 2: the complementary group
    on = tmp_path / "on" / "reports"
    _group_release(on, hide)
    pinned, inconsistent, rel = attack(on, K)
    assert not pinned and not inconsistent
    lo, hi = rel.found[key]
    assert lo <= 6 <= hi and hi - lo >= 5


def test_a_group_n_shown_in_the_gap_table_and_hidden_in_the_group_table_is_found(tmp_path):
    reports = tmp_path / "reports"
    _group_release(reports, {"non_binair", "vrouw"}, gap_hide={"vrouw"})
    pinned, inconsistent, _ = attack(reports, K)
    assert any(x.startswith("enquete-groep/nim/2024/inclusion/geslacht/non_binair/n: getoond in results 02_inclusie gaps")
               for x in inconsistent), inconsistent
    # the gap table gives the group table's hidden 6 away
    assert pinned == [(("enquete-groep", "nim", "2024", "inclusion", "geslacht", "non_binair", "n"), 6)]


def test_a_group_n_hidden_in_the_chapter_csv_and_shown_in_results_is_found(tmp_path):
    # the chapter's group table (labels, as printed) is matched to NIM 2024 'inclusion' by its shown n
    rows = [{"indeling": "Alle medewerkers", "groep": "Alle medewerkers", "schatting": "3,2", "n": 100},
            {"indeling": "Gender", "groep": "Man", "schatting": "3,1", "n": 50},
            {"indeling": "Gender", "groep": "Vrouw", "schatting": SUPPRESSED, "n": SUPPRESSED},
            {"indeling": "Gender", "groep": "Non-binair", "schatting": SUPPRESSED, "n": SUPPRESSED}]
    shown, hidden = tmp_path / "shown" / "reports", tmp_path / "hidden" / "reports"
    _group_release(shown, set())                       # results.csv shows every group
    _group_release(hidden, {"non_binair", "vrouw"})    # results.csv hides the same two
    for r in (shown, hidden):
        write(r, "02_inclusie/001_ervaren_inclusie_totaal_per_groep_gewoge.csv", rows)
    _, inconsistent, _ = attack(shown, K)
    table = "tabel 02_inclusie/001_ervaren_inclusie_totaal_per_groep_gewoge"
    assert sorted(x.split("/n:")[0].split("/")[-1] for x in inconsistent if x.endswith(f"verborgen in {table}")) \
        == ["non_binair", "vrouw"]
    pinned, inconsistent, rel = attack(hidden, K)      # hidden in every file: nothing found
    assert not pinned and not inconsistent
    occ = rel.cells[("enquete-groep", "nim", "2024", "inclusion", "geslacht", "vrouw", "n")]
    assert any(o.artefact == table and o.value is None for o in occ)


def test_a_survey_group_n_narrower_than_the_width_or_shown_in_one_table_and_hidden_in_another_stops(tmp_path, monkeypatch):
    """Survey respondents per group ('enquete-groep') stop the build like any count (the build coordinates
    the level and gap tables' complements, `pipeline.disclosure.coordinate`): a group n only narrower than
    the width stops it, and so does one shown in one table and hidden in another, or one that can be
    worked out exactly; a wide interval passes, and a dimension's remainder is only listed."""
    import pytest
    from pipeline.disclosure import attack as A
    from pipeline.disclosure.audit import Release
    from pipeline.disclosure.errors import DisclosureError

    def model(found, inconsistent=(), pinned=()):
        rel = Release()
        rel.found = dict(found)
        monkeypatch.setattr(A, "attack", lambda *a, **kw: (list(pinned), list(inconsistent), rel))
    monkeypatch.setattr(A, "attribute_check", lambda *a, **kw: [])
    monkeypatch.setattr(A, "hidden_cells", lambda *a, **kw: [])
    group = ("enquete-groep", "mto", "2025", "psych_safety", "geslacht", "non_binair", "n")
    findings = tmp_path / "publicatie.txt"
    model({group: (0.0, 5.0), ("exit", "2026", "rest Jonger dan 35", "personeel"): (0.0, 1.0)})
    A.guard_release(tmp_path, findings, 10, 5, 5)  # wide enough, and a remainder: no stop
    assert "smaller dan de beschermingsbreedte 5: 0" in findings.read_text()
    model({group: (0.0, 3.0)})
    with pytest.raises(DisclosureError, match="non_binair"):
        A.guard_release(tmp_path, findings, 10, 5, 5)
    assert "non_binair/n: (0, 3)" in findings.read_text()
    mixed = "enquete-groep/mto/2025/psych_safety/geslacht/vrouw/n: getoond in a, verborgen in b"
    model({}, [mixed])
    with pytest.raises(DisclosureError, match="vrouw"):
        A.guard_release(tmp_path, findings, 10, 5, 5)
    model({("doel", "x", "2024", "D01", "aantal"): (0.0, 3.0)})
    with pytest.raises(DisclosureError):
        A.guard_release(tmp_path, findings, 10, 5, 5)
    model({group: (6.0, 6.0)}, pinned=[(group, 6)])
    with pytest.raises(DisclosureError):
        A.guard_release(tmp_path, findings, 10, 5, 5)

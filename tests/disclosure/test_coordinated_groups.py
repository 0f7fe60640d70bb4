"""Issue 25, survey groups: one decision per statistic on which groups are hidden, the same in the level
table and the gap table, and every hidden intersection cell protected to the declared width.

The hand-made survey (168 respondents, small enough to check by eye):

                 man  vrouw  non-binair  gender unknown | herkomst
    nederlands    20     60           3               0 |       83
    westers       12     13           0               3 |       28
    niet-westers  15     40           2               0 |       57
    geslacht      47    113           5               3 |      168

Non-binair (5) is below k = 10. Its complement used to be the smallest other level, man (47), which is
the reference of every comparison: the level table then showed vrouw (113) while the gap table, whose
reference was hidden, hid every row — vrouw's n shown in one table and hidden in the next. And the
intersection's secondary suppression (`secondary_mask`) hid nederlands/vrouw and niet-westers/vrouw
beside the two small non-binair cells, which leaves westers/non-binair (0, shown as '–') readable as
westers (28) minus westers/man (12) and westers/vrouw (13): at most 3, an interval [0, 3] narrower
than the width 5 that meets 1..9."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.disclosure import coordinate as C
from pipeline.disclosure.attack import _protection, _whole, attack
from pipeline.disclosure.publish import Estimates, GroupSizes, Policy, Result, publish_all
from pipeline.results import COLUMNS, Tidy, tidy_rows

K, WIDTH = 10, 5
REFS = {"herkomst_oud": "nederlands", "geslacht": "man"}
CELLS = {("nederlands", "man"): 20, ("nederlands", "vrouw"): 60, ("nederlands", "non_binair"): 3,
         ("nederlands", None): 0, ("westers", "man"): 12, ("westers", "vrouw"): 13, ("westers", "non_binair"): 0,
         ("westers", None): 3, ("niet_westers", "man"): 15, ("niet_westers", "vrouw"): 40,
         ("niet_westers", "non_binair"): 2, ("niet_westers", None): 0}


def respondents() -> pd.DataFrame:
    rows = [(h, g) for (h, g), m in CELLS.items() for _ in range(m)]
    d = pd.DataFrame(rows, columns=["herkomst_oud", "geslacht"])
    d["herkomst_oud"] = pd.Categorical(d["herkomst_oud"], ["nederlands", "westers", "niet_westers"])
    d["geslacht"] = pd.Categorical(d["geslacht"], ["man", "vrouw", "non_binair"])
    return d.assign(inclusion=np.linspace(2.0, 4.0, len(d)))


def tables(data: pd.DataFrame) -> dict[str, Result]:
    """The level table and the gap table of one scale as `level_table` and `gap_table` declare them
    (respondents per group, the comparison's reference and its n; no row for an empty cell, as
    `design.compare` gives none), with hand-filled estimates."""
    dims, inter = ["herkomst_oud", "geslacht"], [["herkomst_oud", "geslacht"]]
    levels = [{"construct": "inclusion", "dimension": "totaal", "group": "totaal", "group_label": "Alle",
               "estimate": 3.0, "n": len(data)}]
    for dim in dims:
        for lv, n in data[dim].value_counts(sort=False).items():
            levels.append({"construct": "inclusion", "dimension": dim, "group": str(lv), "group_label": str(lv),
                           "estimate": 3.0, "n": int(n)})
    gaps = []
    for dim in [*dims, *("×".join(i) for i in inter)]:
        parts = dim.split("×")
        ref = "/".join(REFS[p] for p in parts)
        counts = data.dropna(subset=parts).groupby(parts, observed=False).size()
        for lv, n in counts.items():
            g = "/".join(map(str, lv if isinstance(lv, tuple) else (lv,)))
            if g != ref and n > 0:  # a cell without respondents has no comparison (publish adds it, '–')
                gaps.append({"construct": "inclusion", "dimension": dim, "group": g, "group_label": g,
                             "difference": -0.1, "n": int(n), "n_ref": int(counts[tuple(ref.split("/"))] if
                                                                          len(parts) > 1 else counts[ref]),
                             "reference_key": ref})
    sizes = GroupSizes.of(data, dims, inter, REFS)
    return {"levels": Result(pd.DataFrame(levels), Estimates(sizes=(GroupSizes.of(data, dims),), item=("construct",)),
                             tidy=(Tidy("level", {"indicator": "construct"}),)),
            "gaps": Result(pd.DataFrame(gaps), Estimates(n=("n", "n_ref"), sizes=(sizes,), reference="reference_key",
                                                         item=("construct",)),
                           tidy=(Tidy("gap", {"indicator": "construct", "estimate": "difference",
                                              "reference": "reference_key"}),))}


def release(tmp: Path, policy: Policy) -> Path:
    """results.csv of the two published tables, as a chapter records them."""
    pub = publish_all(tables(respondents()), policy)
    rows = [tidy_rows(p.table, spec, table=name, source="nim", waves="2024", chapter="02_inclusie", family="")
            for name, p in pub.items() for spec in p.tidy]
    out = pd.concat(rows, ignore_index=True).reindex(columns=COLUMNS)
    tmp.mkdir(parents=True, exist_ok=True)
    out.to_csv(tmp / "results.csv", index=False)
    return tmp


def key(dim, group):
    return ("enquete-groep", "nim", "2024", "inclusion", dim, group, "n")


COORDINATED = Policy(k=K, width=WIDTH, references=REFS)
EACH_TABLE = Policy(k=K, width=WIDTH, references=REFS, audit=False)  # the coordination switched off


def test_without_coordination_vrouw_is_shown_in_one_table_and_hidden_in_the_other_and_a_cell_is_narrow(tmp_path):
    _, inconsistent, rel = attack(release(tmp_path, EACH_TABLE), K)
    assert any("geslacht/vrouw/n: getoond in results 02_inclusie levels, verborgen in results 02_inclusie gaps" in x
               for x in inconsistent)
    lo, hi = _whole(rel.found[key("herkomst_oud×geslacht", "westers/non_binair")])
    assert (lo, hi) == (0, 3), "westers 28 minus man 12 and vrouw 13"
    assert "NIET BESCHERMD" in _protection(lo, hi, K, WIDTH)


def test_coordinated_groups_have_one_status_everywhere_and_every_hidden_cell_is_at_least_the_width_wide(tmp_path):
    pinned, inconsistent, rel = attack(release(tmp_path, COORDINATED), K)
    assert not pinned and not inconsistent
    res = pd.read_csv(tmp_path / "results.csv", dtype={"group": str})
    shown = {(r.table, r.dimension, r.group) for r in res.itertuples() if not r.suppressed}
    # the reference stays; vrouw (the smallest other level) is non-binair's complement in both tables
    assert ("levels", "geslacht", "man") in shown and ("levels", "geslacht", "vrouw") not in shown
    assert ("gaps", "geslacht", "vrouw") not in shown
    assert ("levels", "herkomst_oud", "westers") in shown
    # westers/man (12, the smallest shown cell of the binding line westers) goes with westers/non-binair
    assert ("gaps", "herkomst_oud×geslacht", "westers/man") not in shown
    assert ("gaps", "herkomst_oud×geslacht", "niet_westers/man") in shown
    for k_, b in rel.found.items():
        if b is not None:
            assert "NIET" not in _protection(*_whole(b), K, WIDTH), (k_, b)
    lo, hi = _whole(rel.found[key("herkomst_oud×geslacht", "westers/non_binair")])
    assert lo <= 0 and hi - lo >= WIDTH


def test_line_levels_never_picks_the_reference_while_another_level_can_go():
    n = {"man": 47.0, "vrouw": 113.0, "non_binair": 5.0}
    assert C.line_levels(n, {"non_binair"}, "man", WIDTH) == {"non_binair", "vrouw"}
    assert C.line_levels(n, {"non_binair"}, None, WIDTH) == {"non_binair", "man"}  # no reference declared
    # two hidden levels holding fewer than the width together: one more goes
    n = {"a": 100.0, "b": 2.0, "c": 2.0, "d": 30.0}
    assert C.line_levels(n, {"b", "c"}, "a", WIDTH) == {"b", "c", "d"}
    # only the reference is left to hide: the whole dimension goes (its gap table is empty anyway)
    assert C.line_levels({"ja": 4.0, "nee": 60.0}, {"ja"}, "nee", WIDTH) == {"ja", "nee"}
    n = {"nederlands": 500.0, "westers": 80.0, "niet_westers": 150.0}
    assert C.line_levels(n, {"nederlands"}, "nederlands", WIDTH) == set(n)
    # ... but not where a share's attribute rule alone hides the reference (no gap table hides with it)
    assert C.line_levels(n, {"nederlands"}, "nederlands", WIDTH, attribute_only=True) == {"nederlands", "westers"}


def test_crossed_bounds_are_the_smallest_slack_of_a_cells_lines():
    cells = {(h, g): float(m) for (h, g), m in CELLS.items() if g is not None}
    rows = {"nederlands": 83.0, "westers": 28.0, "niet_westers": 57.0}
    cols = {"man": 47.0, "vrouw": None, "non_binair": None}
    hidden = {("nederlands", "vrouw"), ("nederlands", "non_binair"), ("niet_westers", "vrouw"),
              ("niet_westers", "non_binair"), ("westers", "non_binair")}
    bounds = C.crossed_bounds(cells, hidden, rows, cols, ("nederlands", "man"))
    assert bounds[("westers", "non_binair")] == 3.0   # 28 - 12 - 13
    assert bounds[("nederlands", "vrouw")] == 83.0     # the reference cell is never printed
    assert bounds[("niet_westers", "vrouw")] == 42.0   # 57 - 15
    protected = C.crossed_cells(cells, hidden, rows, cols, ("nederlands", "man"), WIDTH)
    assert protected == hidden | {("westers", "man")}
    assert min(C.crossed_bounds(cells, protected, rows, cols, ("nederlands", "man")).values()) >= WIDTH


@pytest.mark.parametrize("policy", [COORDINATED, EACH_TABLE])
def test_the_small_group_itself_is_hidden_either_way(policy):
    pub = publish_all(tables(respondents()), policy)
    lv = pub["levels"].table.set_index(["dimension", "group"])
    assert lv.loc[("geslacht", "non_binair"), "onderdrukt"] and np.isnan(lv.loc[("geslacht", "non_binair"), "n"])


def test_a_gap_tables_n_column_is_one_more_occurrence_of_the_groups_n(tmp_path):
    """The gap table's CSV prints each group's n beside its reference's label; a reader matches it to
    results.csv, so vrouw's n printed there while results.csv hides it is found (and '<k' is not)."""
    def gap_csv(reports: Path, vrouw) -> None:
        f = reports / "tables" / "02_inclusie" / "004_ervaren_inclusie_verschillen.csv"
        f.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame([("Westers", "Nederlands", "-0,1", 28), ("Niet-westers", "Nederlands", "-0,1", 57),
                      ("Vrouw", "Man", "<k" if vrouw == "<k" else "-0,1", vrouw),
                      ("Westers × Vrouw", "Nederlands × Man", "-0,1", 13)],
                     columns=["groep", "referentie", "verschil", "n"]).to_csv(f, sep=";", index=False)
    gap_csv(release(tmp_path / "shown", COORDINATED), 113)
    _, inconsistent, _ = attack(tmp_path / "shown", K)
    assert inconsistent == [f"{'/'.join(key('geslacht', 'vrouw'))}: getoond in tabel 02_inclusie/"
                            "004_ervaren_inclusie_verschillen, verborgen in results 02_inclusie levels"]
    gap_csv(release(tmp_path / "hidden", COORDINATED), "<k")
    _, inconsistent, rel = attack(tmp_path / "hidden", K)
    assert not inconsistent
    assert any(o.artefact.startswith("tabel 02_inclusie") for o in rel.cells[key("herkomst_oud×geslacht", "westers/vrouw")])


def test_chapter_01s_respondents_per_group_bound_a_scales_hidden_n_from_above(tmp_path):
    """NIM 2024: 100 respondents to the scale, men 60 shown, women and non-binary hidden (together 40).
    Chapter 01's response table prints 12 non-binary respondents of the wave: a scale's n of that group
    is at most that, so the reader's interval for it shrinks from [0, 40] to [0, 12] (still wide)."""
    rows = [("totaal", "totaal", 100), ("geslacht", "man", 60), ("geslacht", "vrouw", None),
            ("geslacht", "non_binair", None)]
    pd.DataFrame([{"chapter": "02_inclusie", "table": "levels", "source": "nim", "waves": "2024",
                   "indicator": "inclusion", "statistic": "level", "dimension": d, "group": g, "n": n,
                   "suppressed": n is None} for d, g, n in rows]).to_csv(tmp_path / "results.csv", index=False)
    _, _, rel = attack(tmp_path, K)
    assert _whole(rel.found[key("geslacht", "non_binair")]) == (0, 40)
    folder = tmp_path / "tables" / "01_opschoning"
    folder.mkdir(parents=True)
    pd.DataFrame([("Gender", "Man", 62, 200, "0,31"), ("Gender", "Vrouw", 45, 150, "0,3"),
                  ("Gender", "Non-binair", 12, 30, "0,4")],
                 columns=["kenmerk", "categorie", "respondenten", "medewerkers", "respons"]).to_csv(
        folder / "089_respons_per_directie_en_groep_nim_2024.csv", sep=";", index=False)
    (folder / "089_respons_per_directie_en_groep_nim_2024.caption").write_text("Respons per directie en groep, NIM 2024")
    _, _, rel = attack(tmp_path, K)
    assert _whole(rel.found[key("geslacht", "non_binair")]) == (0, 12)
    assert _whole(rel.found[key("geslacht", "vrouw")]) == (28, 40)  # 40 minus at most 12

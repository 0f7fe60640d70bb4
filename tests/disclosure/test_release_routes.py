"""Issue 25, second red-team round (findings A1-A7): each route on a hand-made example small enough to
check by eye. The build's own attacker (`pipeline.disclosure.attack`) reads the tables as printed and
recovers the hidden value with the protection switched off, and fails to with it on."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analysis import exit as ex
from pipeline.analysis.gaps import level_table
from pipeline.chapters.exit import young_one_status
from pipeline.disclosure import SUPPRESSED
from pipeline.disclosure.attack import attack, attribute_check
from pipeline.disclosure.publish import Policy, publish, publish_all
from pipeline.survey import SurveyDesign

K = 10
ON = Policy(k=K)
EXIT = "tables/09_exitfeedback"


def cell(v) -> str:
    """A number as the CSV prints it (`SUPPRESSED` when hidden, decimal comma)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return SUPPRESSED
    return f"{v:.6g}".replace(".", ",")


def write(reports: Path, rel: str, rows: list[dict]) -> None:
    f = reports / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(f, sep=";", index=False, encoding="utf-8-sig")


# --- A1: a share hidden in the level table by age, shown in the young-vs-older comparison ------------
# 50 young leavers, 2 of them name 'pensioen' (the small count), 25 'salaris'; 60 older leavers, 20 name
# 'pensioen'. Origin of the young: 22 Dutch, then non-western, the last `unknown_origin` unknown.
def leavers(unknown_origin: int = 0) -> SurveyDesign:
    rows = [{"jong": "ja", "reden_pensioen": float(i < 2), "reden_salaris": float(i % 2 == 0),
             "herkomst_oud": "nederlands" if i < 22 else "niet_westers" if i < 50 - unknown_origin else None}
            for i in range(50)]
    rows += [{"jong": "nee", "reden_pensioen": float(i < 20), "reden_salaris": float(i < 15),
              "herkomst_oud": "nederlands"} for i in range(60)]
    return SurveyDesign(pd.DataFrame(rows).assign(w=1.0), weights="w")


def young_release(reports: Path, protect: bool) -> None:
    """Chapter 09's reasons by age (table 009) and the comparison (table 014), as printed."""
    design = leavers()
    reasons = ["reden_pensioen", "reden_salaris"]
    res = {"reasons": level_table(design, reasons, ["jong"], estimator="proportion", name="vraag"),
           "young": ex.young_vs_older(design, reasons, proportions=tuple(reasons) if protect else ())}
    pub = publish_all(res, ON)
    if protect:
        pub["reasons"], pub["young"] = young_one_status(pub["reasons"], pub["young"])
    lv = pub["reasons"].table
    lv = lv[lv["dimension"] == "jong"]
    write(reports, f"{EXIT}/009_naar_jonger_dan_35.csv",
          [{"reden of vraag": r.vraag, "groep": "Jonger dan 35" if r.group == "ja" else "35 of ouder",
            "aandeel": cell(r.estimate), "respondenten": cell(r.n)} for r in lv.itertuples()])
    write(reports, f"{EXIT}/014_jonge_tegen_oudere_vertrekkers.csv",
          [{"reden of vraag": r.vraag, "jong": cell(r.jong), "ouder": cell(r.ouder), "verschil": cell(r.difference),
            "n jong": cell(r.n), "n ouder": cell(r.n_ref)} for r in pub["young"].table.itertuples()])


def test_a1_young_share_hidden_by_age_is_not_shown_in_the_comparison(tmp_path):
    young_release(tmp_path / "off", protect=False)
    pinned, inconsistent, _ = attack(tmp_path / "off", K)
    assert (("exit-jong", "reden_pensioen", "ja", "ja"), 2) in pinned, "0.04 x 50 = 2 young leavers"
    assert any(x.startswith("exit-jong/reden_pensioen/ja/aandeel") for x in inconsistent)
    assert any("jong 0,04 van 50" in x for x in attribute_check(tmp_path / "off", K))
    young_release(tmp_path / "on", protect=True)
    pinned, inconsistent, rel = attack(tmp_path / "on", K)
    assert not pinned and not inconsistent and not attribute_check(tmp_path / "on", K)
    lo, hi = rel.found[("exit-jong", "reden_pensioen", "ja", "ja")]
    assert lo <= 2 <= hi and hi - lo >= 5
    t = pd.read_csv(tmp_path / "on" / EXIT / "014_jonge_tegen_oudere_vertrekkers.csv", sep=";", dtype=str)
    assert list(t.set_index("reden of vraag").loc["reden_salaris", ["jong", "n jong"]]) == ["0,5", "50"], \
        "a reason with enough people on both sides stays"


# --- A2: young leavers by origin add up to the young leavers' n; an unlisted origin is the rest -------
# 50 young leavers: 22 Dutch, 24 non-western, 4 of unknown origin (the small count).
def origin_release(reports: Path, protect: bool) -> None:
    design = leavers(unknown_origin=4)
    design = ex.unknown_level(design, "herkomst_oud") if protect else design
    young = design.subset(design.data["jong"] == "ja")
    t = publish(level_table(young, ["reden_salaris"], ["herkomst_oud"], estimator="proportion", name="vraag"), ON).table
    t = t[t["dimension"] != "totaal"]
    write(reports, f"{EXIT}/015_redenen_van_jonge_vertrekkers_naar_migra.csv",
          [{"reden": r.vraag, "groep": r.group_label, "aandeel": cell(r.estimate), "respondenten": cell(r.n)}
           for r in t.itertuples()])
    write(reports, f"{EXIT}/014_jonge_tegen_oudere_vertrekkers.csv",
          [{"reden of vraag": "reden_salaris", "jong": "0,5", "ouder": "0,25", "verschil": "0,25",
            "n jong": "50", "n ouder": "60"}])


def test_a2_unknown_origin_of_young_leavers_is_a_row_not_the_rest(tmp_path):
    origin_release(tmp_path / "off", protect=False)
    pinned, _, _ = attack(tmp_path / "off", K)
    assert (("exit-jong", "reden_salaris", "herkomst", "niet in de tabel", "n"), 4) in pinned, "50 - 22 - 24 = 4"
    origin_release(tmp_path / "on", protect=True)
    printed = pd.read_csv(tmp_path / "on" / EXIT / "015_redenen_van_jonge_vertrekkers_naar_migra.csv", sep=";", dtype=str)
    assert "onbekend" in set(printed["groep"]) and (printed["respondenten"] == SUPPRESSED).sum() == 2, \
        "the unknown origin is a hidden row, with a complement"
    pinned, _, rel = attack(tmp_path / "on", K)
    assert not pinned
    lo, hi = rel.found[("exit-jong", "reden_salaris", "herkomst", "onbekend", "n")]
    assert lo <= 4 <= hi and hi - lo >= 5


# --- A3: a group's n minus its complete cases (the adjusted gap's n) counts people with a gap in the record
# 40 men, 40 women, 15 non-binary respondents of whom 4 have no known age (the small count).
def gap_release(reports: Path, protect: bool) -> pd.DataFrame:
    import dataclasses

    from pipeline.analysis.gaps import gap_table
    rng = np.random.default_rng(7)
    gender = ["man"] * 40 + ["vrouw"] * 40 + ["non_binair"] * 15
    age = [float(20 + i % 40) for i in range(95)]
    age[-4:] = [np.nan] * 4
    data = pd.DataFrame({"geslacht": gender, "leeftijd": age, "inclusion": rng.normal(3.5, 0.5, 95)}).assign(w=1.0)
    res = gap_table(SurveyDesign(data, weights="w"), ["inclusion"], ["geslacht"], {"geslacht": "man"}, [],
                    adjust_for=lambda dim: ["leeftijd"])
    if not protect:
        res = dataclasses.replace(res, rule=dataclasses.replace(res.rule, nested_n=()))
    t = publish(res, ON).table
    write(reports, "tables/02_inclusie/004_ervaren_inclusie_totaal_verschillen.csv",
          [{"groep": r.group, "referentie": r.reference, "verschil": cell(r.difference), "n": cell(r.n),
            "verschil bij gelijke schaal enz.": cell(r.adj_difference), "n bij gelijke schaal enz.": cell(r.adj_n)}
           for r in t.itertuples()])
    return t.set_index("group")


def test_a3_complete_cases_beside_the_group_n_do_not_give_the_incomplete_records(tmp_path):
    off = gap_release(tmp_path / "off", protect=False)
    assert (off.loc["non_binair", "n"], off.loc["non_binair", "adj_n"]) == (15, 11)
    pinned, _, _ = attack(tmp_path / "off", K)
    assert [v for key, v in pinned if key[0] == "enquete-onvolledig"] == [4], "15 - 11 = 4 without a known age"
    on = gap_release(tmp_path / "on", protect=True)
    assert np.isnan(on.loc["non_binair", "adj_n"]) and on.loc["non_binair", "adj_difference"] == \
        off.loc["non_binair", "adj_difference"], "the n is hidden, the adjusted gap (on 11 people) stays"
    assert on.loc["vrouw", "adj_n"] == 40, "a group without missing covariates keeps its n"
    pinned, _, _ = attack(tmp_path / "on", K)
    assert not pinned


# --- A6: a marker that says '<k' on a complementary cell narrows it when read literally -------------
# Leaders 2026: A 60 of whom 40 trained, B 20 (8 trained), C 20 (8 trained); B and C hidden (B small, C
# its complement): together 16, each '<k' read as at most 9 puts each in 7..9.
def marker_release(reports: Path, mark: str) -> None:
    world = {"A": (60, 40), "B": (20, 8), "C": (20, 8)}
    n, g = sum(v[0] for v in world.values()), sum(v[1] for v in world.values())
    write(reports, "tables/10_training/001_getraind_per_training_en_rol.csv",
          [{"jaar": "2026", "training": "Inclusief leiderschap", "rol": "Leidinggevenden", "aantal": n,
            "getraind": g, "aandeel getraind": cell(g / n), "verschil met doel": "-0,1"}])
    write(reports, "tables/10_training/002_inclusief_leiderschap_leidinggevenden_pe.csv",
          [{"directie": d, "aantal": a, "getraind": mark if d != "A" else t,
            "aandeel getraind": mark if d != "A" else cell(t / a), "verschil met doel": mark if d != "A" else "0"}
           for d, (a, t) in world.items()])
    (reports / "tables/10_training/002_inclusief_leiderschap_leidinggevenden_pe.caption").write_text(
        "Inclusief leiderschap: leidinggevenden per directie")


def test_a6_the_hidden_marker_claims_nothing_a_reader_could_narrow_a_complement_with(tmp_path):
    key = ("training", "2026", "Inclusief leiderschap", "leidinggevenden", "B", "getraind")
    marker_release(tmp_path / "off", "<k")
    _, _, rel = attack(tmp_path / "off", K)
    assert tuple(round(x) for x in rel.found[key]) == (7, 9), "16 - at most 9 = at least 7"
    assert SUPPRESSED != "<k"
    marker_release(tmp_path / "on", SUPPRESSED)
    _, _, rel = attack(tmp_path / "on", K)
    assert tuple(round(x) for x in rel.found[key]) == (0, 16)


# --- A7: a directorate with fewer than k role holders shows nothing; the organisation total is printed -
# Leaders 2025: A 60 (30 trained), B 40 (20), C 30 (15), D 8 (3): D's 8 is the organisation minus the rest.
TRAINED = {"A": (60, 30), "B": (40, 20), "C": (30, 15), "D": (8, 3)}


def training_published(monkeypatch, protect: bool) -> pd.DataFrame:
    from pipeline.analysis import training as tr
    from pipeline.disclosure import suppress as S
    if not protect:  # the old rule: only the small unit itself
        monkeypatch.setattr(S, "_small_units", lambda t, total, year, k: t[total] < k)
    t = pd.DataFrame([{"tabel": "2025 il leidinggevenden", "jaar": "2025", "cursus": "il", "rol": "leidinggevenden",
                       "directie_code": d, "n": n, "getraind": g} for d, (n, g) in TRAINED.items()])
    t = t.assign(aandeel=t["getraind"] / t["n"], doel=0.5, verschil=t["getraind"] / t["n"] - 0.5)
    return publish(tr.by_unit(t), ON).table.set_index("directie_code")


def training_files(reports: Path, t: pd.DataFrame) -> None:
    n, g = sum(v[0] for v in TRAINED.values()), sum(v[1] for v in TRAINED.values())
    write(reports, "tables/10_training/001_getraind_per_training_en_rol.csv",
          [{"jaar": "2025", "training": "il", "rol": "leidinggevenden", "aantal": n, "getraind": g,
            "aandeel getraind": cell(g / n), "verschil met doel": "0"}])
    write(reports, "tables/10_training/002_il_leidinggevenden_per_directie.csv",
          [{"directie": d, "aantal": cell(r.n), "getraind": cell(r.getraind), "aandeel getraind": cell(r.aandeel),
            "verschil met doel": cell(r.verschil)} for d, r in t.iterrows()])
    (reports / "tables/10_training/002_il_leidinggevenden_per_directie.caption").write_text(
        "il: leidinggevenden per directie")


def test_a7_a_small_directorate_is_hidden_with_a_second_across_the_organisation_total(tmp_path, monkeypatch):
    key = ("training", "2025", "il", "leidinggevenden", "D", "aantal")
    off = training_published(monkeypatch, protect=False)
    assert np.isnan(off.loc["D", "n"]) and off[["n"]].isna().sum().item() == 1
    training_files(tmp_path / "off", off)
    pinned, _, _ = attack(tmp_path / "off", K)
    assert (key, 8) in pinned, "138 - 60 - 40 - 30 = 8"
    monkeypatch.undo()
    on = training_published(monkeypatch, protect=True)
    assert np.isnan(on.loc["D", "n"]) and np.isnan(on.loc["C", "n"]) and on.loc["B", "n"] == 40, \
        "D with the smallest other unit (C: together 38, 18 trained, 20 not)"
    training_files(tmp_path / "on", on)
    pinned, _, rel = attack(tmp_path / "on", K)
    assert not pinned
    lo, hi = rel.found[key]
    assert lo <= 8 <= hi and hi - lo >= 5


# --- A4: exact register shares of the whole organisation undo the base-5 rounding of its counts -------
# 13 116 Dutch, 2 665 western, 5 890 non-western staff (D = 21 671); the counts are published rounded
# elsewhere, so a reader knows D within a few hundred.
def test_a4_composition_shares_are_rounded_like_every_register_share(tmp_path):
    from pipeline.analysis.register import benchmark_table
    from pipeline.disclosure.attack import bases, register_share_precision
    staff = pd.DataFrame({"herkomst_oud": ["nederlands"] * 13116 + ["westers"] * 2665 + ["niet_westers"] * 5890})
    bench = {"herkomst_oud": {"nederlands": 0.5, "westers": 0.17, "niet_westers": 0.33}}
    for protect in (False, True):
        t = benchmark_table(staff, bench, "herkomst_oud", decimals=2 if protect else None)
        write(tmp_path / str(protect), "tables/04_streefcijfers/006_samenstelling_2026.csv",
              [{"groep": r.groep, "medewerkers": cell(r.medewerkers), "beroepsbevolking": cell(r.beroepsbevolking)}
               for r in t.itertuples()])
        printed = pd.read_csv(tmp_path / str(protect) / "tables/04_streefcijfers/006_samenstelling_2026.csv",
                              sep=";", dtype=str)["medewerkers"].tolist()
        found = bases(printed, 21500, 21800)
        flagged = register_share_precision(tmp_path / str(protect), 2)
        if not protect:
            assert printed == ["0,605233", "0,122975", "0,271792"] and found == [21671] and len(flagged) == 3
        else:
            assert printed == ["0,61", "0,12", "0,27"] and len(found) > 100 and not flagged


# --- A5: a shown count rounded to 5, beside its exact share and rounded population, read as 9..11 -------
# Women in scale 15+ per directorate: D1 10 of 20 (the narrow one), D2 30 of 60, D3 40 of 85.
WOMEN = {"D1": (10, 20), "D2": (30, 60), "D3": (40, 85)}


def women_pages(reports: Path, monkeypatch, protect: bool) -> pd.DataFrame:
    from pipeline.disclosure import suppress as S
    if not protect:
        monkeypatch.setattr(S, "_narrow_shown", lambda sub, *a, **kw: np.zeros(len(sub), dtype=bool))
    t = pd.DataFrame([{"eenheid": d, "jaar": "2026", "aantal": a, "noemer": n, "aandeel": a / n}
                      for d, (a, n) in WOMEN.items()])
    out = S.suppress_linked(t, "eenheid", K, (("aantal", "noemer"),), shares={"aantal": "aandeel"}, total="noemer",
                            rounded=5, share_decimals=2, width=5)
    for r in out.itertuples():
        write(reports, f"tables/directies/{r.eenheid}/005_vrouwen_per_schaalgroep_en_jaar_directie.csv",
              [{"schaalgroep": "vanaf schaal 15", "jaar": "2026",
                "aantal": cell(float(S.round_base(pd.Series([r.aantal]), 5)[0])),
                "noemer": cell(float(S.round_base(pd.Series([r.noemer]), 5)[0])),
                "directie": SUPPRESSED if np.isnan(r.aandeel) else f"{100 * round(r.aandeel, 2):.1f}%".replace(".", ","),
                "gemeente": "50,0%"}])
    return out.set_index("eenheid")


def test_a5_a_shown_count_its_share_narrows_below_its_rounding_is_hidden(tmp_path, monkeypatch):
    from pipeline.disclosure.attack import shown_counts
    women_pages(tmp_path / "off", monkeypatch, protect=False)
    _, _, rel = attack(tmp_path / "off", K)
    found = dict(shown_counts(rel, K, 5))
    assert found[("vrouwen", "vanaf schaal 15", "2026", "D1", "aantal")] == (9, 11), "10 shown, 50% of 18..22"
    assert found[("vrouwen", "vanaf schaal 15", "2026", "D1", "rest van de populatie")] == (9, 11)
    monkeypatch.undo()
    on = women_pages(tmp_path / "on", monkeypatch, protect=True)
    assert np.isnan(on.loc["D1", "aantal"]) and np.isnan(on.loc["D1", "aandeel"]) and on.loc["D1", "noemer"] == 20
    assert on["aantal"].isna().sum() == 2, "with a second directorate (the organisation total is published)"
    _, _, rel = attack(tmp_path / "on", K)
    assert not shown_counts(rel, K, 5)


# --- the archive of release 1 read as constraints: throughflow's base is the stayers, not the stock -----
def test_archived_throughflow_does_not_contradict_the_stock():
    from pipeline.disclosure.model import archived_flows
    rows = pd.DataFrame([
        {"statistic": "rate", "source": "register", "indicator": ind, "waves": "2024-2025", "category": "",
         "group": "niet_westers", "estimate": rate, "n": n, "suppressed": False}
        for ind, rate, n in (("instroom", 0.128, 5590), ("uitstroom", 0.103, 5590), ("doorstroom", 0.01, 5015))])
    rel = archived_flows(rows, "archief 2025", base=5)
    stock = ("register", "2024", "gemeente", "niet_westers", "stand")
    assert [o.value for o in rel.cells[stock]] == [5590.0, 5590.0], "5 015 stayers are not the stock"
    assert not rel.inconsistent()


# --- the hidden rows of a dimension together: the young leavers' share minus the shown rows ----------
# Young leavers naming a reason: Dutch 20 of 40, western 2 of 15, non-western 6 of 12 (both hidden by the
# attribute rule): the two hidden rows hold 8 naming it, which the total share minus the Dutch row gives.
def test_hidden_rows_together_hold_k_with_and_k_without_the_attribute():
    from pipeline.chapters.exit import hidden_hold_k
    rows = [{"jong": "ja", "herkomst_oud": o, "reden_x": float(i < yes)}
            for o, n, yes in (("nederlands", 40, 20), ("westers", 15, 2), ("niet_westers", 12, 6)) for i in range(n)]
    young = SurveyDesign(pd.DataFrame(rows).assign(w=1.0), weights="w")
    res = level_table(young, ["reden_x"], ["herkomst_oud"], estimator="proportion", name="vraag")
    pub = publish(res, ON)
    t = pub.table.set_index("group")
    assert t.loc["nederlands", "estimate"] == 0.5 and t[["estimate"]].isna().sum().item() == 2
    assert round(t.loc["totaal", "estimate"] * 67 - 0.5 * 40) == 8, "the hidden rows' 8 by subtraction"
    t = hidden_hold_k(pub, res.table, K).table.set_index("group")
    assert np.isnan(t.loc["nederlands", "estimate"]) and t.loc["totaal", "estimate"] == 28 / 67

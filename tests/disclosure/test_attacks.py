"""Attacks on the published artefacts, one per finding of issue 20: each builds what a chapter
publishes from a small world and tries to recover a hidden value by arithmetic (ratio, complement,
margin, band difference, absent row). The `*_before` helpers show the attack works on the rule as
it was; the assertions show it fails on what `publish` makes now."""
from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import discrimination as D
from pipeline.analysis import register as reg
from pipeline.analysis import targets as T
from pipeline.analysis.gaps import level_table, likert_shares
from pipeline.disclosure.publish import Estimates, GroupSizes, LinkedCounts, Policy, Result, figure, publish
from pipeline.survey import SurveyDesign

K = 10
POLICY = Policy(k=K)
GENDERS = ["man", "vrouw", "non_binair"]


def _survey(sizes=(200, 200, 44), seed=1) -> pd.DataFrame:
    """Respondents with every discrimination variable (random 0/1) and a weight per gender stratum."""
    rng = np.random.default_rng(seed)
    g = np.repeat(GENDERS, sizes)
    n = len(g)
    df = pd.DataFrame({"geslacht": pd.Categorical(g, categories=GENDERS), "w": np.where(g == "man", 3.0, 2.0),
                       "stratum": g})
    for c in [*D.PREVALENCE, *D.GROUNDS, *D.SOURCES, *D.REPORTING, *D.REASONS, *D.KNOWLEDGE]:
        df[c] = rng.integers(0, 2, n).astype(float)
    exp = df["ervaren_discriminatie"] == 1
    df.loc[~exp, [*D.GROUNDS, *D.SOURCES, "gemeld", *D.REASONS]] = np.nan
    df.loc[df["gemeld"] != 1, "tevreden_afhandeling"] = np.nan
    return df


def _design(df: pd.DataFrame) -> SurveyDesign:
    return D.with_derived(SurveyDesign(df, weights="w", strata="stratum"))


def _rows(table: pd.DataFrame, indicator: str, group: str) -> pd.Series:
    return table[(table["indicator"] == indicator) & (table["group"] == group)].iloc[0]


# --- 1. nested funnel ratios ------------------------------------------------------------------

def test_1_satisfaction_cannot_be_recomputed_from_the_funnel_rows():
    df = _survey()
    nb = df.index[df["geslacht"] == "non_binair"]
    df.loc[nb, "ervaren_discriminatie"] = [1.0] * 20 + [0.0] * 24          # 20 experienced
    df.loc[nb, "gemeld"] = [1.0] * 6 + [0.0] * 14 + [np.nan] * 24          # 6 reported (< k)
    df.loc[nb, "tevreden_afhandeling"] = [1.0] * 2 + [0.0] * 4 + [np.nan] * 38
    design = _design(df)
    truth = design.proportion("tevreden_afhandeling", by="geslacht").set_index("geslacht").loc["non_binair", "estimate"]
    steps = ["ervaren_discriminatie", "funnel_gemeld", "funnel_tevreden"]
    result = D.prevalence(design, steps, ["geslacht"])

    def attack(table):
        return _rows(table, "funnel_tevreden", "non_binair")["estimate"] / _rows(table, "funnel_gemeld", "non_binair")["estimate"]
    # before: suppression decided on the group's n (44) published both funnel rows: exact recovery
    before = publish(Result(result.table, Estimates(sizes=result.rule.sizes)), POLICY).table
    assert attack(before) == pytest.approx(truth, abs=1e-12)
    # now: decided on the nested sub-group (6 reporters), the ratio cannot be taken
    assert np.isnan(attack(publish(result, POLICY).table))


# --- 2. attribute disclosure ------------------------------------------------------------------

def test_2_a_share_meaning_fewer_than_k_persons_is_not_published_nor_derivable():
    df = _survey()
    nb = df.index[df["geslacht"] == "non_binair"]
    df.loc[nb, "ervaren_pesten"] = [1.0] * 2 + [0.0] * 42           # 2 persons
    df.loc[nb, "gezien_discriminatie"] = 0.0                         # nobody: "0,000 (0,000–0,000)"
    design = _design(df)
    pub = publish(D.prevalence(design, ["ervaren_pesten", "gezien_discriminatie"], ["geslacht"]), POLICY).table
    for ind in ("ervaren_pesten", "gezien_discriminatie"):
        row = _rows(pub, ind, "non_binair")
        assert np.isnan(row["estimate"]) and np.isnan(row["ci_low"]) and row["onderdrukt"]
        # complement: from the total and the other groups (weights are the published margins) the
        # hidden share would follow; another group is hidden with it
        grp = pub[(pub["indicator"] == ind) & (pub["dimension"] == "geslacht")]
        assert grp["estimate"].isna().sum() >= 2
    # every visible share rests on at least k yes and k no (unweighted)
    vis = pub[pub["estimate"].notna()]
    assert ((vis["n_ja"] >= K) & (vis["n"] - vis["n_ja"] >= K)).all()


def test_2_stacked_likert_bars_show_no_segment_of_fewer_than_k():
    from pipeline.report import figures
    df = _survey(sizes=(200, 200, 44))
    rng = np.random.default_rng(3)
    df["v1"] = rng.integers(1, 6, len(df)).astype(float)
    nb = df.index[df["geslacht"] == "non_binair"]
    df.loc[nb, "v1"] = [1.0] + [3.0] * 20 + [4.0] * 23                # one person answered 1
    design = SurveyDesign(df, weights="w", strata="stratum")
    pub = publish(likert_shares(design, ["v1"], by="geslacht"), POLICY)
    for (_, group), bar in pub.table.groupby(["item", "group"]):
        answers = df.loc[df["geslacht"] == group, "v1"]
        for a, b in zip(bar["answer"], bar["answer_tot"]):
            count = int(answers.between(a, b).sum())
            assert count >= K and len(answers) - count >= K, (group, a, b, count)
    nb_bar = pub.table[pub.table["group"] == "non_binair"]
    assert len(nb_bar) and nb_bar["share"].sum() == pytest.approx(1)  # merged, not dropped
    figure(figures.likert_bars, pub, {"v1": "vraag"}, {}, "t", by_group=True)  # the figure draws from it


# --- 3. linked register tables ----------------------------------------------------------------

def _register() -> dict[int, pd.DataFrame]:
    """Five directorates of 60; in D01, 30 staff in scale 12-14 (12 non-western) and 12 in 15+ (1)."""
    rows = []
    for d in range(1, 6):
        for i in range(60):
            scale = 13 if i < 30 else (16 if i < 42 else 8)
            nw = (i < 12) or (i == 30) if d == 1 else (i % 3 == 0)
            rows.append({"directie_code": f"D0{d}", "salarisschaal": scale, "leeftijd": 30 + i % 30,
                         "herkomst_oud": "niet_westers" if nw else "nederlands", "pseudo_id": f"p{d}{i}"})
    return {2024: pd.DataFrame(rows)}


def _candidates(share: float, base: float, rounded: bool) -> set[int]:
    """Integer numerators consistent with a published share and base (exact, or base-5 / 1%)."""
    if np.isnan(share) or np.isnan(base):
        return set(range(0, 1000))
    bases = range(int(base) - 2, int(base) + 3) if rounded else [int(base)]
    tol = 0.005 if rounded else 1e-6
    return {x for n in bases if n > 0 for x in range(n + 1) if abs(x / n - share) <= tol + 1e-12}


def test_3_scale_15plus_count_cannot_be_back_calculated_from_the_bands():
    table = T.share_table(_register(), by="directie_code")
    truth = 1  # non-western staff of D01 in scale 15+

    def attack(pub, rounded):
        d = pub.set_index("directie_code").loc["D01"]
        plus = _candidates(d["share_div_12plus"], d["known_12plus"], rounded)
        band = _candidates(d["share_div_12_14"], d["known_12_14"], rounded)
        return {a - b for a in plus for b in band if a >= b}
    old_rule = LinkedCounts(unit="directie_code", pairs=reg.DIRECTORATE_PAIRS[:7],
                            shares={"div_12_14": "share_div_12_14", "div_12plus": "share_div_12plus"})
    before = publish(Result(table, old_rule), POLICY).table
    assert attack(before, rounded=False) == {truth}          # recovered exactly
    after = publish(reg.by_directorate(table), POLICY).table
    assert len(attack(after, rounded=True)) > 1              # many values fit: not recoverable
    visible = after.select_dtypes("number").drop(columns=["jaar"]).stack()
    shares = after[["share_young", "share_div_12_14", "share_div_12plus"]].stack()
    assert (shares.round(2) == shares).all()                 # whole percentages
    counts = after[list(reg.DIRECTORATE_COUNTS)].stack()
    assert (counts % 5 == 0).all() and len(visible)          # counts to base 5


def test_3_directorate_page_target_counts_do_not_give_the_scale_15plus_count():
    """The directorate pages publish, per target, a count and its population: the organisation's
    non-western share in scale 12-14 and from 12 up are nested, so D01's two counts subtracted give its
    scale-15+ non-western count (1 here). Rounding alone does not stop it below ~100 staff (whole
    percentages of 30 and 42 pin both counts); the nested audit (`targets.count_results`) hides the
    outer count where the difference is below k, with a second directorate (the total is published)."""
    from dataclasses import replace
    targets = [T.from_dict({"name": n, "label": n, "scope": "organisation", "scale": sc, "counted": {"origin": "old"},
                            "kind": "share", "value": 0.3, "baseline_year": 2024, "target_year": 2026})
               for n, sc in (("band", [12, 14]), ("plus", [12, None]))]
    counts = T.counts(_register(), targets, 35)
    result = T.count_results(counts)["targets_dir"]

    def attack(table, rounded):
        d = table[table["eenheid"] == "D01"].set_index("target")
        cand = {t: set(range(0, 1000)) if d.loc[t, ["aantal", "noemer", "aandeel"]].isna().any() else
                {x for n in (range(int(d.at[t, "noemer"]) - 2, int(d.at[t, "noemer"]) + 3) if rounded
                                 else [int(d.at[t, "noemer"])])
                    for x in (range(int(d.at[t, "aantal"]) - 2, int(d.at[t, "aantal"]) + 3) if rounded
                              else [int(d.at[t, "aantal"])])
                    if n > 0 and abs(x / n - d.at[t, "aandeel"]) <= (0.005 if rounded else 1e-9)}
                for t in ("band", "plus")}
        return {a - b for a in cand["plus"] for b in cand["band"] if a >= b}
    exact = publish(replace(result, rule=replace(result.rule, rounding=None, differences={}, audit_only=(),
                                                 pairs=result.rule.pairs[:2])), POLICY).table
    assert attack(exact, rounded=False) == {1}                    # without the audit: recovered exactly
    rounded_only = publish(replace(result, rule=replace(result.rule, differences={}, pairs=result.rule.pairs[:2])),
                           POLICY).table
    assert attack(rounded_only, rounded=True) == {1}              # rounding alone: still exact
    shown = publish(result, POLICY).table
    assert len(attack(shown, rounded=True)) > 1                   # as published: many values fit
    assert (shown[["aantal", "noemer"]].dropna().to_numpy() % 5 == 0).all()
    assert not {"binnen_aantal", "binnen_noemer"} & set(shown.columns)  # the audit's inputs are not published
    assert (shown["target"] == "band").sum() == 5 and shown.loc[shown["target"] == "band", "aandeel"].notna().all()


def test_3_nested_counts_rounded_alike_are_hidden_to_the_protection_width():
    """Rounding to base 5 can collapse a small difference: D01 has 32 staff from scale 12 up and 30 in
    12-14 (2 in 15+), 12 non-western in both (0 in 15+). Both pairs print as 30 and 10, so the page's
    reader (the rounding intervals, the whole-percent shares, outer = inner + the count in between)
    knows the scale-15+ staff to be 0..2: not pinned, but narrower than
    the declared width, and meeting 1..k-1. The audit's width rule hides the outer counts."""
    rows = []
    for d in range(1, 6):
        for i in range(60):
            scale = 13 if i < 30 else ((16 if i < 32 else 8) if d == 1 else (16 if i < 42 else 8))
            nw = i < 12 if d == 1 else i % 3 == 0
            rows.append({"directie_code": f"D0{d}", "salarisschaal": scale, "leeftijd": 30 + i % 30,
                         "herkomst_oud": "niet_westers" if nw else "nederlands", "pseudo_id": f"p{d}{i}"})
    result = _nested_target_counts(rows)

    def page_reader(table):
        return {r.key[2]: r for r in _read_d01_page(table, [("doel", "15+", "aantal"), ("doel", "15+", "noemer")])}
    off = page_reader(publish(result, Policy(k=K, audit=False)).table)
    assert off["noemer"].hi - off["noemer"].lo < 5 and off["noemer"].lo <= 2 <= off["noemer"].hi
    assert not off["noemer"].protected   # (its non-western count is hidden by the 1..k-1 rule already)
    shown = publish(result, POLICY).table
    on = page_reader(shown)
    assert on["noemer"].protected and on["aantal"].protected and on["noemer"].hi - on["noemer"].lo >= 5
    d01 = shown[(shown["eenheid"] == "D01") & (shown["target"] == "plus")]
    assert d01[["aantal", "noemer", "aandeel"]].isna().all(axis=None)
    # the organisation total is published: a second directorate's outer counts go with it
    assert shown.loc[(shown["target"] == "plus") & (shown["eenheid"] != "D01"), "noemer"].isna().sum() >= 1



def test_3_nested_counts_read_with_their_exact_shares_are_hidden_to_the_protection_width():
    """The pages print each target's share as the exact share rounded to whole percent (not the ratio of
    the rounded counts beside it). D01: 285 staff from scale 12 up, 51 of them non-western (18%); 235 in
    12-14 with 40 (17%): 11 in 15+. The rounding intervals alone leave 11 within 6..14 (wide enough);
    with the shares the reader knows 50..52 and 39..41, so 15+ lies within 9..13: meets 1..k-1 and is
    narrower than the width. The width rule, reading the shares as published, hides the outer target."""
    rows = []
    for d in range(1, 6):
        for i in range(300):
            if d == 1:
                scale, nw = (13, i < 40) if i < 235 else ((16, i < 246) if i < 285 else (8, False))
            else:
                scale, nw = (13 if i < 200 else 16 if i < 260 else 8), i % 3 == 0
            rows.append({"directie_code": f"D0{d}", "salarisschaal": scale, "leeftijd": 30 + i % 30,
                         "herkomst_oud": "niet_westers" if nw else "nederlands", "pseudo_id": f"p{d}{i}"})
    result = _nested_target_counts(rows)

    def page_reader(table):
        return _read_d01_page(table, [("doel", "15+", "aantal")])[0]
    off = publish(result, Policy(k=K, audit=False)).table
    d01 = off[off["eenheid"] == "D01"].set_index("target")
    assert (d01.at["plus", "aantal"], d01.at["plus", "aandeel"], d01.at["band", "aantal"], d01.at["band", "aandeel"]) \
        == (50, 0.18, 40, 0.17)
    found = page_reader(off)
    assert (found.lo, found.hi) == (9, 13) and not found.protected    # meets 1..9, width 4 < 5
    shown = publish(result, POLICY).table
    assert page_reader(shown).protected
    assert shown.loc[(shown["eenheid"] == "D01") & (shown["target"] == "plus"), ["aantal", "aandeel"]].isna().all(axis=None)
    # the organisation total is published: a second directorate's outer count goes with it
    assert shown.loc[(shown["target"] == "plus") & (shown["eenheid"] != "D01"), "aantal"].isna().sum() >= 1
    assert shown.loc[shown["target"] == "band", "aantal"].notna().all()

def _nested_target_counts(rows: list[dict]):
    """The per-directorate counts of two nested organisation targets (non-western staff in scale 12-14,
    'band', and from scale 12 up, 'plus') on a hand-made register."""
    targets = [T.from_dict({"name": n, "label": n, "scope": "organisation", "scale": sc, "counted": {"origin": "old"},
                            "kind": "share", "value": 0.3, "baseline_year": 2024, "target_year": 2026})
               for n, sc in (("band", [12, 14]), ("plus", [12, None]))]
    return T.count_results(T.counts({2024: pd.DataFrame(rows)}, targets, 35))["targets_dir"]


def _read_d01_page(table, keys):
    """D01's page as a reader sees it: both targets' counts (rounded to 5), their shares (whole percent)
    and outer = inner + the count in between (scale 15+); the audit's bounds of `keys`."""
    from pipeline.disclosure.audit import Release, audit
    d = table[table["eenheid"] == "D01"].set_index("target")
    rel = Release()
    for t in ("band", "plus"):
        a, n = ("doel", t, "aantal"), ("doel", t, "noemer")
        rel.count(a, d.at[t, "aantal"], "pagina", 5)
        rel.count(n, d.at[t, "noemer"], "pagina", 5)
        if pd.notna(d.at[t, "aandeel"]):
            rel.share(a, n, d.at[t, "aandeel"], 0.005, "pagina")
    for m in ("aantal", "noemer"):
        rel.identity({("doel", "plus", m): 1.0, ("doel", "band", m): -1.0, ("doel", "15+", m): -1.0})
    return audit(rel, K, 5, keys=keys)


# --- 4. margin of the cleaning chapter ---------------------------------------------------------

def test_4_hidden_exclusions_cannot_be_derived_from_the_total():
    from pipeline.clean.report import flow_table
    manifest = {"rows_in": 500, "rows_out": 433,
                "excluded": [{"reden": "dubbel", "aantal": 3}, {"reden": "te snel", "aantal": 4},
                             {"reden": "leeg", "aantal": 60}]}
    res = flow_table(manifest)

    def attack(t):  # records in - records out - visible removals = what the hidden removals hold
        s = t.set_index("stap")["aantal"]
        hidden = [r for r in ("dubbel", "te snel", "leeg") if np.isnan(s[r])]
        return hidden, 500 - 433 - np.nansum([s[r] for r in ("dubbel", "te snel", "leeg") if r not in hidden])
    old = res.table.copy()  # the rule as it was: removals below k hidden, a complement only if one was
    small = (old["aantal"] > 0) & (old["aantal"] < K)
    old["aantal"] = old["aantal"].astype(float).mask(small)
    hidden, total = attack(old)
    assert total < K and hidden                              # before: the hidden 3 + 4 = 7 follows
    hidden, total = attack(publish(res, POLICY).table)
    assert len(hidden) >= 2 and total >= K                   # now: at least k hidden together


# --- 5. processed data keep only what the analysis uses -----------------------------------------

def test_5_processed_register_has_no_exact_quasi_identifiers(demo_small, tmp_path):
    from pipeline.clean import clean_source
    raw = pd.read_csv(demo_small / "register_2024.csv", sep=";", decimal=",", encoding="cp1252")
    df = pd.read_parquet(clean_source("register", 2024, demo_small / "register_2024.csv", out_dir=tmp_path, demo=True))
    for col in ("datum_in_dienst", "leeftijd", "fte", "herkomst", "geboorteland_nl", "geboortedatum"):
        assert col not in df, col
    assert {"dienstjarenband", "leeftijdsband", "jong", "fteband", "herkomst_oud", "herkomst_cbs"} <= set(df.columns)
    # the attack: single out staff on directorate + hire date (raw) vs what is kept (tenure band)
    unique = lambda frame, cols: frame.groupby(cols, dropna=False, observed=True)[cols[0]].transform("size").eq(1).mean()  # noqa: E731
    date_col = next(c for c in raw.columns if "dienst" in c.lower())
    before = unique(raw, ["directie_code", date_col])
    after = unique(df, ["directie_code", "dienstjarenband"])
    assert before > 0.5 and after < 0.02, (before, after)


# --- 6. the guard sees every artefact ------------------------------------------------------------

def test_6_guard_scans_workbook_dashboard_and_notebook_metadata(tmp_path):
    from pipeline.disclosure.guard import scan_dashboard, scan_notebook, scan_workbook
    tables = tmp_path / "tables" / "01_x"
    tables.mkdir(parents=True)
    (tables / "01_t.meta.json").write_text(json.dumps({"counts": ["noemer"], "cells": [2, 0]}))
    book = tmp_path / "tabellen.xlsx"
    with pd.ExcelWriter(book) as xl:
        pd.DataFrame({"groep": ["a", "b"], "noemer": ["3", "250"]}).to_excel(xl, sheet_name="01_01_t", index=False)
        pd.DataFrame({"blad": ["01_01_t"], "hoofdstuk": ["01_x"], "tabel": ["t"]}).to_excel(xl, sheet_name="inhoud", index=False)
    assert any("toont 3" in str(x) for x in scan_workbook(book, tmp_path / "tables", K))
    dash = tmp_path / "dashboard.csv"
    pd.DataFrame({"indicator": ["x p0123456789abcdef0123"], "n": [4]}).to_csv(dash, index=False)
    found = " ".join(map(str, scan_dashboard(dash, K)))
    assert "pseudoniem" in found and "toont 4" in found
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"input_path": "/work/someone/notebooks/x.ipynb"}
    nbformat.write(nb, tmp_path / "x.ipynb")
    assert any("metadata" in x.where for x in scan_notebook(tmp_path / "x.ipynb", K))


# --- 7. small tells ----------------------------------------------------------------------------

def test_7_an_empty_group_is_shown_as_suppressed_not_left_out():
    df = _survey(sizes=(200, 200, 0))
    design = _design(df)
    pub = publish(level_table(design, ["ervaren_pesten"], ["geslacht"], estimator="proportion",
                              name="indicator"), POLICY)
    row = pub.table[pub.table["group"] == "non_binair"]
    assert len(row) == 1 and row["onderdrukt"].all() and pub.hidden.loc[row.index, "estimate"].all()


def test_7_missing_is_not_marked_as_suppressed(monkeypatch, tmp_path):
    from pipeline.report import display
    t = pd.DataFrame({"dimension": ["totaal", "g", "g"], "group": ["totaal", "a", "b"], "estimate": [0.5, 0.4, 0.6],
                      "p": [np.nan, 0.01, 0.02], "n": [100, 95, 5]})
    data = pd.DataFrame({"g": ["a"] * 95 + ["b"] * 5})
    pub = publish(Result(t, Estimates(sizes=(GroupSizes.of(data, ["g"]),))), POLICY)
    assert not pub.hidden.loc[0, "p"] and pub.hidden.loc[2, "estimate"]     # missing vs suppressed
    shown = []
    monkeypatch.setattr(display, "display", lambda obj: shown.append(obj.data))
    monkeypatch.setenv("INCLUSIEMONITOR_TABLES", str(tmp_path))
    display.table(pub, "t")
    html = shown[0]
    # the reviewer's page (issue 16): "–" for suppressed with its footnote, "n.v.t." for missing
    assert "–" in html and "n.v.t." in html and "minder dan 10" in html
    csv = next(tmp_path.glob("*.csv")).read_text(encoding="utf-8-sig")
    from pipeline.disclosure import SUPPRESSED
    cells = [c for line in csv.splitlines() for c in line.split(";")]
    assert "–" in cells and SUPPRESSED in cells and "<k" not in csv, "one neutral marker for hidden cells"
    assert json.loads(next(tmp_path.glob("*.meta.json")).read_text())["cells"][1] > 0


def test_7_dashboard_csv_is_rounded_as_on_the_page(tmp_path):
    import matplotlib.pyplot as plt
    from pipeline.report.index import save_dashboard
    fig = plt.figure()
    save_dashboard(pd.DataFrame({"indicator": ["x"], "stand": [0.123456789], "p": [1.23456e-7]}), fig, tmp_path, alt="x")
    text = (tmp_path / "_dashboard" / "dashboard.csv").read_text()
    assert "0.123\n" not in text and "0.123," in text and "456" not in text


# --- least loss -------------------------------------------------------------------------------

def test_least_loss_origin_by_gender_keeps_what_a_hand_made_suppression_keeps():
    """The demo's NIM 2024 origin x gender counts (respondents):
                   man  vrouw  non-binair
      nederlands  1817   2156     27
      westers      372    447      0
      niet-west.   609    717      8      <- primary
    By hand: non-binary needs a second hidden cell in its column (nederlands, 27; westers is empty),
    each of those rows one more, and the column of those (vrouw, keeping the reference nederlands/man)
    a second: 4 hidden, and 4 of the 8 non-empty cells shown (3 besides the reference). The old
    cascade hid 7 of 8."""
    counts = pd.DataFrame([[1817, 2156, 27], [372, 447, 0], [609, 717, 8]],
                          index=["nederlands", "westers", "niet_westers"], columns=GENDERS)
    data = pd.DataFrame([(o, g) for o in counts.index for g in GENDERS for _ in range(counts.loc[o, g])],
                        columns=["herkomst_oud", "geslacht"])
    data["geslacht"] = pd.Categorical(data["geslacht"], categories=GENDERS)
    sizes = GroupSizes.of(data, [], [["herkomst_oud", "geslacht"]], {"herkomst_oud": "nederlands", "geslacht": "man"})
    hidden = {lv for _, lv in sizes.hidden(K)}
    shown = [f"{o}/{g}" for o in counts.index for g in GENDERS if counts.loc[o, g] > 0 and f"{o}/{g}" not in hidden]
    assert "nederlands/man" in shown
    assert len(shown) >= 4


def test_3_results_csv_allows_no_back_calculation_the_rounded_tables_prevent():
    """The band-difference attack on the results table: register rows recorded at full precision
    (as the target tables of chapter 04 and the directorate pages were: share 0.167722 with n 1580)
    give the hidden 15+ count exactly; the rows as written (`results.rounded`: whole percentages, n to
    base 5, as the pages) do not."""
    from pipeline.disclosure.publish import rounded
    from pipeline.results import tidy_rows
    table = T.share_table(_register(), by="directie_code")
    recorded = pd.concat([tidy_rows(table, spec, chapter="directies", table="t", source="register")
                          for spec in T.share_tidy("directie_code")], ignore_index=True)
    written = rounded(recorded)

    def attack(rows, is_rounded):
        d = rows[rows["group"] == "D01"].set_index("indicator")
        plus, band = (d.loc[c] for c in ("share_diverse_12plus", "share_diverse_12_14"))
        return {a - b for a in _candidates(plus["estimate"], plus["n"], is_rounded)
                for b in _candidates(band["estimate"], band["n"], is_rounded) if a >= b}
    assert attack(recorded, is_rounded=False) == {1}          # the hidden count, exactly
    assert len(attack(written, is_rounded=True)) > 1          # not recoverable from the written rows
    assert (written["n"] % 5 == 0).all() and (written["estimate"].round(2) == written["estimate"]).all()

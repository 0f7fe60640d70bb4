"""Issue 16, reader polish: every chart's alt text states its key finding (computed from the published
table only), workbook sheet names are never cut mid-phrase, and the generated summaries use the
report's reader words (no "significant", no code names)."""
from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pipeline.report import figures  # noqa: E402

# A number as a reader sees it in a finding: a decimal comma, a percentage or points.
FINDING_NUMBER = re.compile(r"\d+,\d+|\d+\u00a0%|\d+ punt")


def _label(fig) -> str:
    text = fig.get_label()
    plt.close(fig)
    return text


def _gaps(hidden_difference: float = -2.5) -> pd.DataFrame:
    """Three gaps; the third is suppressed (its values blanked, as `publish` leaves them) but a stale
    value is left in to prove the finding never reads a hidden cell."""
    return pd.DataFrame({
        "construct": ["inclusion"] * 3, "dimension": ["herkomst_oud", "geslacht", "lhbtiq"],
        "group_label": ["Niet-westers", "Vrouw", "LHBTIQ+"], "reference": ["Nederlands", "Man", "Niet LHBTIQ+"],
        "difference": [-0.18, 0.05, hidden_difference], "ci_low": [-0.25, -0.01, np.nan],
        "ci_high": [-0.11, 0.11, np.nan], "adj_difference": [-0.15, 0.04, np.nan],
        "p_bh": [0.001, 0.20, np.nan], "onderdrukt": [False, False, True]})


def test_forest_finding_names_the_largest_demonstrable_gap_with_its_interval():
    text = _label(figures.forest(_gaps(), "inclusion", "Ervaren inclusie"))
    assert "Niet-westers scoort 0,18 punt lager dan Nederlands" in text
    assert "95%-interval −0,25 tot −0,11" in text and "1 van de 2" in text and "aantoonbaar" in text
    assert "LHBTIQ+" not in text and "2,50" not in text  # the suppressed row is not a finding


def test_gap_trends_finding_from_published_gap_changes_and_levels():
    levels = pd.DataFrame({"dimension": ["herkomst_oud"] * 4, "group_label": ["Nederlands", "Niet-westers"] * 2,
                           "golf": [2019, 2019, 2024, 2024], "estimate": [3.4, 2.97, 3.31, 3.03],
                           "ci_low": [3.3, 2.9, 3.2, 2.95], "ci_high": [3.5, 3.05, 3.4, 3.1]})
    gaps = pd.DataFrame({"indicator": ["inclusion"] * 2, "group_label": ["Niet-westers", "Westers"],
                         "reference": ["Nederlands"] * 2, "gap_2019": [-0.43, np.nan], "gap_2024": [-0.28, np.nan],
                         "did": [0.15, np.nan], "ci_low": [0.09, np.nan], "ci_high": [0.21, np.nan],
                         "p_bh": [0.0001, np.nan], "onderdrukt": [False, True]})
    text = _label(figures.gap_trends(levels, ["herkomst_oud"], "Inclusie", gaps=gaps, scale=(1, 5)))
    assert "1 van de 1 kloven" in text and "kleiner" in text and "van −0,43 naar −0,28 punt" in text
    assert "95%-interval +0,09 tot +0,21" in text and "op een schaal van 1 tot 5" in text
    assert "Westers" not in text.replace("Niet-westers", "")
    none = _label(figures.gap_trends(levels, ["herkomst_oud"], "Inclusie", gaps=gaps.assign(p_bh=0.4)))
    assert none.startswith("Geen van de 1 kloven") and FINDING_NUMBER.search(none)


def test_likert_finding_counts_the_favourable_side_and_flips_reversed_items():
    shares = pd.DataFrame({"item": ["a"] * 5 + ["r"] * 5, "answer": list(range(1, 6)) * 2,
                           "share": [0.1, 0.1, 0.2, 0.3, 0.3] + [0.4, 0.3, 0.1, 0.1, 0.1]})
    vl = {1: "Helemaal oneens", 2: "Oneens", 3: "Neutraal", 4: "Eens", 5: "Helemaal eens"}
    text = _label(figures.likert_bars(shares, {"a": "Vraag A", "r": "Vraag R"}, vl, "T", reversed_items=["r"]))
    # favourable: 4+5 for the normal item (60 %), 1+2 for the reverse-worded one (70 %)
    assert "het vaakst bij Vraag R ↺ (70\u00a0%)" in text and "het minst bij Vraag A (60\u00a0%)" in text


def test_flow_mdc_training_target_and_pipeline_findings_carry_numbers():
    rates = pd.DataFrame({"stroom": ["instroom"] * 3, "periode": ["2025-2026"] * 3,
                          "herkomst_oud": ["nederlands", "niet_westers", "westers"], "rate": [0.087, 0.128, np.nan],
                          "ci_low": [0.08, 0.12, np.nan], "ci_high": [0.09, 0.14, np.nan],
                          "p_vs_referentie_bh": [np.nan, 0.001, np.nan], "onderdrukt": [False, False, True]})
    flow = _label(figures.flow_rates_plot(rates, "herkomst_oud",
                                          {"nederlands": "Nederlands", "niet_westers": "Niet-westers"}))
    assert "hoogst bij Niet-westers (12,8\u00a0%)" in flow and "anders dan de referentiegroep: Niet-westers" in flow
    assert "westers" not in flow.replace("Niet-westers", "")  # suppressed group not named, no code names
    mdc = pd.DataFrame({"group_label": ["Vrouw", "Vrouw", "Non-binair", "Non-binair"], "respons": [0.2, 0.5] * 2,
                        "mdc": [0.08, 0.06, 0.48, 0.35]})
    assert "bij 20\u00a0% respons van 0,08 punt (Vrouw) tot 0,48 punt (Non-binair)" in _label(figures.mdc_plot(mdc, "T"))
    table = pd.DataFrame({"cursus": ["iws"] * 2, "rol": ["lg"] * 2, "jaar": ["2025", "2026"], "aandeel": [0.5, 0.77]})
    train = _label(figures.training_progress(table, {"iws": "Werven"}, {"lg": "Leidinggevenden"}, 1.0))
    assert "In 2026 getraind: Werven, leidinggevenden: 77\u00a0%" in train and "gehaald bij 0 van de 1" in train
    counts = pd.DataFrame({"target": ["t"] * 2, "jaar": [2025, 2026], "aandeel": [0.17, 0.183], "aantal": [1, 2]})
    target = _label(figures.target_trend(counts, {"t": ("Niet-westers 12–14", "share", 0.30, 2024)}))
    assert "18,3\u00a0% in 2026 (streefcijfer 30,0\u00a0%, nog niet gehaald)" in target
    rep = pd.DataFrame({"schaalband": ["<=9", "15+"] * 2, "jaar": [2025, 2025, 2026, 2026], "aandeel": [0.3, 0.2, 0.33, 0.23]})
    pipe = _label(figures.pipeline_bars(rep))
    assert pipe.startswith("In 2026:") and "33\u00a0%" in pipe and "<=9" not in pipe


def test_caller_alt_keeps_the_figure_finding():
    from pipeline.disclosure.publish import figure
    from pipeline.report import display as show

    def draw():
        fig, _ = plt.subplots()
        fig.set_label("Hoogste: A (12\u00a0%).")
        return fig
    shown = []
    orig, show.display = show.display, shown.append
    try:
        show.figure(figure(draw, alt="Aandeel per groep"))
    finally:
        show.display = orig
    assert shown[0]._repr_png_()[1]["alt"] == "Aandeel per groep. Hoogste: A (12\u00a0%)."


# --- workbook sheet names -----------------------------------------------------------------------

# A name is "cut mid-phrase" when (after its chapter number and any " (2)") it ends in a function
# word or punctuation, leaves a parenthesis open, contains a word that is not a whole word of the
# table's title (a cut word such as "veilighei"), or stops inside a phrase of the title: it is the
# title's first words and the next word of the title is neither a clause break nor a qualifier
# ("Medewerkers met onbekende | herkomst" is cut; "Vertrekkers en respons | per directie" is not).
FUNCTION_WORDS = set("de het een van en met op om aan te die dat voor bij tot naar per in of als is wat tussen".split())
QUALIFIER_WORDS = set("per naar bij van in met op voor om tot tegen sinds uit zonder onder over tussen dat die "
                      "waar".split())


def cut_reason(name: str, title: str) -> str | None:
    from pipeline import labels
    body = re.sub(r" \(\d+\)$", "", re.sub(r"^\d\d ", "", name))
    if re.search(r"[,;:(–—-]$", body):
        return "eindigt op een leesteken"
    if body.count("(") != body.count(")"):
        return "open haakje"
    words = body.split()
    if not words or words[-1].lower() in FUNCTION_WORDS:
        return "eindigt op een functiewoord"
    expand = {v.lower(): k.lower() for k, v in labels.sheet_abbreviations().items()}
    source = re.sub(r"[\[\]*?/\\']", " ", title)
    vocab = {expand.get(w.lower(), w.lower()) for w in re.findall(r"[^\s,:;()]+", source)}
    for w in words:
        if expand.get(w.lower(), w.lower()).strip("(),;") not in vocab:
            return f"woord {w!r} staat niet (heel) in de titel"
    tokens = [t for t in re.findall(r"\(|\)|[,:;]|[^\s,:;()]+", source) if t.lower() not in {"de", "het", "een"}]
    plain = [expand.get(w.lower(), w.lower()) for w in words if w.lower() not in {"de", "het", "een"}]
    if [expand.get(t.lower(), t.lower()) for t in tokens[:len(plain)]] == plain and len(tokens) > len(plain):
        nxt = tokens[len(plain)].lower()
        if nxt not in QUALIFIER_WORDS and nxt not in {"(", ",", ":", ";"} and not re.fullmatch(r"\d{4}.*", nxt):
            return f"afgebroken voor {nxt!r}"
    return None


@pytest.mark.parametrize("name,title,cut", [
    ("04 Medewerkers met onbekende", "Medewerkers met onbekende herkomst", True),
    ("03 Psychologische veilighei (2)", "Psychologische veiligheid: verschillen", True),
    ("04 Streefcijfers per directie,", "Streefcijfers per directie, 2026", True),
    ("06 Kloof per meting en", "Kloof per meting en verandering 2019–2024", True),
    ("01 Register 2019", "Register 2019 migratieachtergrond", True),
    ("09 Vertrekkers en respons", "Vertrekkers en respons per directie (2026)", False),
    ("03 Psych. veiligheid kloven (2)", "Psych. veiligheid kloven", False),
    ("06 Verandering alle medewerkers", "Verandering, alle medewerkers", False),
])
def test_cut_definition(name, title, cut):
    assert (cut_reason(name, title) is not None) == cut, cut_reason(name, title)


@pytest.mark.parametrize("title", [
    "Medewerkers met onbekende herkomst", "Kloof tussen intentie en ervaring per directie (schaal)",
    "Ervaren inclusie bij vertrek (schaal 1 tot 5) per groep", "Aandeel dat de vervolgvraag oversloeg (gewogen), 2026",
    "Vertrekkers en respons per directie (2026)", "Psychologische veiligheid per directie: gewogen gemiddelde",
    "Respons op de exitvragenlijst 2024 per groep", "Streefcijfers per directie, 2026",
    "Verandering van 'ervaren én gemeld' (product van aandelen, zie boven)"])
def test_shortened_sheet_names_are_never_cut(title):
    """Titles that have a readable shortening get one (a single phrase longer than a sheet name
    without any break, e.g. "Inclusief werven en selecteren: …", needs its table's short `sheet=`
    title: the test on the demo workbook checks that every real name passes)."""
    from pipeline.report.export import MAX_SHEET, sheet_name
    used: set[str] = set()
    names = [sheet_name("05_x", title, used) for _ in range(3)]  # also the numbered " (2)", " (3)"
    assert len(set(names)) == 3 and all(len(n) <= MAX_SHEET for n in names)
    assert [cut_reason(n, title) for n in names] == [None] * 3, names


# --- summaries in the reader's words ---------------------------------------------------------------

CODE_NAME = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|Benjamini|significant", re.I)


def test_gap_summary_reader_words_units_and_intervals():
    from pipeline.analysis.gaps import summary_nl
    g = _gaps().assign(cohens_d=0.4)
    text = summary_nl(g, {"inclusion": "Ervaren inclusie"}, scales={"inclusion": (1, 5)})
    assert "aantoonbaar verschil, na correctie voor de vele vergelijkingen" in text
    assert "Niet-westers scoort 0,18 punt lager dan Nederlands (95%-interval −0,25 tot −0,11)" in text
    assert "op een schaal van 1 tot 5" in text and not CODE_NAME.search(text) and "d =" not in text
    assert not CODE_NAME.search(summary_nl(g.assign(p_bh=0.5), {"inclusion": "Ervaren inclusie"}))


def test_discrimination_and_trend_summaries_reader_words():
    from pipeline.analysis.discrimination import summary_nl as disc
    from pipeline.chapters.trends import summary_nl as trend
    prev = pd.DataFrame({"indicator": ["ervaren_ongewenst", "gezien_ongewenst", "ervaren_discriminatie"],
                         "dimension": "totaal", "estimate": [0.496, 0.607, 0.1077], "onderdrukt": False,
                         "group_label": "Alle medewerkers"})
    chg = pd.DataFrame({"indicator": ["ervaren_discriminatie"], "dimension": ["totaal"], "baseline": [0.139],
                        "repeat": [0.108], "change": [-0.031], "p_bh": [0.01]})
    text = disc(prev, chg, {"ervaren_discriminatie": "Discriminatie ervaren"}, 2026, 2024)
    assert "50\u00a0%" in text and "11\u00a0%" in text and not re.search(r"\d,\d\u00a0?%", text)
    assert "Aantoonbaar veranderd sinds 2024, na correctie voor de vele vergelijkingen" in text
    assert "▼ lager (14\u00a0% → 11\u00a0%)" in text and not CODE_NAME.search(text)
    assert "Of dit door het programma komt, laat deze vergelijking niet zien." in text
    # a share whose base is not all staff names its base, with the published (rounded) number
    sat = chg.assign(indicator="tevreden_afhandeling", baseline=0.322, repeat=0.449, change=0.127)
    told = disc(prev, sat, {"tevreden_afhandeling": "Tevreden over afhandeling melding"}, 2026, 2024, reported=220)
    assert "Tevreden over afhandeling melding, van wie een melding deed (ongeveer 220 mensen in 2026): ▲ hoger" in told
    gaps = pd.DataFrame({"indicator": ["inclusion"], "group_label": ["Niet-westers"], "reference": ["Nederlands"],
                         "gap_2019": [-0.43], "gap_2024": [-0.28], "did": [0.15], "ci_low": [0.09], "ci_high": [0.21],
                         "p_bh": [0.001]})
    t = trend(gaps, [2019, 2024], indicator=lambda i: "Ervaren inclusie", scale=lambda i: (1, 5))
    assert "aantoonbaar veranderd, na correctie voor de vele vergelijkingen" in t and "Ervaren inclusie" in t
    assert "De kloof is kleiner geworden" in t and "laat deze vergelijking niet zien" in t
    assert "−0,43 punt in 2019 → −0,28 in 2024" in t and "op een schaal van 1 tot 5" in t and not CODE_NAME.search(t)


def test_base_of_satisfaction_is_the_published_n_rounded_and_absent_when_suppressed():
    from pipeline.analysis.discrimination import reported_base
    follow = pd.DataFrame({"indicator": ["gemeld", "tevreden_afhandeling"], "estimate": [0.3, 0.449], "n": [1500, 224]})
    assert reported_base(follow) == 220
    assert reported_base(follow.assign(estimate=[0.3, float("nan")], n=[1500, float("nan")])) is None
    assert reported_base(follow[follow["indicator"] == "gemeld"]) is None


def test_two_kinds_of_correction_have_two_names_and_p_values_stay_in_the_detail():
    """'gecorrigeerd' named both the adjusted gap and the BH correction: the adjusted gap's columns now say
    'bij gelijke schaal ...', and no p-value (BH or not) is a column of the reviewer's table."""
    from pipeline import labels
    from pipeline.report.display import DETAIL_COLUMNS
    adjusted = ["adj_difference", "adj_ci_low", "adj_ci_high", "adj_p", "adj_p_bh", "adj_n", "did_adjusted"]
    assert not [c for c in adjusted if "gecorrigeerd" in labels.column(c)]
    assert labels.column("adj_difference") == "verschil bij gelijke schaal, leeftijd, dienstjaren en directie"
    assert {"p", "p_bh", "adj_p", "adj_p_bh", "p_raoscott"} <= set(DETAIL_COLUMNS)


def test_method_text_is_collapsed_for_researchers():
    from pipeline.chapters import Chapter
    from pipeline.report import display as show
    from pipeline.report.plain import main_blocks
    ch = Chapter()
    ch.text("Een bevinding.")
    ch.detail("Geraked naar het register, met *linearisatie*.", "weging")
    shown = []
    orig, show.display = show.display, shown.append
    try:
        show.chapter(ch)
    finally:
        show.display = orig
    from nbconvert.filters.markdown import markdown2html
    page = "<main>" + "".join(markdown2html(s.data) for s in shown) + "</main>"
    assert '<details class="detail"><summary>Detail voor onderzoekers: weging</summary>' in page
    assert "<em>linearisatie</em>" in page  # markdown inside the collapsed section still renders
    assert main_blocks(page) == ["Een bevinding."]

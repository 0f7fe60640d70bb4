"""The sentence splitter and main-text reader behind the B1 sentence-length budgets (pipeline.report.plain)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from pipeline.report.plain import length_report, main_blocks, main_sentences, sentences, word_count


def test_abbreviations_do_not_end_a_sentence():
    text = ("Het aandeel steeg t.o.v. 2024 met 8 %. Dat is bijv. minder dan o.a. het doel, d.w.z. een derde. "
            "Zie tabel nr. 3 voor ca. 220 mensen.")
    assert sentences(text) == [
        "Het aandeel steeg t.o.v. 2024 met 8 %.",
        "Dat is bijv. minder dan o.a. het doel, d.w.z. een derde.",
        "Zie tabel nr. 3 voor ca. 220 mensen.",
    ]


def test_numbers_keep_their_decimal_comma_and_thousands_point():
    text = "De kloof is 0,28 punt. Er deden 1.895 mensen mee (respons 41 %). In 2019 was dat 0.43."
    assert sentences(text) == ["De kloof is 0,28 punt.", "Er deden 1.895 mensen mee (respons 41 %).",
                               "In 2019 was dat 0.43."]


def test_semicolon_colon_and_brackets():
    text = ("We vergelijken veel groepen. Dan zijn toevallige verschillen normaal; daarom zijn we streng. "
            "Let op: dit is een schatting (zie Begrippen.) Klaar! Waarom? Daarom…")
    assert sentences(text) == [
        "We vergelijken veel groepen.", "Dan zijn toevallige verschillen normaal; daarom zijn we streng.",
        "Let op: dit is een schatting (zie Begrippen.)", "Klaar!", "Waarom?", "Daarom…"]


def test_word_count_ignores_lone_dashes_and_keeps_compounds():
    assert word_count("Het 95%-interval – de marge – is 0,28 punt.") == 7
    assert word_count("–") == 0
    assert sentences("– ") == []


def test_main_text_skips_tables_details_banner_navigation_and_headings():
    page = """<html><body><header class="site"><nav>Menu Eén Twee</nav></header><main>
    <p class="demo">Let op: voorbeeldcijfers. Dit is synthetisch.</p>
    <h1>Titel zonder punt</h1>
    <p>Eerste zin. Tweede zin met <strong>vet</strong> woord.</p>
    <ul><li>Een lijstregel zonder punt</li><li>Nog een<ul><li>geneste regel</li></ul></li></ul>
    <table><caption>Bijschrift</caption><tr><td>Een cel. Nog een cel.</td></tr></table>
    <p class="table-note">– = niet getoond.</p>
    <details class="detail"><summary>Detail voor onderzoekers</summary><p>Methode met veel woorden.</p></details>
    <details class="provenance"><summary>Herkomst</summary><p>sha256</p></details>
    <p class="downloads">Download alles.</p>
    <nav class="prevnext">Vorige</nav>
    </main></body></html>"""
    assert main_blocks(page) == ["Eerste zin. Tweede zin met vet woord.", "Een lijstregel zonder punt", "Nog een",
                                 "geneste regel"]
    assert main_sentences(page) == ["Eerste zin.", "Tweede zin met vet woord.", "Een lijstregel zonder punt",
                                    "Nog een", "geneste regel"]
    assert "Titel zonder punt" in main_blocks(page, headings=True)


def test_length_report_counts_sentences_over_the_limit_across_pages():
    short = "<main><p>" + "Kort zinnetje hier. " * 3 + "</p></main>"
    long = "<main><p>" + " ".join(["woord"] * 26) + ". " + " ".join(["woord"] * 25) + ".</p></main>"
    rep = length_report(short, long)
    assert len(rep.sentences) == 5 and len(rep.long) == 1
    assert rep.share == 0.2
    assert "[26]" in rep.describe()


words = st.lists(st.sampled_from(["de", "kloof", "0,28", "1.895", "t.o.v.", "bijv.", "(n", "95%-interval", "ca."]),
                 min_size=1, max_size=30)


@given(st.lists(words, min_size=1, max_size=6))
def test_sentences_split_exactly_at_full_stops_between_sentences(parts):
    """Sentences built from tricky words and joined with '. ' come back as they were."""
    made = [" ".join(["Zin", *p]) + "." for p in parts]
    assert sentences(" ".join(made)) == made
    assert [word_count(s) for s in sentences(" ".join(made))] == [len(p) + 1 for p in parts]


def test_the_shared_reading_aid_counts_once_not_per_page():
    from pipeline.report.pages import how_to_read
    from pipeline.report.plain import reading_aid
    page = f"<main><h1>T</h1>{how_to_read(10)}<p>{' '.join(['woord'] * 30)}.</p></main>"
    assert length_report(page).share == 1.0  # the page's own text: one long sentence
    assert length_report(page, shared=True).share < 0.2
    aid = reading_aid(page)
    assert "We vergelijken veel groepen." in aid
    assert "Dan zijn toevallige verschillen normaal; daarom zijn we streng." in aid
    assert all(word_count(s) <= 25 for s in aid), [s for s in aid if word_count(s) > 25]

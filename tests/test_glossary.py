"""The glossary (config/glossary.yaml -> reports/begrippen.html) and its check on technical words."""
from __future__ import annotations

import copy

import pytest
from bs4 import BeautifulSoup

from pipeline.config import load_yaml
from pipeline.report.glossary import GLOSSARY, load, missing_terms, page_body, parse


def test_the_declared_glossary_explains_every_technical_word_it_lists():
    """Every word the list calls technical has an entry (else the pages could never pass)."""
    g = load()
    assert len(g.entries) >= 25
    assert not set(g.technical) - g.covered()
    for term in ("95%-interval", "aantoonbaar verschil", "kloof", "nulmeting", "referentiegroep", "procentpunt",
                 "effectieve steekproefomvang", "strata", "R-indicator", "verschil-in-verschillen"):
        assert any(e.term == term for e in g.entries), term


def test_a_new_technical_word_without_an_entry_fails_and_passes_once_explained():
    data = load_yaml(GLOSSARY)
    text = "We schatten het met een multilevelmodel. De marge volgt uit het 95%-interval."
    assert missing_terms(text, parse(data)) == set()
    added = copy.deepcopy(data)
    added["technisch"].append("multilevel")
    assert missing_terms(text, parse(added)) == {"multilevel"}
    added["begrippen"].append({"term": "multilevelmodel", "uitleg": "Een model met groepen binnen groepen.",
                               "vormen": ["multilevel"]})
    assert missing_terms(text, parse(added)) == set()


def test_method_names_with_an_en_dash_need_an_entry_without_being_listed():
    g = load()
    assert missing_terms("Gewogen volgens Horvitz–Thompson.", g) == {"horvitz–thompson"}
    assert missing_terms("Intervallen volgens Korn–Graubard en Clopper–Pearson.", g) == set()
    assert missing_terms("Directie Noord-Holland en Zuid-Oost.", g) == set()  # place names use a hyphen


@pytest.mark.parametrize("broken", [{"term": "kloof"}, {"uitleg": "zonder term"},
                                    {"term": "x", "uitleg": "y", "uitlegg": "typo"}])
def test_an_entry_needs_a_term_and_an_explanation_and_known_keys(broken):
    with pytest.raises(ValueError):
        parse({"begrippen": [broken], "technisch": []})


def test_duplicate_terms_are_refused():
    entry = {"term": "Kloof", "uitleg": "Een verschil."}
    with pytest.raises(ValueError, match="dubbel"):
        parse({"begrippen": [entry, {**entry, "term": "kloof"}]})


def test_the_page_lists_every_entry_with_an_anchor_and_its_english_term():
    g = load()
    soup = BeautifulSoup(page_body(g), "html.parser")
    terms = [dt.get_text() for dt in soup.find_all("dt")]
    assert terms == [e.term for e in g.entries]
    assert len({dt["id"] for dt in soup.find_all("dt")}) == len(terms)
    assert soup.find("dt", id="kloof").find_next("dd").find("span", lang="en").get_text() == "(Engels: gap)"

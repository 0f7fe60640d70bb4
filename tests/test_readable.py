"""What a reviewer reads: Dutch numbers, empty cells explained, verdicts in words, findings generated
from the numbers, a workbook that opens on its contents, and the shared parts of every page."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.disclosure.publish import Estimates, GroupSizes, NoSmallCells, Policy, Result, publish
from pipeline.report import numbers as num


def test_dutch_numbers_through_babel():
    assert num.decimal(1234567.891, 2) == "1.234.567,89"
    assert num.decimal(-0.0004, 3) == "0,000" and num.decimal(-5.7, 1) == "−5,7"  # never "-0,000"; a real minus
    assert num.decimal(0.17, 2, sign=True) == "+0,17" and num.decimal(-0.04, 2, sign=True) == "−0,04"
    assert num.integer(22290) == "22.290"
    assert num.year(2019) == "2019" and num.year(2019.0) == "2019"
    assert num.percent(0.242) == "24,2\u00a0%" and num.percent(0.2, 0) == "20\u00a0%"
    assert num.points(-0.0325) == "−3,3\u00a0procentpunt"
    assert num.pvalue(0.0004) == "<0,001" and num.pvalue(0.04999) == "<0,050" and num.pvalue(0.0501) == "0,050" and num.pvalue(0.5) == "0,500"
    assert num.percent(float("inf")) == num.MISSING and num.decimal(float("nan")) == num.MISSING


def _estimates(k: int = 10) -> tuple:
    """A gap table in which group C is too small: publish hides it (the disclosure rule decides)."""
    data = pd.DataFrame({"g": ["A"] * 80 + ["B"] * 80 + ["E"] * 15 + ["C"] * (k - 1)})
    table = pd.DataFrame({"dimension": ["g"] * 4, "group": ["A", "B", "E", "C"],
                          "group_label": ["Groep A", "Groep B", "Groep E", "Groep C"],
                          "difference": [0.2, -0.0001, 0.1, 0.5], "ci_low": [0.1, -0.1, 0.0, 0.1],
                          "ci_high": [0.3, 0.1, 0.2, 0.9], "p_bh": [0.0001, 0.5, 0.2, 0.01], "se": [0.05, 0.05, 0.1, 0.2],
                          "n": [80, 80, 15, k - 1]})
    return publish(Result(table, Estimates(sizes=(GroupSizes.of(data, ["g"]),))), Policy(k)), k


def test_reviewer_table_suppressed_verdict_detail_and_download(monkeypatch, tmp_path):
    from bs4 import BeautifulSoup

    from pipeline.report.display import table_html
    monkeypatch.setenv("INCLUSIEMONITOR_TABLES", str(tmp_path))
    monkeypatch.setenv("INCLUSIEMONITOR_TABLES_URL", "tables/02_inclusie")
    pub, k = _estimates(k=7)
    soup = BeautifulSoup(table_html(pub, "Verschillen", decimals=3, k=k), "html.parser")
    main, detail = soup.find_all("table")
    heads = [th.get_text() for th in main.select("thead th")]
    cells = [[td.get_text() for td in tr.find_all("td")] for tr in main.select("tbody tr")]
    rows = {r[heads.index("groep")]: r for r in cells}
    assert "standaardfout" not in heads and "p (BH)" not in heads and "oordeel" in heads
    assert rows["Groep A"][heads.index("oordeel")] == "▲ hoger"
    assert rows["Groep B"][heads.index("oordeel")] == "● geen aantoonbaar verschil"
    assert rows["Groep B"][heads.index("verschil")] == "0,000"
    hidden = rows["Groep C"]
    assert hidden[heads.index("verschil")] == "–" and hidden[heads.index("n")] == "–"
    assert f"minder dan {k} respondenten" in soup.find(class_="table-note").get_text()
    dheads = [th.get_text() for th in detail.select("thead th")]
    assert {"standaardfout", "p (BH)"} <= set(dheads) and "verschil" not in dheads
    assert detail.find_parent("details") is not None
    assert "<0,001" in detail.get_text()
    link = soup.find("a", string="Download deze tabel (CSV)")
    csv = tmp_path / link["href"].split("/")[-1]
    assert link["href"].startswith("tables/02_inclusie/") and csv.exists()
    assert "standaardfout" in csv.read_text(encoding="utf-8-sig")  # the CSV keeps every column


def test_not_applicable_is_not_suppressed_and_long_tables_fold():
    from bs4 import BeautifulSoup

    from pipeline.report.display import LONG_TABLE, table_html
    t = pd.DataFrame({"groep": [f"g{i}" for i in range(LONG_TABLE + 1)], "aantal": range(100, 101 + LONG_TABLE),
                      "ci_low": np.nan})
    soup = BeautifulSoup(table_html(publish(Result(t, NoSmallCells("test")), Policy(10)), "Telling", export=False),
                         "html.parser")
    assert soup.find("details", class_="long-table") is not None
    cells = [td.get_text() for td in soup.select("tbody td")]
    assert "n.v.t." in cells and "–" not in cells
    assert "niet van toepassing" in soup.get_text() and "minder dan" not in soup.get_text()


def _dashboard(change_inclusion: float, p_inclusion: float) -> pd.DataFrame:
    return pd.DataFrame([
        {"indicator": "Inclusiekloof niet-westers", "soort": "kloof", "periode": "2019–2024",
         "basis": -0.18 - change_inclusion, "stand": -0.18, "verandering": change_inclusion,
         "ci_low": change_inclusion - 0.05, "ci_high": change_inclusion + 0.05, "p": p_inclusion, "p_bh": p_inclusion,
         "naar_doel": change_inclusion > 0, "eenheid": "schaalpunten", "doel": np.nan, "schaal_van": 1, "schaal_tot": 5,
         "onderwerp": "Ervaren inclusie", "groep": "medewerkers met een niet-westerse migratieachtergrond",
         "referentie": "medewerkers met een Nederlandse achtergrond"},
        {"indicator": "Inclusiekloof LHBTIQ+", "soort": "kloof", "periode": "2019–2024", "basis": -0.13, "stand": -0.17,
         "verandering": -0.04, "ci_low": -0.11, "ci_high": 0.03, "p": 0.28, "p_bh": 0.55, "naar_doel": False,
         "eenheid": "schaalpunten", "doel": np.nan, "schaal_van": 1, "schaal_tot": 5, "onderwerp": "Ervaren inclusie",
         "groep": "LHBTIQ+-medewerkers", "referentie": "medewerkers die niet LHBTIQ+ zijn"},
        {"indicator": "Aandeel jonger dan 35", "soort": "doel_aandeel", "periode": "2024–2026", "basis": 0.236,
         "stand": 0.242, "verandering": 0.0065, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "p_bh": np.nan,
         "naar_doel": True, "eenheid": "aandeel (telling)", "doel": 0.20, "doeljaar": 2026, "doel_oordeel": "gehaald",
         "basis_gehaald": True, "schaal_van": np.nan, "schaal_tot": np.nan},
        {"indicator": "Aandeel niet-westers in schaal 12–14", "soort": "doel_aandeel", "periode": "2024–2026",
         "basis": 0.175, "stand": 0.186, "verandering": 0.011, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan,
         "p_bh": np.nan, "naar_doel": True, "eenheid": "aandeel (telling)", "doel": 0.30, "doeljaar": 2026,
         "doel_oordeel": "niet gehaald", "basis_gehaald": False, "schaal_van": np.nan, "schaal_tot": np.nan}])


def test_headline_findings_follow_the_numbers():
    from pipeline.report import headline
    shown = headline.findings(_dashboard(0.17, 1e-6))
    assert 3 <= len(shown) <= 6
    assert any("scoren 0,18 punt lager dan medewerkers met een Nederlandse achtergrond" in f
               and "In 2019 was dat 0,35 punt (schaal 1 tot 5); de kloof is aantoonbaar kleiner geworden" in f
               for f in shown)
    assert any("geen aantoonbare verandering" in f and "LHBTIQ+" in f for f in shown)
    assert any("Van de 2 streefcijfers van de gemeente is er 1 gehaald" in f and "18,6\u00a0% in 2026; doel 30\u00a0%" in f
               for f in shown)
    # the same row, not demonstrable any more: the words change with the numbers
    other = headline.findings(_dashboard(0.03, 0.2))
    assert not any("aantoonbaar kleiner" in f for f in other)
    assert any("kloof tussen medewerkers met een niet-westerse" in f and "geen aantoonbare" in f for f in other)
    table = headline.readable(_dashboard(0.17, 1e-6)).set_index("indicator")
    assert table.loc["Inclusiekloof niet-westers", "stand"] == \
        "0,18 punt onder medewerkers met een Nederlandse achtergrond (schaal 1 tot 5)"
    assert table.loc["Inclusiekloof niet-westers", "oordeel"] == "▼ kloof kleiner"
    assert table.loc["Inclusiekloof LHBTIQ+", "oordeel"] == "● geen aantoonbaar verschil"
    assert table.loc["Aandeel jonger dan 35", "stand"] == "24,2\u00a0%"
    assert table.loc["Aandeel jonger dan 35", "doel gehaald?"].startswith("al gehaald bij de nulmeting (23,6\u00a0%)")
    assert table.loc["Aandeel niet-westers in schaal 12–14", "doel gehaald?"] == "nee"
    assert table.loc["Aandeel jonger dan 35", "95%-interval"] == "n.v.t. (volledige telling)"


def test_dashboard_figure_keeps_scale_points_and_percentages_apart():
    from pipeline.report.figures import dashboard_figure
    fig = dashboard_figure(_dashboard(0.17, 1e-6))
    axes = fig.get_axes()
    assert len(axes) == 2  # one axis for scale points, one for percentage points
    assert "punt" in axes[0].get_title(loc="left") and "procentpunt" in axes[1].get_title(loc="left")
    labels = [[t.get_text() for t in ax.get_yticklabels()] for ax in axes]
    assert all("Aandeel" not in s for s in labels[0]) and all("kloof" not in s for s in labels[1])


def test_percentage_ticks_are_whole_and_start_at_zero():
    import matplotlib.pyplot as plt

    from pipeline.report.figures import _pct_axis
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0.012, 0.021])
    _pct_axis(ax, "y")
    fig.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ax.get_ylim()[0] == 0 and len(set(ticks)) == len(ticks)
    assert all(t.replace("\u00a0%", "").lstrip("-−").isdigit() for t in ticks), ticks
    plt.close(fig)


def test_reversed_items_take_the_colour_of_their_meaning():
    import matplotlib.pyplot as plt

    from pipeline.report.figures import likert_bars, likert_palette
    shares = pd.DataFrame({"item": ["ps1"] * 5 + ["ps2"] * 5, "answer": [1, 2, 3, 4, 5] * 2, "share": [0.2] * 10})
    fig = likert_bars(shares, {"ps1": "Fouten worden je aangerekend", "ps2": "Je kunt problemen aankaarten"},
                      {5: "Helemaal mee eens"}, "Test", reversed_items=["ps1"])
    ax = fig.get_axes()[0]
    palette = likert_palette(5)
    # the first answer's bars: ps1 (top row, reversed) gets the favourable end, ps2 the unfavourable end
    first = sorted(ax.patches[:2], key=lambda b: -b.get_y())
    from matplotlib.colors import to_hex
    assert to_hex(first[0].get_facecolor()) == palette[-1].lower()
    assert to_hex(first[1].get_facecolor()) == palette[0].lower()
    assert any("↺" in t.get_text() for t in ax.get_yticklabels())
    plt.close(fig)


def test_workbook_opens_on_contents_with_unique_readable_names(tmp_path):
    from openpyxl import load_workbook

    from pipeline.report.export import MAX_SHEET, write_workbook
    for chapter, captions in {"02_inclusie": ["Ervaren inclusie per groep: gewogen gemiddelde"] * 3,
                              "05_discriminatie": ["Verandering per groep", "Aandelen per groep, 2026"]}.items():
        d = tmp_path / "tables" / chapter
        d.mkdir(parents=True)
        for i, cap in enumerate(captions, 1):
            pd.DataFrame({"groep": ["A"], "schatting": [1.5]}).to_csv(d / f"{i:03d}_t.csv", sep=";", decimal=",",
                                                                        index=False, encoding="utf-8-sig")
            (d / f"{i:03d}_t.caption").write_text(cap, encoding="utf-8")
    wb = load_workbook(write_workbook(tmp_path / "tables", tmp_path / "t.xlsx", ["02_inclusie", "05_discriminatie"]))
    names = wb.sheetnames
    assert names[0] == "inhoud" and wb.active.title == "inhoud"
    assert len(set(n.lower() for n in names)) == len(names) == 6 and all(len(n) <= MAX_SHEET for n in names)
    assert names[1].startswith("02 Ervaren inclusie") and names[2].endswith("(2)") and "05 Verandering per groep" in names
    links = [c.hyperlink.location for c in wb["inhoud"]["C"][1:]]
    assert links == [f"'{n}'!A1" for n in names[1:]]


def test_pattern_column_labels():
    from pipeline import labels
    assert labels.column("gap_2019") == "kloof 2019" and labels.column("p_raoscott") == "p (Rao–Scott)"
    assert labels.column("onbekende_kolom") == "onbekende_kolom"


def test_page_parts_menu_prev_next_banner_and_reading_aid():
    from bs4 import BeautifulSoup

    from pipeline.report.pages import decorate, page_list
    specs = [{"name": "01_a", "title": "Hoofdstuk A", "menu": "A"}, {"name": "02_b", "title": "Hoofdstuk B"}]
    pages = page_list(specs)
    html = "<html><body><main><h1>Hoofdstuk A</h1><p>tekst</p></main></body></html>"
    soup = BeautifulSoup(decorate(html, pages, "01_a.html", demo=True, k=7), "html.parser")
    menu = soup.find("nav", class_="menu")
    assert [a.get_text() for a in menu.find_all("a")] == ["Overzicht", "A", "Hoofdstuk B", "Begrippen"]
    assert menu.find("a", attrs={"aria-current": "page"})["href"] == "01_a.html"
    assert soup.find("a", rel="prev")["href"] == "index.html" and soup.find("a", rel="next")["href"] == "02_b.html"
    assert "synthetische demodata" in soup.find(class_="demo").get_text()
    assert "minder dan 7 mensen" in soup.find("aside", class_="howto").get_text()
    assert soup.find("a", href="tabellen.xlsx") is not None
    plain = BeautifulSoup(decorate(html, pages, "01_a.html", demo=False, k=7), "html.parser")
    assert plain.find(class_="demo") is None
    # a page one folder down (e.g. reports/directies/) links back up
    from pipeline.report.pages import Page
    deep = BeautifulSoup(decorate(html, [*pages, Page("directies/x.html", "X", "X")], "directies/x.html",
                                  demo=False, k=7), "html.parser")
    assert deep.find("nav", class_="menu").find("a")["href"] == "../index.html"


@pytest.mark.parametrize("rate,text", [(0.164, "16\u00a0%"), (1.325, "niet haalbaar"), (float("inf"), "niet haalbaar")])
def test_response_needed_never_above_100_percent(rate, text):
    from pipeline.chapters.trends import needed_words
    assert needed_words(rate).startswith(text)

"""What every page of the report shares: the top menu, the demo banner, the "Zo leest u dit" box,
previous/next links and the downloads.

Why: a reviewer may land on any page (a link in a mail, a printout). Each page must say what the
report is, whether its figures are real, how to read an interval and an empty cell, and where to go
next. The menu is made from the page list (config/chapters.yaml plus any extra pages the build adds,
e.g. one per directorate), never typed per page.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

REPORT_TITLE = "Monitor Inclusie en Diversiteit"
WORKBOOK = "tabellen.xlsx"
RESULTS_CSV = "results.csv"
GLOSSARY_PAGE = "begrippen.html"  # written by pipeline.report.glossary


@dataclass(frozen=True)
class Page:
    """One entry of the menu: `href` relative to reports/, its short menu name and full title."""

    href: str
    menu: str
    title: str


def page_list(specs: list[dict], extra: list[Page] = ()) -> list[Page]:
    """The overview first, then the chapters in reading order (their `menu` name, else the title), the
    glossary ("Begrippen", the last page of the report proper), then `extra` pages (e.g.
    reports/directies/...) in the order given."""
    pages = [Page("index.html", "Overzicht", REPORT_TITLE)]
    pages += [Page(f"{c['name']}.html", c.get("menu") or c["title"], c["title"]) for c in specs]
    pages.append(Page(GLOSSARY_PAGE, "Begrippen", "Begrippen: wat de woorden in dit rapport betekenen"))
    return [*pages, *extra]


def _root(current: str) -> str:
    """Relative prefix from a page to reports/ (a page in reports/directies/ links with '../')."""
    return "../" * current.count("/")


def menu(pages: list[Page], current: str) -> str:
    root = _root(current)
    items = "".join(
        f'<li><a href="{html.escape(root + p.href)}"'
        + (' aria-current="page"' if p.href == current else "") + f">{html.escape(p.menu)}</a></li>"
        for p in pages)
    return (f'<header class="site"><p class="site-title"><a href="{root}index.html">{html.escape(REPORT_TITLE)}</a></p>'
            f'<nav class="menu" aria-label="Hoofdmenu"><ul>{items}</ul></nav></header>')


def demo_banner(demo: bool) -> str:
    if not demo:
        return ""
    return ('<p class="demo" role="note"><strong>Let op: voorbeeldcijfers.</strong> Dit rapport is gemaakt op '
            "<em>synthetische demodata</em>; de cijfers zeggen niets over de gemeente Amsterdam.</p>")


def how_to_read(k: int, root: str = "") -> str:
    """The short reading aid on every page (B1): interval, the one rule for "aantoonbaar", empty cells,
    units, and where the words are explained (the glossary; `root` leads from the page to reports/)."""
    return (
        '<aside class="howto" aria-labelledby="howto-title"><p class="howto-title" id="howto-title">Zo leest u dit</p><ul>'
        "<li><strong>Schatting en marge.</strong> Cijfers uit een vragenlijst zijn schattingen voor alle medewerkers. "
        "Ze zijn berekend uit de antwoorden van wie meedeed. Het <em>95%-interval</em> is de marge: het echte cijfer "
        "ligt vrijwel zeker daartussen.</li>"
        "<li><strong>▲ hoger, ▼ lager, ● geen aantoonbaar verschil.</strong> Bij een kloof: kloof kleiner of kloof groter. We vergelijken veel groepen. Dan zijn "
        "toevallige verschillen normaal; daarom zijn we streng. Een verschil is <em>aantoonbaar</em> als het ook na "
        "correctie voor de vele vergelijkingen te groot is voor toeval. ‘Geen aantoonbaar verschil’ betekent: deze "
        "meting kan het niet aantonen. Alleen de programma-indicatoren op het dashboard zijn vooraf gekozen "
        "toetsen; alle andere vergelijkingen zijn verkennend.</li>"
        f"<li><strong>– in een tabel:</strong> niet getoond, omdat het om minder dan {k} mensen gaat. Of omdat zo'n "
        f"klein aantal terug te rekenen is, ook door tabellen, pagina's of jaren te combineren (privacy). "
        "<strong>n.v.t.</strong>: niet van toepassing, bijvoorbeeld "
        "geen marge bij een telling uit het HR-register.</li>"
        "<li><strong>Schaal of percentage.</strong> Scores staan op de schaal van de vraag (bijvoorbeeld 1 tot 5). "
        "Aandelen staan in procenten. Een verandering van een aandeel staat in procentpunten.</li>"
        f'<li><strong>Moeilijk woord?</strong> Kijk bij <a href="{html.escape(root + GLOSSARY_PAGE)}">Begrippen</a>.</li>'
        "</ul></aside>")


def downloads(current: str) -> str:
    root = _root(current)
    return (f'<p class="downloads">Alle cijfers om zelf te gebruiken: <a href="{root}{WORKBOOK}">alle tabellen '
            f'(Excel)</a> · <a href="{root}{RESULTS_CSV}">alle schattingen (CSV)</a></p>')


def prev_next(pages: list[Page], current: str) -> str:
    hrefs = [p.href for p in pages]
    if current not in hrefs:
        return ""
    i = hrefs.index(current)
    root = _root(current)
    links = []
    if i > 0:
        links.append(f'<a rel="prev" href="{html.escape(root + pages[i - 1].href)}">← Vorige: '
                     f"{html.escape(pages[i - 1].menu)}</a>")
    if i + 1 < len(pages):
        links.append(f'<a rel="next" href="{html.escape(root + pages[i + 1].href)}">Volgende: '
                     f"{html.escape(pages[i + 1].menu)} →</a>")
    return f'<nav class="prevnext" aria-label="Vorige en volgende pagina">{" ".join(links)}</nav>'


def decorate(page: str, pages: list[Page], current: str, *, demo: bool, k: int, after: str | None = None) -> str:
    """Add the shared parts to a rendered page: menu and demo banner at the top, the reading aid
    after the page's title and contents (or after the element matching the CSS selector `after`),
    downloads and previous/next at the bottom."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "html.parser")
    main = soup.find("main") or soup.body
    top = BeautifulSoup(menu(pages, current), "html.parser")
    soup.body.insert(0, top)
    main.insert(0, BeautifulSoup(demo_banner(demo), "html.parser"))
    box = BeautifulSoup(how_to_read(k, _root(current)), "html.parser")
    anchor = (main.select_one(after) if after else None) or main.find("nav", class_="toc") or main.find("h1")
    anchor.insert_after(box) if anchor is not None else main.insert(1, box)
    main.append(BeautifulSoup(downloads(current) + prev_next(pages, current), "html.parser"))
    return str(soup)

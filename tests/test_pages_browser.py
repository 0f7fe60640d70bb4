"""Every page of the report as a reviewer opens it: offline, in Dutch, accessible (axe-core, WCAG 2.1 AA)
and readable on a phone — checked in a real headless Chromium (Debian's `chromium`; `.ci/run` installs it).

The report is rendered once for this module on the small demo data; each page is loaded once and every
check below reads the recorded results, so a failure names all pages and problems at once.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest


# the small demo report is built once per worker: keep its readers on one worker (make test: --dist loadgroup)
pytestmark = pytest.mark.xdist_group("small_report")

CHROMIUM = os.environ.get("INCLUSIEMONITOR_CHROMIUM", "/usr/bin/chromium")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE_WIDTH = 400
MAX_PAGE_BYTES = 1_000_000
NBCONVERT_PLACEHOLDER = "No description has been provided for this image"
# Pages printed to A4 PDF (Chromium's print) and the most pages each may take on paper.
PRINTED = {"05_discriminatie.html": 12}


def _pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF written by Chromium (one /Type /Page object per page)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} ontbreekt in CI: .ci/run hoort Debian's chromium te installeren")
    pytest.skip(f"Chromium niet geïnstalleerd ({CHROMIUM}); installeer het met `apt-get install chromium` "
                "om de browsertests te draaien (in CI verplicht)")


@pytest.fixture(scope="module")
def report_dir(small_report) -> Path:
    """The report as `make report` builds it, on a 10% workforce (conftest: built once per session)."""
    return small_report


@pytest.fixture(scope="module")
def pages(report_dir) -> list[Path]:
    found = sorted(report_dir.glob("*.html"))
    assert report_dir / "index.html" in found and len(found) >= 9, [p.name for p in found]
    directorates = sorted((report_dir / "directies").glob("*.html"))
    assert directorates, "no directorate pages (config directorate_pages)"
    return found + directorates[:3]


# Elements whose box or content (a long word, path or hash) sticks out of the viewport, outside any
# horizontal scroll container (a wide table scrolls inside its own box, which is fine).
_OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const scroller = el => { const o = getComputedStyle(el).overflowX; return o === 'auto' || o === 'scroll'; };
  const inScroller = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
      if (scroller(p)) return true; return false; };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || inScroller(el)) continue;
    const right = scroller(el) ? r.right : r.left + Math.max(r.width, el.scrollWidth);
    if (right > width + 1 || r.left < -1)
      out.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 40)}" (${Math.round(r.left)}..${Math.round(right)} px)`);
  }
  return {pageWidth: document.documentElement.scrollWidth, width: width, outside: out.slice(-5)};
}"""


@pytest.fixture(scope="module")
def browsed(pages) -> dict[str, dict]:
    """Load every page from file:// in headless Chromium: console errors, requests that would leave
    the machine (blocked), axe-core violations, and what overflows at phone width."""
    executable = _chromium_or_skip()
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    results: dict[str, dict] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            for path in pages:
                rec: dict = {"console": [], "external": []}
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                # nothing may leave the machine: record and block every non-local request
                context.route(lambda url: not url.startswith(("file:", "data:")), lambda route: route.abort())
                page = context.new_page()
                page.on("console", lambda m, rec=rec: rec["console"].append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e, rec=rec: rec["console"].append(str(e)))
                page.on("request", lambda r, rec=rec: rec["external"].append(r.url)
                        if not r.url.startswith(("file:", "data:")) else None)
                page.goto(path.as_uri(), wait_until="load")
                res = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                             "resultTypes": ["violations"]})
                rec["axe"] = res.response["violations"]
                page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
                rec["phone"] = page.evaluate(_OVERFLOW_JS)
                rec["pdf_pages"] = _pdf_pages(page.pdf(format="A4")) if path.name in PRINTED else None
                context.close()
                results[path.name] = rec
        finally:
            browser.close()
    return results


def test_pages_make_no_external_requests_and_no_console_errors(browsed):
    problems = {name: {k: r[k] for k in ("console", "external") if r[k]} for name, r in browsed.items()}
    assert not {n: p for n, p in problems.items() if p}, problems


def test_pages_have_no_axe_violations(browsed):
    lines = [f"{name}: {v['id']} ({v['impact']}, {len(v['nodes'])}x) — {v['help']} — eerste: {v['nodes'][0]['target']}"
             for name, r in browsed.items() for v in r["axe"]]
    print("\n".join(f"{name}: {len(r['axe'])} axe-overtredingen" for name, r in browsed.items()))
    assert not lines, "\n".join(lines)


def test_pages_fit_a_phone(browsed):
    """At 400 px nothing sticks out sideways except inside a table's own scroll box."""
    wide = {name: r["phone"] for name, r in browsed.items()
            if r["phone"]["outside"] or r["phone"]["pageWidth"] > r["phone"]["width"]}
    assert not wide, wide


def test_pages_are_dutch_offline_and_described(pages):
    """What axe cannot judge: the language is Dutch, nothing points at a CDN, figures say what they show,
    tables have column headers with scope and a caption, no "¶" anchors, a viewport, under 1 MB."""
    from bs4 import BeautifulSoup
    problems = []
    for path in pages:
        raw = path.read_bytes()
        soup = BeautifulSoup(raw.decode("utf-8"), "html.parser")
        name = path.name
        if len(raw) >= MAX_PAGE_BYTES:
            problems.append(f"{name}: {len(raw)} bytes")
        if soup.html.get("lang") != "nl":
            problems.append(f"{name}: lang={soup.html.get('lang')!r}")
        viewport = soup.find("meta", attrs={"name": "viewport"})
        if not viewport or "width=device-width" not in viewport.get("content", ""):
            problems.append(f"{name}: no viewport meta")
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for el in soup.find_all(tag):
                if re.match(r"(https?:)?//", el.get(attr, "")):
                    problems.append(f"{name}: external {tag} {el[attr][:80]}")
        if soup.find("script"):
            problems.append(f"{name}: has a <script>")
        if "¶" in soup.get_text() or soup.select("a.anchor-link"):
            problems.append(f"{name}: ¶ anchor links")
        for img in soup.find_all("img"):
            alt = (img.get("alt") or "").strip()
            if alt in ("", "Figuur", "dashboard") or alt == NBCONVERT_PLACEHOLDER or len(alt) < 10:
                problems.append(f"{name}: image without a description (alt={alt!r})")
        for table in soup.find_all("table"):
            if not table.caption or not table.caption.get_text(strip=True):
                problems.append(f"{name}: table without caption")
            heads = table.select("thead th") or table.find_all("tr")[0].find_all("th")
            if not heads or any(th.get("scope") != "col" for th in heads):
                problems.append(f"{name}: table {table.caption.get_text(strip=True) if table.caption else ''!r} "
                                "without scope=col headers")
    assert not problems, "\n".join(problems[:40])


def test_figure_alt_text_says_what_the_figure_shows():
    """display.figure: the alt text is the figure's own titles (or axis labels), or the caller's text."""
    import matplotlib.pyplot as plt

    from pipeline.disclosure.publish import figure
    from pipeline.report import display as show
    fig, (a, b) = plt.subplots(1, 2)
    fig.suptitle("Ervaren inclusie per groep")
    a.set_title("Instroom", loc="left")
    b.set_ylabel("aandeel")
    assert show.figure_description(fig) == "Ervaren inclusie per groep; Instroom; aandeel"
    shown = []
    orig, show.display = show.display, shown.append
    try:
        show.figure(figure(lambda: fig))
        show.figure(figure(lambda: plt.subplots()[0], alt="Kloof in 2024 en 2025"))
    finally:
        show.display = orig
    assert [s._repr_png_()[1].get("alt") for s in shown] == ["Ervaren inclusie per groep; Instroom; aandeel",
                                                    "Kloof in 2024 en 2025"]


def test_discrimination_chapter_prints_short(browsed):
    """A reviewer prints the chapter: long tables are folded (closed <details> do not print) so the
    chapter fits on about 12 A4 pages (it took 37)."""
    counts = {name: r["pdf_pages"] for name, r in browsed.items() if r.get("pdf_pages") is not None}
    print(counts)
    assert counts.keys() == PRINTED.keys()
    assert all(0 < counts[name] <= most for name, most in PRINTED.items()), counts


def test_every_page_has_menu_banner_reading_aid_and_links(pages):
    """Shared parts on every page: the top menu naming every chapter page, the demo banner (demo data),
    the 'Zo leest u dit' box, the workbook link; chapters also link previous/next and each table's CSV.
    Directorate pages (reports/directies/, up to ~40) are listed on the index rather than in the menu;
    their numbers are downloadable through the results table."""
    from bs4 import BeautifulSoup
    problems = []
    main_pages = {p.name for p in pages if p.parent.name != "directies"}
    directorates = {f"directies/{p.name}" for p in pages if p.parent.name == "directies"}
    for path in pages:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        sub = path.parent.name == "directies"
        root = "../" if sub else ""
        menu = soup.find("nav", class_="menu")
        linked = {a["href"].removeprefix(root) for a in menu.find_all("a")} if menu else set()
        if main_pages - linked:
            problems.append(f"{path.name}: menu mist {sorted(main_pages - linked)}")
        if path.name == "index.html":
            listed = {a["href"] for a in soup.find_all("a")}
            if directorates - listed:
                problems.append(f"index.html: geen link naar {sorted(directorates - listed)}")
        if not soup.find(class_="demo"):
            problems.append(f"{path.name}: geen demobanner")
        if not soup.find("aside", class_="howto"):
            problems.append(f"{path.name}: geen 'Zo leest u dit'")
        if not soup.find("a", href=f"{root}tabellen.xlsx"):
            problems.append(f"{path.name}: geen link naar de werkmap")
        if path.name != "index.html" and not sub:
            if not soup.find("nav", class_="prevnext"):
                problems.append(f"{path.name}: geen vorige/volgende")
            for block in soup.find_all("div", class_="table-block"):
                if block.find_parent("details", class_="provenance"):
                    continue
                link = block.find("a", string="Download deze tabel (CSV)")
                if link is None or not (path.parent / link["href"]).exists():
                    problems.append(f"{path.name}: tabel zonder werkende CSV-link")
                    break
        for s in ("<k", "inf%", "-0,000", "nan"):
            if f">{s}<" in str(soup):
                problems.append(f"{path.name}: cel {s!r}")
    assert not problems, "\n".join(problems)


# A key finding as a reader sees it: a decimal comma, a percentage or points (a year alone is not one).
_FINDING = re.compile(r"\d+,\d+|\d+\u00a0%|\d+ %|\d+ punt")
_NOTHING_SHOWN = ("kan worden getoond", "Nog geen programma-indicatoren")


def test_every_chart_states_its_key_finding(pages):
    """Every <img> (all charts show estimates) has an alt text with a number in Dutch format (the
    finding), or says that nothing could be shown; never only a description of its axes."""
    from bs4 import BeautifulSoup
    problems, seen = [], 0
    for path in pages:
        for img in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").find_all("img"):
            seen += 1
            alt = img.get("alt") or ""
            if not _FINDING.search(alt) and not any(s in alt for s in _NOTHING_SHOWN):
                problems.append(f"{path.name}: {alt[:120]!r}")
            if re.search(r"significant|Benjamini", alt):
                problems.append(f"{path.name}: statistiekjargon in alt: {alt[:120]!r}")
    assert seen > 30 and not problems, "\n".join(problems)


def test_workbook_sheet_names_are_never_cut(report_dir):
    """Every sheet of the demo workbook: at most 31 characters, unique, and not cut mid-phrase
    (test_readable_findings.cut_reason) against the table's short title (.sheet) or its caption."""
    from openpyxl import load_workbook

    from test_readable_findings import cut_reason
    wb = load_workbook(report_dir / "tabellen.xlsx", read_only=True)
    rows = list(wb["inhoud"].iter_rows(min_row=2, values_only=True))
    problems = []
    for chapter, caption, name, csv in rows:
        short = (report_dir / "tables" / chapter / csv).with_suffix(".sheet")
        title = short.read_text(encoding="utf-8") if short.exists() else caption
        reason = cut_reason(name, title)
        if reason or len(name) > 31:
            problems.append(f"{name!r} <- {title!r}: {reason or 'te lang'}")
    assert len(rows) > 100 and len({r[2].lower() for r in rows}) == len(rows)
    assert not any(r[0] == "directies" for r in rows), "directorate tables belong to their pages only"
    assert not problems, "\n".join(problems)


def test_summaries_use_reader_words(pages):
    """The generated 'Samenvatting' of each chapter: no "significant"/"Benjamini", no code names
    (snake_case or a group's code), shares on the discrimination page as whole percentages."""
    from bs4 import BeautifulSoup

    from pipeline import labels
    codes = {lv for dim in labels.dimensions() for lv in labels.groups(dim) if "_" in lv}
    problems, found = [], 0
    for path in pages:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for h in soup.find_all(re.compile("^h[23]$")):
            if not h.get_text(strip=True).startswith("Samenvatting"):
                continue
            found += 1
            text = []
            for el in h.find_all_next():
                if el.name in ("h1", "h2", "h3") or el.name == "img":
                    break
                if el.name in ("p", "li"):
                    text.append(el.get_text(" "))
            text = " ".join(text)
            bad = re.findall(r"\b[a-z]+_[a-z0-9_]+\b|significant|Benjamini", text, re.I) + [c for c in codes if c in text]
            if path.name == "05_discriminatie.html":
                bad += re.findall(r"\d+,\d\s?%", text)
            if bad:
                problems.append(f"{path.name}: {sorted(set(bad))}")
    assert found >= 5 and not problems, "\n".join(problems)


def test_directorate_pages_download_tables_and_link_neighbours(pages, report_dir):
    """Each directorate page: a working CSV link under every table (its own folder under
    tables/directies/<code>/, which passed the output guard), the way back to the index, and
    previous/next links that walk the pages in order."""
    from bs4 import BeautifulSoup
    directorates = sorted((report_dir / "directies").glob("*.html"))
    problems = []
    for i, path in enumerate(directorates):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        blocks = [b for b in soup.find_all("div", class_="table-block") if not b.find_parent("details", class_="provenance")]
        if not blocks:
            problems.append(f"{path.name}: geen tabellen")
        for block in blocks:
            link = block.find("a", string="Download deze tabel (CSV)")
            target = (path.parent / link["href"]).resolve() if link else None
            if target is None or not target.exists() or target.parent != (report_dir / "tables" / "directies" / path.stem).resolve():
                problems.append(f"{path.name}: tabel zonder eigen CSV ({link['href'] if link else None})")
            elif not target.with_suffix(".meta.json").exists():
                problems.append(f"{path.name}: CSV zonder metadata voor de uitvoercontrole")
        if not soup.find("a", href="../index.html"):
            problems.append(f"{path.name}: geen link terug naar het overzicht")
        prev, nxt = soup.find("a", rel="prev"), soup.find("a", rel="next")
        want_prev = directorates[i - 1].name if i else None
        want_next = directorates[i + 1].name if i + 1 < len(directorates) else None
        if (prev["href"] if prev else None) != want_prev or (nxt["href"] if nxt else None) != want_next:
            problems.append(f"{path.name}: vorige/volgende {prev and prev['href']}/{nxt and nxt['href']}")
    assert directorates and not problems, "\n".join(problems)


# Sentence-length budgets (B1: at most 25 words a sentence) on the main reading text, see pipeline.report.plain:
# the share of longer sentences, over the pages of each group taken together.
FRONT = ("00_dashboard.html", "index.html")
FRONT_BUDGET = 0.15
CHAPTER_BUDGET = 0.20  # 02 and 05 named in issue 32, and every other chapter page


def _over_budget(report_dir, groups: dict) -> tuple[list[str], int]:
    from pipeline.report.plain import length_report
    problems, seen = [], 0
    for group, most in groups.items():
        rep = length_report(*((report_dir / n).read_text(encoding="utf-8") for n in group))
        seen += len(rep.sentences)
        print(" + ".join(group), f"{rep.share:.0%}")
        if rep.share > most:
            problems.append(f"{' + '.join(group)} (budget {most:.0%}): {rep.describe()}")
    return problems, seen


def test_sentence_length_budget_holds_on_every_chapter_page(report_dir):
    chapters = {(p.name,): CHAPTER_BUDGET for p in sorted(report_dir.glob("[0-9][0-9]_*.html")) if p.name not in FRONT}
    assert {("02_inclusie.html",), ("05_discriminatie.html",)} <= chapters.keys()
    problems, seen = _over_budget(report_dir, chapters)
    assert seen > 150 and not problems, "\n".join(problems)


def test_sentence_length_budget_holds_on_index_and_dashboard(report_dir):
    """Index and dashboard together (their sentences come from headline.py and chapters/dashboard.py)."""
    problems, seen = _over_budget(report_dir, {FRONT: FRONT_BUDGET})
    assert seen > 20 and not problems, "\n".join(problems)


def test_the_reading_aid_explains_the_one_rule_in_short_sentences(pages):
    from pipeline.report.plain import reading_aid, word_count
    aid = reading_aid(pages[0].read_text(encoding="utf-8"))
    assert "We vergelijken veel groepen." in aid and "Dan zijn toevallige verschillen normaal; daarom zijn we streng." in aid
    assert all(word_count(s) <= 25 for s in aid), aid


def test_technical_terms_in_main_text_are_in_the_glossary(pages, report_dir):
    """Every technical word (config/glossary.yaml `technisch`, or a method name such as "Korn–Graubard")
    in the main text of a page (headings and the reading aid included) has a glossary entry."""
    from pipeline.report.glossary import load, missing_terms, used_terms
    from pipeline.report.plain import main_blocks
    g = load()
    assert report_dir / "begrippen.html" in pages
    problems, used = [], set()
    for path in pages:
        text = " ".join(main_blocks(path.read_text(encoding="utf-8"), headings=True))
        used |= used_terms(text, g)
        if missing_terms(text, g):
            problems.append(f"{path.name}: {sorted(missing_terms(text, g))}")
    assert {"kloof", "95%-interval", "aantoonba", "nulmeting", "procentpunt"} <= used
    assert not problems, "\n".join(problems)


def test_every_page_links_the_glossary_which_explains_every_entry(pages, report_dir):
    from bs4 import BeautifulSoup

    from pipeline.report.glossary import load
    problems = []
    for path in pages:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        root = "../" if path.parent.name == "directies" else ""
        in_menu = soup.find("nav", class_="menu").find("a", href=f"{root}begrippen.html")
        in_box = soup.find("aside", class_="howto").find("a", href=f"{root}begrippen.html")
        if in_menu is None or in_box is None:
            problems.append(f"{path.name}: geen link naar Begrippen (menu: {in_menu is not None}, box: {in_box is not None})")
    assert not problems, "\n".join(problems)
    glossary = BeautifulSoup((report_dir / "begrippen.html").read_text(encoding="utf-8"), "html.parser")
    assert [dt.get_text() for dt in glossary.find_all("dt")] == [e.term for e in load().entries]

"""Output guard: the last check before anything is published.

Scans executed notebooks (cell by cell) and rendered HTML pages for
- respondent-level rows: tables with id-like columns, or pseudonyms, e-mail addresses anywhere;
- counts below k: a count column (n, aantal, ...) with a value 1..k-1;
- free-text columns (toelichting, open antwoorden).
`make report` stops with the notebook and cell that leaked, and the leaking chapter's HTML is not written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup

from pipeline.disclosure.errors import DisclosureError  # noqa: F401  (re-exported)

COUNT_HEADERS = {"n", "n_ref", "n referentie", "aantal", "respondenten", "personen", "count"}
ID_HEADERS = re.compile(r"(pseudo|respondent_?id|respondentnummer|personeelsnummer|e-?mail|^naam$|^bsn$)", re.I)
FREE_TEXT_HEADERS = re.compile(r"(toelichting|open antwoord|vrije tekst|free.?text)", re.I)
PSEUDONYM = re.compile(r"\bp[0-9a-f]{20}\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
MAX_ROWS = 500  # an aggregated table is never this long; a respondent listing is


@dataclass(frozen=True)
class Leak:
    file: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file} · {self.where}: {self.reason}"


def _number(text: str) -> float | None:
    t = text.strip().replace("\u202f", "").replace("\u2009", "").replace("\xa0", "").replace(" ", "")
    t = t.replace(".", "").replace(",", ".") if re.fullmatch(r"-?[\d.]+(,\d+)?", t) else t
    try:
        return float(t)
    except ValueError:
        return None


def scan_html_fragment(html: str, k: int) -> list[str]:
    """Reasons why an HTML fragment may disclose an individual (empty list: clean)."""
    reasons = []
    soup = BeautifulSoup(html, "html.parser")
    for t_i, table in enumerate(soup.find_all("table"), 1):
        header_row = table.find("tr")
        headers = [h.get_text(" ", strip=True) for h in header_row.find_all(["th", "td"])] if header_row else []
        rows = table.find_all("tr")[1:]
        for h in headers:
            if ID_HEADERS.search(h):
                reasons.append(f"tabel {t_i}: identificerende kolom '{h}'")
            if FREE_TEXT_HEADERS.search(h):
                reasons.append(f"tabel {t_i}: kolom met vrije tekst '{h}'")
        if len(rows) > MAX_ROWS:
            reasons.append(f"tabel {t_i}: {len(rows)} rijen — lijkt een lijst van respondenten")
        count_idx = [i for i, h in enumerate(headers) if h.strip().lower() in COUNT_HEADERS]
        for r in rows:
            cells = r.find_all(["td", "th"])
            offset = len(cells) - len(headers) if len(cells) > len(headers) else 0  # index cells
            for i in count_idx:
                if i + offset < len(cells):
                    v = _number(cells[i + offset].get_text())
                    if v is not None and 0 < v < k:
                        reasons.append(f"tabel {t_i}: kolom '{headers[i]}' toont {v:g} (< {k})")
    text = soup.get_text(" ")
    if PSEUDONYM.search(text):
        reasons.append("pseudoniem van een respondent in de uitvoer")
    if EMAIL.search(text):
        reasons.append("e-mailadres in de uitvoer")
    return reasons


def scan_notebook(path: str | Path, k: int) -> list[Leak]:
    nb = nbformat.read(path, as_version=4)
    leaks = []
    for idx, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            html = data.get("text/html")
            plain = data.get("text/plain") or out.get("text") or ""
            html = "".join(html) if isinstance(html, list) else html
            plain = "".join(plain) if isinstance(plain, list) else plain
            reasons = scan_html_fragment(html, k) if html else []
            if PSEUDONYM.search(plain):
                reasons.append("pseudoniem van een respondent in tekstuitvoer")
            if EMAIL.search(plain):
                reasons.append("e-mailadres in tekstuitvoer")
            leaks += [Leak(str(path), f"cel {idx} (uitvoering {cell.get('execution_count')})", r)
                      for r in dict.fromkeys(reasons)]
    return leaks


def scan_html(path: str | Path, k: int) -> list[Leak]:
    return [Leak(str(path), "pagina", r) for r in dict.fromkeys(scan_html_fragment(Path(path).read_text(), k))]


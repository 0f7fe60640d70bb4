"""Output guard: the last check before anything is published.

Scans every artefact of a chapter — the executed notebook (cell by cell, and its metadata for build
paths), the rendered HTML page, each exported CSV table and the chapter's rows of the results table —
and the report-wide artefacts (the Excel workbook, dashboard.csv, the index page) for
- respondent-level rows: tables with id-like columns, or pseudonyms, e-mail addresses anywhere;
- counts below k: a column that counts persons with a value 1..k-1. For the CSVs and the results
  table the columns come from the table's own metadata (what `publish` declared as counts), not from
  header names; pages and notebooks fall back to known count headers;
- free-text columns (toelichting, open antwoorden).
`make report` stops with the artefact that leaked; nothing of that chapter's run is published and the
findings and the quarantined outputs are written outside reports/.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

from pipeline.disclosure.errors import DisclosureError  # noqa: F401  (re-exported)

COUNT_HEADERS = {"n", "n_ref", "n referentie", "aantal", "respondenten", "personen", "count", "noemer", "n_van",
                 "n_naar", "n_baseline", "n_repeat", "n van", "n naar", "n nulmeting", "n herhaling"}
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


ABSOLUTE_PATH = re.compile(r"(^|[\s\"'=])(/(home|work|tmp|Users|mnt|data|srv|var)/|[A-Za-z]:\\)")


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def scan_notebook(path: str | Path, k: int) -> list[Leak]:
    import nbformat  # here, not at the top: it costs ~2 s of imports (jsonschema's format checkers) that
    # the release attacker, which reads only the number format of this module, should not pay
    nb = nbformat.read(path, as_version=4)
    leaks = [Leak(str(path), "metadata", f"pad van de bouwomgeving in de metadata: {x[:60]}")
             for x in dict.fromkeys(_strings(nb.metadata)) if ABSOLUTE_PATH.search(x)]
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



def scan_csv(path: str | Path, k: int) -> list[Leak]:
    """An exported table: counts (from its `.meta.json`, else known headers) and identifying content."""
    import json

    import pandas as pd
    path = Path(path)
    df = pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    meta = path.with_suffix(".meta.json")
    counts = json.loads(meta.read_text())["counts"] if meta.exists() else \
        [c for c in df.columns if c.strip().lower() in COUNT_HEADERS]
    return [Leak(str(path), "tabel", r) for r in _scan_frame(df, counts, k)]


def scan_workbook(path: str | Path, tables_dir: str | Path, k: int) -> list[Leak]:
    """The Excel workbook: every sheet is checked like a CSV table, with the count columns of the
    chapter table it was made from (its `.meta.json`, found through the workbook's contents sheet)."""
    import json

    import pandas as pd
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    index = sheets.pop("inhoud", pd.DataFrame(columns=["blad", "hoofdstuk", "tabel"]))
    leaks = []
    for name, df in sheets.items():
        row = index[index["blad"] == name]
        meta = (Path(tables_dir, row["hoofdstuk"].iloc[0], row["bestand"].iloc[0]).with_suffix(".meta.json")
                if len(row) and "bestand" in row else None)
        counts = json.loads(meta.read_text())["counts"] if meta is not None and meta.exists() else \
            [c for c in df.columns if c.strip().lower() in COUNT_HEADERS]
        leaks += [Leak(str(path), f"blad {name}", r) for r in _scan_frame(df, counts, k)]
    return leaks


def scan_dashboard(path: str | Path, k: int) -> list[Leak]:
    """dashboard.csv beside the index page: no identifying content and no count below k."""
    import pandas as pd
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return [Leak(str(path), "dashboard", r) for r in _scan_frame(df, [c for c in df.columns
                                                                      if c.strip().lower() in COUNT_HEADERS], k)]


def _scan_frame(df, counts, k) -> list[str]:
    reasons = []
    for c in df.columns:
        if ID_HEADERS.search(str(c)):
            reasons.append(f"identificerende kolom '{c}'")
        if FREE_TEXT_HEADERS.search(str(c)):
            reasons.append(f"kolom met vrije tekst '{c}'")
    for c in counts:
        if c not in df:
            continue
        for i, v in enumerate(df[c], 1):
            x = _number(str(v))
            if x is not None and 0 < x < k:
                reasons.append(f"kolom '{c}' rij {i} toont {x:g} (< {k})")
    text = " ".join(df.astype(str).to_numpy().ravel()) + " " + " ".join(map(str, df.columns))
    if PSEUDONYM.search(text):
        reasons.append("pseudoniem van een respondent")
    if EMAIL.search(text):
        reasons.append("e-mailadres")
    if len(df) > MAX_ROWS:
        reasons.append(f"{len(df)} rijen — lijkt een lijst van respondenten")
    return list(dict.fromkeys(reasons))


def scan_results(path: str | Path, k: int) -> list[Leak]:
    """A chapter's rows of the results table: no visible row rests on 1..k-1 persons, and a count
    statistic never shows 1..k-1."""
    import pandas as pd
    df = pd.read_parquet(path)
    visible = df[~df["suppressed"].astype(bool)]
    small_n = visible[(visible["n"] > 0) & (visible["n"] < k)]
    small_count = visible[(visible["statistic"] == "count") & (visible["estimate"] > 0) & (visible["estimate"] < k)]
    leaks = [Leak(str(path), f"rij {i + 1}", f"{r['statistic']} {r['indicator']} {r['dimension']}={r['group']} "
                                            f"rust op n = {r['n']:g} (< {k})") for i, r in small_n.iterrows()]
    leaks += [Leak(str(path), f"rij {i + 1}", f"telling {r['indicator']} {r['category']} = {r['estimate']:g} (< {k})")
              for i, r in small_count.iterrows()]
    return leaks

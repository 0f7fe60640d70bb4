"""Per chapter, how many table cells were published and how many disclosure control suppressed.

Why: suppression is a loss of information; the reader (and whoever tunes `min_cell_size` or the
category merges) sees what it cost. Read from the `.meta.json` that every exported table carries.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd


def suppression_summary(tables_dir: str | Path, chapters: list[str]) -> pd.DataFrame:
    """One row per chapter: tables, cells published, cells suppressed, share suppressed."""
    rows = []
    for ch in chapters:
        shown = hidden = n = 0
        for meta in sorted(Path(tables_dir, ch).glob("*.meta.json")):
            cells = json.loads(meta.read_text()).get("cells")
            if cells:
                n, shown, hidden = n + 1, shown + cells[0], hidden + cells[1]
        if n:
            rows.append({"hoofdstuk": ch, "tabellen": n, "gepubliceerd": shown, "onderdrukt": hidden,
                         "aandeel onderdrukt": hidden / (shown + hidden) if shown + hidden else 0.0})
    return pd.DataFrame(rows, columns=["hoofdstuk", "tabellen", "gepubliceerd", "onderdrukt", "aandeel onderdrukt"])


def summary_html(table: pd.DataFrame, k: int) -> str:
    if table.empty:
        return ""
    body = "".join(
        f"<tr><td>{html.escape(r.hoofdstuk)}</td><td>{r.tabellen}</td><td>{r.gepubliceerd}</td>"
        f"<td>{r.onderdrukt}</td><td>{100 * r._5:.1f}%</td></tr>".replace(".", ",") for r in table.itertuples())
    head = "".join(f'<th scope="col">{h}</th>' for h in ("hoofdstuk", "tabellen", "cellen gepubliceerd",
                                                          "cellen onderdrukt", "aandeel onderdrukt"))
    return ("<h2>Onthullingscontrole</h2><p>Cijfers over minder dan " + str(k) + " respondenten of personen, en "
            "cijfers waaruit die zouden zijn af te leiden, zijn niet getoond. Per hoofdstuk het aantal getoonde en "
            "onderdrukte tabelcellen.</p><div class=\"scroll\"><table><caption>Gepubliceerde en onderdrukte cellen "
            f"per hoofdstuk</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")

"""The index page reviewers open first: chapter links and provenance of the run."""
from __future__ import annotations

import html
from datetime import date

import base64
from pathlib import Path

import pandas as pd

from pipeline.io import atomic_path, atomic_write_text, git_commit
from pipeline.settings import Settings

DASHBOARD_DIR = "_dashboard"


def save_dashboard(dash: pd.DataFrame, fig, reports_dir: Path, alt: str) -> None:
    """Write the dashboard figure (deterministic PNG) and table for the index page."""
    out = Path(reports_dir) / DASHBOARD_DIR
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "dashboard.alt", alt)  # the image's alt text
    from pipeline.report.display import png_bytes
    with atomic_path(out / "dashboard.png") as tmp:
        Path(tmp).write_bytes(png_bytes(fig))
    with atomic_path(out / "dashboard.csv") as tmp:  # the precision of the pages, not full floats
        dash.to_csv(tmp, index=False, float_format="%.3f")


def _dashboard_html(reports_dir: Path, start: int | None = None) -> str:
    """Findings in words and what a change is not (`start`: the programme's first year), then the
    figure, then the dashboard table with units, target and verdict."""
    from pipeline.report import headline
    from pipeline.report.display import _html_table
    d = Path(reports_dir) / DASHBOARD_DIR
    if not (d / "dashboard.png").exists():
        return ""
    img = base64.b64encode((d / "dashboard.png").read_bytes()).decode()
    dash = pd.read_csv(d / "dashboard.csv")
    alt_file = d / "dashboard.alt"
    alt = alt_file.read_text(encoding="utf-8") if alt_file.exists() else "Programma-indicatoren in één oogopslag"
    items = "".join(f"<li>{html.escape(f)}</li>" for f in headline.findings(dash))
    table = _html_table(headline.readable(dash), "Programma-indicatoren: stand, streefcijfer en verandering sinds "
                        "de nulmeting")
    note = html.escape(headline.programme_note(dash, start))
    return (f'<h2 id="uitkomsten">Belangrijkste uitkomsten</h2><ul class="findings">{items}</ul>'
            f'<p class="note">{note}</p>'
            '<h2 id="dashboard">Dashboard</h2>'
            f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{img}">'
            f'<div class="scroll">{table}</div>'
            f'<p class="download"><a href="{DASHBOARD_DIR}/dashboard.csv" download>Download de cijfers van het dashboard '
            '(CSV)</a> · <a href="tabellen.xlsx">alle tabellen (Excel)</a></p>')


def _css() -> str:
    return (Path(__file__).parent / "templates" / "inclusiemonitor" / "report.css").read_text(encoding="utf-8")


PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>{css}
.scroll{{overflow-x:auto;max-width:100%}} img{{max-width:100%;height:auto}} h1{{color:#c00000}}</style>
</head><body><main>
<h1>{title}</h1>
<p>{intro}</p>
{dashboard}
<h2 id="hoofdstukken">Hoofdstukken</h2>
<ul>
{items}
</ul>
{extra}
{disclosure}
<details class="provenance"><summary>Over deze uitgave</summary>
<p class="meta">Code: {commit} · kleinste getoonde groep: {k} respondenten · gemaakt op {today}</p></details>
</main></body></html>
"""


def _extra_html(extra: list[dict]) -> str:
    """Further pages (e.g. one per directorate): a titled list of links, or nothing."""
    if not extra:
        return ""
    items = "\n".join(f'<li><a href="{html.escape(p["href"])}">{html.escape(p["title"])}</a>'
                      f' — {html.escape(p.get("summary", ""))}</li>' for p in extra)
    return f"<h2>Per directie</h2>\n<ul>\n{items}\n</ul>"


def _disclosure_html(settings: Settings, chapters: list[dict]) -> str:
    from pipeline.disclosure.summary import suppression_summary, summary_html
    table = suppression_summary(settings.reports_dir / "tables", [c["name"] for c in chapters])
    return summary_html(table, settings.min_cell_size)


def write_index(settings: Settings, chapters: list[dict], extra: list[dict] = ()):
    """`extra`: further pages listed under their own heading (the directorate pages: href, title, summary)."""
    from pipeline.report.pages import decorate, page_list
    pages = page_list(chapters)
    items = "\n".join(f'<li><a href="{html.escape(p.href)}">{html.escape(p.title)}</a>'
                      + (f' — {html.escape(c.get("summary", ""))}' if c else "") + "</li>"
                      for p, c in zip(pages[1:], chapters))
    today = date.today().isoformat()
    prog = settings.programme
    name = f" {prog['name']}" if prog.get("name") else ""
    years = f" {prog['start']}–{prog['end']}" if prog.get("start") and prog.get("end") else ""
    page = PAGE.format(title="Monitor Inclusie en Diversiteit — gemeente Amsterdam als werkgever", css=_css(),
                       intro="Jaarlijkse meting van ervaren inclusie, sociale veiligheid, discriminatie en de "
                             f"streefcijfers van het programma{name}{years}.",
                       items=items, extra=_extra_html(list(extra)),
                       dashboard=_dashboard_html(settings.reports_dir, prog.get("start")),
                       disclosure=_disclosure_html(settings, chapters), commit=html.escape(git_commit()),
                       k=settings.min_cell_size, today=today)
    page = decorate(page, pages, "index.html", demo=settings.demo, k=settings.min_cell_size, after="p.note")
    return atomic_write_text(settings.reports_dir / "index.html", page)

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


def save_dashboard(dash: pd.DataFrame, fig, reports_dir: Path) -> None:
    """Write the dashboard figure (deterministic PNG) and table for the index page."""
    out = Path(reports_dir) / DASHBOARD_DIR
    out.mkdir(parents=True, exist_ok=True)
    from pipeline.report.display import figure_description
    atomic_write_text(out / "dashboard.alt", figure_description(fig))  # the image's alt text
    with atomic_path(out / "dashboard.png") as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    with atomic_path(out / "dashboard.csv") as tmp:  # the precision of the pages, not full floats
        dash.to_csv(tmp, index=False, float_format="%.3f")


def _dashboard_html(reports_dir: Path) -> str:
    d = Path(reports_dir) / DASHBOARD_DIR
    if not (d / "dashboard.png").exists():
        return ""
    img = base64.b64encode((d / "dashboard.png").read_bytes()).decode()
    dash = pd.read_csv(d / "dashboard.csv")
    alt_file = d / "dashboard.alt"
    alt = alt_file.read_text(encoding="utf-8") if alt_file.exists() else "Programma-indicatoren in één oogopslag"

    def fmt(v, pct):
        if pd.isna(v):
            return "—"
        return (f"{100 * v:+.1f} %-punt" if pct else f"{v:+.3f}").replace(".", ",")
    rows = "".join(
        f"<tr><td>{html.escape(r.indicator)}</td><td>{r.periode}</td>"
        f"<td>{fmt(r.stand, False).lstrip('+')}</td><td>{fmt(r.verandering, r.eenheid.startswith('aandeel'))}</td>"
        f"<td>{html.escape(r.significant)}</td><td>{html.escape(r.richting)}</td></tr>" for r in dash.itertuples())
    head = "".join(f'<th scope="col">{h}</th>' for h in
                   ("indicator", "periode", "stand", "verandering", "significant (BH)", "richting"))
    return (f'<h2>Dashboard</h2><img alt="{html.escape(alt)}" src="data:image/png;base64,{img}">'
            '<div class="scroll"><table><caption>Programma-indicatoren: stand, verandering sinds de nulmeting, '
            f'significantie en richting</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>')

PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;line-height:1.5;overflow-wrap:break-word;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
h1{{color:#c00000;overflow-wrap:break-word}} li{{margin:.4rem 0}} a{{color:#0a58ca;text-decoration:underline}} a:visited{{color:#5a2a9e}}
img{{max-width:100%;height:auto}} .scroll{{overflow-x:auto;max-width:100%}}
table{{border-collapse:collapse;font-size:.9rem}} caption{{text-align:left;font-weight:600;padding:.25rem 0}}
td,th{{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}} .meta{{color:#595959;font-size:.9rem}} .demo{{background:#fff3cd;padding:.6rem;border-radius:4px}}
@media print{{.scroll{{overflow:visible}} table{{width:100%;font-size:8.5pt}} td,th{{overflow-wrap:break-word}} a{{color:inherit}}}}</style>
</head><body><main>
<h1>{title}</h1>
{demo}
<p>{intro}</p>
{dashboard}
<h2>Hoofdstukken</h2>
<ul>
{items}
</ul>
{extra}
{disclosure}
<p class="meta">Code: {commit} · kleinste getoonde groep: {k} respondenten · gemaakt op {today}</p>
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
    items = "\n".join(f'<li><a href="{html.escape(c["name"])}.html">{html.escape(c["title"])}</a>'
                      f' — {html.escape(c.get("summary", ""))}</li>' for c in chapters)
    demo = ('<p class="demo"><strong>Let op:</strong> dit rapport is gemaakt op <em>synthetische demodata</em>; '
            'de cijfers zeggen niets over de gemeente.</p>') if settings.demo else ""
    today = date.today().isoformat()
    page = PAGE.format(title="Monitor Inclusie en Diversiteit — gemeente Amsterdam als werkgever", demo=demo,
                       intro="Jaarlijkse meting van ervaren inclusie, sociale veiligheid, discriminatie en de "
                             "streefcijfers van het programma Inclusie en Diversiteit 2024–2028.",
                       items=items, extra=_extra_html(list(extra)), dashboard=_dashboard_html(settings.reports_dir),
                       disclosure=_disclosure_html(settings, chapters), commit=html.escape(git_commit()), k=settings.min_cell_size, today=today)
    return atomic_write_text(settings.reports_dir / "index.html", page)

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
    with atomic_path(out / "dashboard.png") as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    with atomic_path(out / "dashboard.csv") as tmp:
        dash.to_csv(tmp, index=False)


def _dashboard_html(reports_dir: Path) -> str:
    d = Path(reports_dir) / DASHBOARD_DIR
    if not (d / "dashboard.png").exists():
        return ""
    img = base64.b64encode((d / "dashboard.png").read_bytes()).decode()
    dash = pd.read_csv(d / "dashboard.csv")

    def fmt(v, pct):
        if pd.isna(v):
            return "—"
        return (f"{100 * v:+.1f} %-punt" if pct else f"{v:+.3f}").replace(".", ",")
    rows = "".join(
        f"<tr><td>{html.escape(r.indicator)}</td><td>{r.periode}</td>"
        f"<td>{fmt(r.stand, False).lstrip('+')}</td><td>{fmt(r.verandering, r.eenheid.startswith('aandeel'))}</td>"
        f"<td>{html.escape(r.significant)}</td><td>{html.escape(r.richting)}</td></tr>" for r in dash.itertuples())
    return (f'<h2>Dashboard</h2><img alt="dashboard" style="max-width:100%" src="data:image/png;base64,{img}">'
            "<table><tr><th>indicator</th><th>periode</th><th>stand</th><th>verandering</th><th>significant (BH)</th>"
            f"<th>richting</th></tr>{rows}</table>")

PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
h1{{color:#ec0000}} li{{margin:.4rem 0}} table{{border-collapse:collapse;font-size:.9rem}} td,th{{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left}} .meta{{color:#666;font-size:.9rem}} .demo{{background:#fff3cd;padding:.6rem;border-radius:4px}}</style>
</head><body>
<h1>{title}</h1>
{demo}
<p>{intro}</p>
{dashboard}
<h2>Hoofdstukken</h2>
<ul>
{items}
</ul>
<p class="meta">Code: {commit} · kleinste getoonde groep: {k} respondenten · gemaakt op {today}</p>
</body></html>
"""


def write_index(settings: Settings, chapters: list[dict]):
    items = "\n".join(f'<li><a href="{html.escape(c["name"])}.html">{html.escape(c["title"])}</a>'
                      f' — {html.escape(c.get("summary", ""))}</li>' for c in chapters)
    demo = ('<p class="demo"><strong>Let op:</strong> dit rapport is gemaakt op <em>synthetische demodata</em>; '
            'de cijfers zeggen niets over de gemeente.</p>') if settings.demo else ""
    today = date.today().isoformat()
    page = PAGE.format(title="Monitor Inclusie en Diversiteit — gemeente Amsterdam als werkgever", demo=demo,
                       intro="Jaarlijkse meting van ervaren inclusie, sociale veiligheid, discriminatie en de "
                             "streefcijfers van het programma Inclusie en Diversiteit 2024–2028.",
                       items=items, dashboard=_dashboard_html(settings.reports_dir), commit=html.escape(git_commit()), k=settings.min_cell_size, today=today)
    return atomic_write_text(settings.reports_dir / "index.html", page)

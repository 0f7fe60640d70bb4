"""The index page reviewers open first: chapter links and provenance of the run."""
from __future__ import annotations

import html
import os
from datetime import date

from pipeline.report.provenance import git_commit
from pipeline.settings import Settings

PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}
h1{{color:#ec0000}} li{{margin:.4rem 0}} .meta{{color:#666;font-size:.9rem}} .demo{{background:#fff3cd;padding:.6rem;border-radius:4px}}</style>
</head><body>
<h1>{title}</h1>
{demo}
<p>{intro}</p>
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
                       items=items, commit=html.escape(git_commit()), k=settings.min_cell_size, today=today)
    path = settings.reports_dir / "index.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path

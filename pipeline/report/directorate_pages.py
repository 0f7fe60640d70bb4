"""The directorate pages (reports/directies/<code>.html) as one step of `make report`.

Why one step and no kernel per page: ~40 pages must fit in the report's time budget. The step
publishes everything once for all directorates (pipeline.chapters.directorate.prepare), then renders
each page in this process: the same display code and nbconvert template as the chapters, fed with
captured display outputs instead of an executed notebook (a kernel start costs more than a page).
A page is rebuilt only when its own content changed (a key per page over the published tables it
shows), so adding a target or a directorate's page redraws only the pages it touches. Like a chapter,
every page goes through the output guard in a staging folder; a leak publishes nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from functools import lru_cache
from pathlib import Path

import pandas as pd

from pipeline.io import atomic_write_text, move, sha256

NAME = "directies"
LISTING = "pages.json"


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


EXPORT_ENV = ("INCLUSIEMONITOR_TABLES", "INCLUSIEMONITOR_RESULTS", "INCLUSIEMONITOR_TABLES_URL",
              "INCLUSIEMONITOR_WORKBOOK_URL")


def render(ch, title: str, page: dict | None = None, tables: Path | None = None, tables_url: str = "",
           neighbours: tuple[dict | None, dict | None] = (None, None)) -> str:
    """A chapter's page without a kernel: its display outputs captured in this process, turned into
    notebook outputs and exported with the report's nbconvert template; `page`: the shared parts
    (menu, banner, reading aid: pipeline.report.pages.decorate). `tables`: the page's own folder for
    its tables' CSVs (linked as `tables_url`; in no workbook, so no workbook link); `neighbours`: the
    previous and next directorate page ({"href", "title"}) for the navigation."""
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from pipeline.report import display as show
    InteractiveShell.instance()
    saved = {var: os.environ.pop(var, None) for var in EXPORT_ENV}  # no chapter exports from here
    if tables is not None:
        os.environ.update({"INCLUSIEMONITOR_TABLES": str(tables), "INCLUSIEMONITOR_TABLES_URL": tables_url,
                           "INCLUSIEMONITOR_WORKBOOK_URL": ""})
    try:
        with capture_output() as cap:
            show.chapter(ch)
    finally:
        for var, value in saved.items():
            os.environ.pop(var, None)
            if value is not None:
                os.environ[var] = value
    outputs = [{"output_type": "display_data", "data": o.data, "metadata": o.metadata or {}} for o in cap.outputs]
    nb = nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": {"title": title},
                             "cells": [{"cell_type": "code", "id": "page", "source": "", "metadata": {},
                                        "execution_count": None, "outputs": outputs}]})
    body, _ = _html_exporter().from_notebook_node(nb)
    top, bottom = navigation(*neighbours)
    body = body.replace("<main>", "<main>" + top, 1)
    if page:
        from pipeline.report.pages import decorate
        body = decorate(body, page["pages"], page["current"], demo=page["demo"], k=page["k"])
    body = body.replace("</main>", bottom + "</main>", 1)
    return body


def navigation(previous: dict | None, following: dict | None) -> tuple[str, str]:
    """Back to the index and the previous and next directorate page (in the index's order): at the
    top of the page, and previous/next again at the bottom (like the chapters' "prevnext")."""
    import html
    step = []
    if previous:
        step.append(f'<a href="{html.escape(previous["href"])}" rel="prev">← Vorige directie: '
                    f'{html.escape(previous["title"])}</a>')
    if following:
        step.append(f'<a href="{html.escape(following["href"])}" rel="next">Volgende directie: '
                    f'{html.escape(following["title"])} →</a>')
    top = ('<nav aria-label="Directiepagina\'s" class="page-nav"><p>'
           + " · ".join(['<a href="../index.html">← Terug naar het overzicht</a>', *step]) + "</p></nav>")
    bottom = (f'<nav class="prevnext" aria-label="Vorige en volgende directie">{" ".join(step)}</nav>'
              if step else "")
    return top, bottom


@lru_cache(maxsize=1)
def _html_exporter():
    """The chapters' nbconvert exporter, made once per process (its template loading is the slow part)."""
    from pipeline.report.render import exporter
    return exporter()


def run(config: str, uses: list[str], code: str) -> None:
    """Build, guard and publish the directorate pages of this run, and their results rows."""
    from pipeline.chapters import directorate as D
    from pipeline.disclosure.guard import DisclosureError, scan_csv, scan_html, scan_results
    from pipeline.settings import load_settings
    settings = load_settings(config)
    reports, k = settings.reports_dir, settings.min_cell_size
    parts = [reports / "results" / f"{c}.parquet" for c in uses]
    frames = [pd.read_parquet(p) for p in parts if p.exists()]
    survey = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["chapter", "table", "indicator", "group", "dimension", "waves"])
    shared = D.prepare(settings, survey)
    codes = D.pages(settings, shared.names)
    from pipeline.report.build import chapter_specs
    from pipeline.report.pages import page_list
    menu = page_list(chapter_specs(settings))
    out_dir, results_file = reports / NAME, reports / "results" / f"{NAME}.parquet"
    stage = reports.parent / ".staging" / reports.name / NAME
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    state = reports / ".state" / f"{NAME}_pages.json"
    before = json.loads(state.read_text()) if state.exists() else {}
    keys, listing, leaks, rebuilt = {}, [], [], []
    # each page's tables as CSV in its own folder: linked from the page only (not in the workbook)
    tables_out, tables_stage = reports / "tables" / NAME, stage / "tables"
    titles = {c: f"Directie {shared.names.get(c, c)}" for c in codes}
    for i, c in enumerate(codes):
        inputs = D.page_inputs(shared, c)
        near = tuple({"href": f"{n}.html", "title": titles[n]} if n else None
                     for n in (codes[i - 1] if i else None, codes[i + 1] if i + 1 < len(codes) else None))
        keys[c] = {"key": _digest(code, D.key_material(inputs), near)}
        page = out_dir / f"{c}.html"
        title = titles[c]
        listing.append({"href": f"{NAME}/{c}.html", "title": title,
                        "summary": "actieplan met eigen streefcijfers" if inputs["own_targets"]
                        else "streefcijfers van de gemeente"})
        old = before.get(c, {})
        if (old.get("key") == keys[c]["key"] and page.exists() and sha256(page) == old.get("sha256")
                and (tables_out / c).is_dir()):
            keys[c]["sha256"] = old["sha256"]
            continue
        staged = stage / f"{c}.html"
        atomic_write_text(staged, render(D.build_page(inputs), title, {"pages": menu, "current": f"{NAME}/{c}.html",
                                                                       "demo": settings.demo, "k": k},
                                         tables=tables_stage / c, tables_url=f"../tables/{NAME}/{c}", neighbours=near))
        leaks += scan_html(staged, k)
        leaks += [x for p in sorted((tables_stage / c).glob("*.csv")) for x in scan_csv(p, k)]
        keys[c]["sha256"] = sha256(staged)
        rebuilt.append(c)
    rows = D.results(shared, codes)
    table = rows.assign(chapter=NAME) if len(rows) else None
    staged_results = stage / f"{NAME}.parquet"
    if table is not None:
        table.to_parquet(staged_results, index=False)
        leaks += scan_results(staged_results, k)
    if leaks:
        quarantine = move(stage, reports.parent / ".quarantaine" / reports.name / NAME)
        atomic_write_text(quarantine / "BEVINDINGEN.txt", "\n".join(map(str, leaks)) + "\n")
        raise DisclosureError([*leaks, f"niets gepubliceerd; uitvoer en bevindingen in quarantaine: {quarantine}"])
    out_dir.mkdir(parents=True, exist_ok=True)
    tables_out.mkdir(parents=True, exist_ok=True)
    for c in rebuilt:
        move(stage / f"{c}.html", out_dir / f"{c}.html")
        shutil.rmtree(tables_out / c, ignore_errors=True)
        (tables_stage / c).mkdir(parents=True, exist_ok=True)  # a page without tables still has its folder
        move(tables_stage / c, tables_out / c)
    for p in out_dir.glob("*.html"):  # pages of directorates no longer configured
        if p.stem not in keys:
            p.unlink()
    for p in tables_out.iterdir():
        if p.name not in keys:
            shutil.rmtree(p, ignore_errors=True)
    atomic_write_text(out_dir / LISTING, json.dumps(listing, ensure_ascii=False, indent=0))
    if table is not None:
        move(staged_results, results_file)
    else:
        results_file.unlink(missing_ok=True)
    atomic_write_text(state, json.dumps(keys, indent=0, sort_keys=True))
    shutil.rmtree(stage, ignore_errors=True)
    print(f"[directies] {len(codes)} pagina's, {len(rebuilt)} opnieuw gemaakt", flush=True)


def links(reports: Path) -> list[dict]:
    """The pages of the last run, for the index (empty if there are none)."""
    f = Path(reports) / NAME / LISTING
    return json.loads(f.read_text()) if f.exists() else []


def steps(settings, code: str, cleaned: list, chapters: list) -> list:
    """The step of the report graph (none when `directorate_pages: none`): after the register is
    cleaned and the survey chapters it reads have published their results."""
    from pipeline.analysis.targets import declared_path
    from pipeline.chapters.directorate import USES
    from pipeline.report.build import Step, _key
    if settings.directorate_pages == "none" or not settings.waves("register"):
        return []
    reports = settings.reports_dir
    names = {c.name for c in chapters}
    uses = [u for u in USES if u in names]
    deps = [c.name for c in cleaned if c.source == "register"] + uses
    return [Step(NAME, "directiepagina's", run, (str(settings.path), uses, code),
                 [reports / NAME, reports / "results" / f"{NAME}.parquet"], reports / ".state" / f"{NAME}.json",
                 _key(NAME, code, sha256(declared_path(settings["targets"])), uses, settings.raw),
                 deps=deps, cost=2.0, checked=[reports / "tables" / NAME])]

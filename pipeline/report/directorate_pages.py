"""The directorate pages (reports/directies/<code>.html) as steps of `make report`.

Why several steps and no kernel per page: ~40 pages must fit in the report's time budget. The pages
are split over a few steps (`shard` of a page: a stable hash of its directorate code), which run in
parallel with the chapters as soon as the register is cleaned and the survey chapters they quote have
published. Each step publishes the register tables once for all directorates (so the disclosure rules
see every directorate at the same time: pipeline.chapters.directorate.prepare) and renders its own
pages in its process: the same display code and nbconvert template as the chapters, fed with captured
display outputs instead of an executed notebook (a kernel start costs more than a page).
A step's key holds only the targets its pages show (the organisation's and its own directorates'), and
a page is rebuilt only when its own content changed (a key per page over the published tables it
shows): a new target of a directorate that has a page redraws that page only; a new page also
redraws its neighbours (their previous/next links), and no chapter reruns. Like a
chapter, every page goes through the output guard in a staging folder; a leak publishes nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from functools import lru_cache
from pathlib import Path

from pipeline.io import atomic_write_text, move, sha256

NAME = "directies"
LISTING = "pages.json"  # pages_<shard>.json: each step lists its own pages; the index reads them all
SHARDS = 4  # steps for many pages (`all`); a few pages (`plans`, at most FEW) take one
FEW = 8


def shard_of(code: str, shards: int) -> int:
    """The step a directorate's page belongs to: stable whatever other pages exist, so adding a page
    or a target touches one step only."""
    return int(hashlib.sha256(code.encode()).hexdigest(), 16) % shards


def step_name(shard: int, shards: int) -> str:
    return NAME if shards == 1 else f"{NAME}_{shard + 1}"


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


def run(settings, uses: list[str], code: str, shard: int = 0, shards: int = 1) -> None:
    """Build, guard and publish the directorate pages of one step (`shard` of `shards`), its listing
    and its results rows."""
    import pandas as pd  # here, not at the top: the build makes these steps on every run, also a no-op

    from pipeline.chapters import directorate as D
    from pipeline.disclosure.guard import DisclosureError, scan_csv, scan_html, scan_results
    reports, k = settings.reports_dir, settings.min_cell_size
    os.environ["INCLUSIEMONITOR_MIN_CELL_SIZE"] = str(k)  # the tables' footnotes name it (else read per table)
    parts = [reports / "results" / f"{c}.parquet" for c in uses]
    frames = [pd.read_parquet(p) for p in parts if p.exists()]
    survey = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["chapter", "table", "indicator", "group", "dimension", "waves"])
    shared = D.prepare(settings, survey)
    every = D.pages(settings, shared.names)  # all pages, in the index's (code) order: the navigation runs through them
    codes = [c for c in every if shard_of(c, shards) == shard]
    name = step_name(shard, shards)
    from pipeline.report.graph import chapter_specs
    from pipeline.report.pages import page_list
    menu = page_list(chapter_specs(settings))
    out_dir, results_file = reports / NAME, reports / "results" / f"{name}.parquet"
    from pipeline.io import quarantine_dir
    from pipeline.report.release import step_dir
    stage = step_dir(reports, name)
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    state = reports / ".state" / f"{name}_pages.json"
    before = json.loads(state.read_text()) if state.exists() else {}
    keys, listing, leaks, rebuilt = {}, [], [], []
    # each page's tables as CSV in its own folder: linked from the page only (not in the workbook)
    tables_out, tables_stage = reports / "tables" / NAME, stage / "tables"
    titles = {c: f"Directie {shared.names.get(c, c)}" for c in every}
    for c in codes:
        inputs = D.page_inputs(shared, c)
        i = every.index(c)
        near = tuple({"href": f"{n}.html", "title": titles[n]} if n else None
                     for n in (every[i - 1] if i else None, every[i + 1] if i + 1 < len(every) else None))
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
    table = D.results(shared, codes).assign(chapter=NAME)  # written even when empty: the step's output
    staged_results = stage / f"{name}.parquet"
    table.to_parquet(staged_results, index=False)
    leaks += scan_results(staged_results, k)
    if leaks:
        quarantine = move(stage, quarantine_dir(reports) / name)
        atomic_write_text(quarantine / "BEVINDINGEN.txt", "\n".join(map(str, leaks)) + "\n")
        raise DisclosureError([*leaks, f"niets gepubliceerd; uitvoer en bevindingen in quarantaine: {quarantine}"])
    out_dir.mkdir(parents=True, exist_ok=True)
    tables_out.mkdir(parents=True, exist_ok=True)
    for c in rebuilt:
        move(stage / f"{c}.html", out_dir / f"{c}.html")
        shutil.rmtree(tables_out / c, ignore_errors=True)
        (tables_stage / c).mkdir(parents=True, exist_ok=True)  # a page without tables still has its folder
        move(tables_stage / c, tables_out / c)
    for p in out_dir.glob("*.html"):  # this step's pages of directorates no longer configured
        if shard_of(p.stem, shards) == shard and p.stem not in keys:
            p.unlink()
    for p in tables_out.iterdir():  # and their tables
        if shard_of(p.name, shards) == shard and p.name not in keys:
            shutil.rmtree(p, ignore_errors=True)
    for p in out_dir.glob("pages*.json"):  # listings of another split into steps
        if p.name != listing_name(shard, shards) and not _listed(p.name, shards):
            p.unlink()
    atomic_write_text(out_dir / listing_name(shard, shards), json.dumps(listing, ensure_ascii=False, indent=0))
    move(staged_results, results_file)
    atomic_write_text(state, json.dumps(keys, indent=0, sort_keys=True))
    shutil.rmtree(stage, ignore_errors=True)
    print(f"[{name}] {len(codes)} pagina's, {len(rebuilt)} opnieuw gemaakt", flush=True)


def listing_name(shard: int, shards: int) -> str:
    return LISTING if shards == 1 else f"pages_{shard + 1}.json"


def _listed(file: str, shards: int) -> bool:
    """Whether a listing file belongs to the current split into `shards` steps."""
    return file in {listing_name(i, shards) for i in range(shards)}


def links(reports: Path) -> list[dict]:
    """The pages of the last run, for the index, in code order (empty if there are none)."""
    out = []
    for f in sorted((Path(reports) / NAME).glob("pages*.json")):
        out += json.loads(f.read_text())
    return sorted(out, key=lambda p: p["href"])


def steps(settings, code: str, cleaned: list, chapters: list) -> list:
    """The steps of the report graph (none when `directorate_pages: none`): one for a few pages, SHARDS
    for many, each after the register is cleaned and the survey chapters it reads have published
    their results; each keyed on the targets its pages show."""
    from pipeline.analysis.target_spec import declared_entries
    from pipeline.page_sources import USES, plans
    from pipeline.report.graph import Step, _key, config_key, input_check
    if settings.directorate_pages == "none" or not settings.waves("register"):
        return []
    reports = settings.reports_dir
    names = {c.name for c in chapters}
    uses = [u for u in USES if u in names]
    deps = [c.name for c in cleaned if c.source == "register"] + uses
    own = plans(settings.targets)
    shards = 1 if settings.directorate_pages == "plans" and len(own) <= FEW else SHARDS
    per_page = 0.5  # measured seconds per page (two charts, five tables), beside ~1.5 s to publish the tables
    # the archived releases the audit reads (config disclosure.audit.archive): a new one reruns the pages
    archived = [(p.parent.name, hashlib.sha256(p.read_bytes()).hexdigest())
                for p in sorted(settings.archive_dir.glob("*/results.csv"))]
    out = []
    for i in range(shards):
        name = step_name(i, shards)
        mine = sorted(c for c in own if shard_of(c, shards) == i)  # its directorates with targets of their own
        pages = len(mine) if settings.directorate_pages == "plans" else 40 / shards
        targets = declared_entries(settings["targets"], mine)
        out.append(Step(name, "directiepagina's" + ("" if shards == 1 else f" ({i + 1}/{shards})"), run,
                        # a page is redrawn when the code or report.yaml changed (its menu, banner, rules), or its content
                        (settings, uses, _key(code, config_key(settings, "all")), i, shards),
                        [reports / NAME / listing_name(i, shards), reports / "results" / f"{name}.parquet"],
                        reports / ".state" / f"{name}.json",
                        # the page list too: a new page changes its neighbours' previous/next links
                        _key(NAME, code, i, shards, targets, uses, config_key(settings, ["register"]),
                             sorted(own) if settings.directorate_pages == "plans" else "all", archived),
                        deps=deps, cost=1.5 + per_page * pages,
                        check=input_check(settings, [c for c in cleaned if c.source == "register"], ["register"]),
                        publishes=[reports / NAME, reports / "tables" / NAME]))
    return out

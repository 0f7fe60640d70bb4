"""`make report`: raw -> processed -> chapter notebooks -> HTML -> index, rerunning only what changed.

Why: researchers rerun the report many times while checking a wave. Each step records a key (hash of
its inputs, code and parameters) and the sha256 of every output it wrote; a step is skipped only when
its key is unchanged and its outputs on disk are still exactly what it wrote. An output changed by
hand (or by a cleaning step run by hand into data/processed) reruns its step, and the progress line
says so.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Callable

from pipeline.config import ROOT
from pipeline.io import atomic_path, atomic_write_text, move, sha256
# the graph's nodes and keys (pipeline.report.graph), also named from here
from pipeline.report.digests import Digests
from pipeline.report.graph import (NOTEBOOKS, Step, _check_inputs, _key, chapter_specs, config_key,  # noqa: F401
                                   input_check)
from pipeline.settings import Settings, load_settings, resolved

CHAPTERS = ROOT / "config" / "chapters.yaml"


def code_hash(exclude: tuple[Path, ...] = ()) -> str:
    """Hash of the package and config sources: any code change invalidates downstream outputs.
    `exclude`: config files only some steps read (the report config, whose sections each chapter
    step holds as it read them, `config_key`; the declared targets); those steps hash them."""
    h = hashlib.sha256()
    templates = [p for p in (ROOT / "pipeline" / "report" / "templates").rglob("*") if p.is_file()]  # page templates, CSS
    skip = {Path(p).resolve() for p in exclude}
    for p in sorted([*(ROOT / "pipeline").rglob("*.py"), *templates, *(ROOT / "config").rglob("*.yaml")]):
        if p.resolve() in skip:
            continue
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


# what a cleaning step reads besides its raw file, its codebook (versioned in its key) and report.yaml's
# `groups`: an edit of a chapter, the report pages, chapters.yaml or the rest of report.yaml reruns no cleaning
CLEANING_READS = ("pipeline/clean", "pipeline/codebook", "pipeline/config.py", "pipeline/io.py", "pipeline/sources.py",
                  "pipeline/settings.py", "config/classifications.yaml", "config/codebooks")


def cleaning_code_hash() -> str:
    """Hash of the code and configuration a cleaning step reads (CLEANING_READS)."""
    h = hashlib.sha256()
    for part in CLEANING_READS:
        p = ROOT / part
        for f in sorted(p.rglob("*") if p.is_dir() else [p]):
            if f.is_file() and f.suffix in (".py", ".yaml"):
                h.update(f.relative_to(ROOT).as_posix().encode())
                h.update(f.read_bytes())
    return h.hexdigest()[:16]


ABSENT = "-"  # recorded for a checked output that the step did not write (e.g. a chapter without tables)


# the build's remembered file digests (pipeline.report.digests), set for the length of a build
DIGESTS: Digests | None = None


def file_hash(path: Path) -> str:
    """sha256 of a file (remembered by its status during a build)."""
    return DIGESTS.sha256(path) if DIGESTS is not None else sha256(path)


def content_hash(path: Path) -> str:
    """sha256 of a file; of a folder, over its files' relative names and sha256s; ABSENT if neither."""
    if path.is_file():
        return file_hash(path)
    if path.is_dir():
        h = hashlib.sha256()
        for p in sorted(q for q in path.rglob("*") if q.is_file()):
            h.update(f"{p.relative_to(path).as_posix()}\0{file_hash(p)}\n".encode())
        return h.hexdigest()
    return ABSENT


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def _names(paths: list[Path]) -> str:
    return ", ".join(p.name for p in paths)


def _stale(state: Path, key: str, outputs: list[Path], digest: Callable[[Path], str] = content_hash,
           checked: list[Path] = ()) -> str | None:
    """None when the step is up to date: same key, and every output (and checked file or folder) on disk
    is what the step recorded when it finished. Otherwise why it must run: "nieuw" or "gewijzigd" (a
    new or changed key: nothing to report), or a Dutch reason for the progress line."""
    if not state.exists():
        return "nieuw"
    try:
        record = json.loads(state.read_text())
    except ValueError:
        return "stapstatus onleesbaar: opnieuw"
    if record.get("key") != key:
        return "gewijzigd"
    missing = [p for p in outputs if not p.exists()]
    if missing:
        return f"uitvoer ontbreekt ({_names(missing)}): opnieuw"
    recorded = record.get("outputs")
    paths = [*outputs, *checked]
    if not isinstance(recorded, dict) or any(_rel(p) not in recorded for p in paths):
        return "uitvoer niet eerder vastgelegd: opnieuw"
    changed = [p for p in paths if digest(p) != recorded[_rel(p)]]
    if changed:
        return f"uitvoer met de hand gewijzigd ({_names(changed)}): opnieuw"
    return None


def _up_to_date(state: Path, key: str, outputs: list[Path], checked: list[Path] = ()) -> bool:
    return _stale(state, key, outputs, content_hash, checked) is None


def _mark(state: Path, key: str, outputs: list[Path] = (), digest: Callable[[Path], str] = content_hash,
          checked: list[Path] = (), reads: list[str] | None = None) -> None:
    """Record the step's key and the sha256 of what it wrote, once it finished (and the sections of
    report.yaml it read, when it reported them: the next run's key holds those)."""
    record = {"key": key, "outputs": {_rel(p): digest(p) for p in [*outputs, *checked]}}
    if reads is not None:
        record["reads"] = reads
    atomic_write_text(state, json.dumps(record, indent=0, sort_keys=True))


def _generator_key(seed) -> str:
    """What the demo files follow from: the generator's code, its parameters and the seed."""
    files = sorted((ROOT / "pipeline" / "synth").glob("*.py")) + [ROOT / "config" / "synth.yaml"]
    h = hashlib.sha256(str(seed).encode())
    for f in files:
        h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()


def ensure_demo_data(settings: Settings) -> Settings:
    """Write the demo files when there is no real data and they are missing or were written by
    another version of the generator (so a changed generator never meets stale demo files); a
    demo folder without the generator's stamp (made by hand, e.g. in a test) is never overwritten."""
    if not settings.demo:
        return settings
    stamp = settings.demo_dir / ".generator"
    key = _generator_key(settings["demo"]["seed"])
    missing = not (settings.demo_dir / "sources.yaml").exists()
    # only files this generator wrote (its stamp) are rewritten; a hand-made demo folder is left alone
    outdated = stamp.exists() and stamp.read_text() != key
    if missing or outdated:
        from pipeline.synth import generate
        print(f"[demo] Geen echte data geconfigureerd: synthetische demodata maken in {settings.demo_dir}", flush=True)
        generate(settings.demo_dir, settings["demo"]["seed"], careless=settings.careless)  # this run's rule
        atomic_write_text(stamp, key)
        settings = resolved(settings.raw, settings.path, settings.years)  # checked already: its new sources only
    return settings


# --- the steps ----------------------------------------------------------------------------------


def _clean_one(source: str, wave: int, path: str, settings: Settings) -> None:
    from pipeline.clean.run import clean_source
    clean_source(source, wave, path, settings=settings)


def _run_chapter(ch: dict, params: dict, executed: Path, html: Path, k: int, page: dict | None = None) -> None:
    """Execute into a staging folder, guard every artefact, then publish them together.

    A chapter's notebook, page, CSV tables and results rows are built outside reports/ and checked by
    the output guard; only a clean run replaces the chapter's published outputs (all of them at once).
    A leaking run publishes nothing: its outputs and the findings go to quarantine beside reports/,
    and the last good report stays as it was."""
    import os
    import shutil

    from pipeline.disclosure.guard import DisclosureError, scan_csv, scan_html, scan_notebook, scan_results
    from pipeline.io import quarantine_dir
    from pipeline.report.release import step_dir
    from pipeline.report.render import execute, to_html
    reports = executed.parent.parent
    stage = step_dir(reports, ch["name"])
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    tables, results = stage / "tables", stage / f"{ch['name']}.parquet"  # display names the rows by this stem
    os.environ["INCLUSIEMONITOR_TABLES"] = str(tables)  # the kernel inherits it: display.table exports there
    os.environ["INCLUSIEMONITOR_RESULTS"] = str(results)  # display.chapter writes the chapter's results rows
    os.environ["INCLUSIEMONITOR_TABLES_URL"] = f"tables/{ch['name']}"  # where the page links each table's CSV
    os.environ["INCLUSIEMONITOR_MIN_CELL_SIZE"] = str(k)  # named in the footnote of a suppressed cell
    reads = reads_file(reports, ch["name"])
    reads.unlink(missing_ok=True)  # written anew by the kernel: no run's record is another's
    os.environ["INCLUSIEMONITOR_READS"] = str(reads)  # the sections of report.yaml the chapter read
    staged_nb, staged_html = stage / executed.name, stage / html.name
    execute(NOTEBOOKS / ch["notebook"], staged_nb, params)
    leaks = scan_notebook(staged_nb, k)
    if not leaks:
        to_html(staged_nb, staged_html, ch["title"], page)
        leaks = scan_html(staged_html, k)  # the page as reviewers will read it
        leaks += [x for p in sorted(tables.glob("*.csv")) for x in scan_csv(p, k)]
        leaks += scan_results(results, k) if results.exists() else []
    if leaks:
        quarantine = move(stage, quarantine_dir(reports) / ch["name"])
        atomic_write_text(quarantine / "BEVINDINGEN.txt", "\n".join(map(str, leaks)) + "\n")
        raise DisclosureError([*leaks, f"niets gepubliceerd; uitvoer en bevindingen in quarantaine: {quarantine}"])
    published_tables = reports / "tables" / ch["name"]
    published_results = reports / "results" / f"{ch['name']}.parquet"
    if tables.exists():
        move(tables, published_tables)
    elif published_tables.exists():
        shutil.rmtree(published_tables)
    if results.exists():
        move(results, published_results)
    else:
        published_results.unlink(missing_ok=True)
    move(staged_nb, executed)
    move(staged_html, html)
    shutil.rmtree(stage, ignore_errors=True)


def reads_file(reports: Path, chapter: str) -> Path:
    """Where a chapter's kernel writes the sections of report.yaml its run read (pipeline.report.display)."""
    return reports / ".state" / f"{chapter}.reads.json"


def _quarantine(reports: Path, what: Path, leaks: list) -> Path:
    """Move a leaking artefact out of reports/ with its findings beside it."""
    from pipeline.io import quarantine_dir
    target = move(what, quarantine_dir(reports) / what.name)
    atomic_write_text(Path(str(target) + ".BEVINDINGEN.txt"), "\n".join(map(str, leaks)) + "\n")
    return target


def _write_index(settings: Settings, specs: list[dict]) -> None:
    from pipeline.disclosure.guard import DisclosureError, scan_dashboard, scan_html
    from pipeline.report.directorate_pages import links
    from pipeline.report.index import DASHBOARD_DIR, write_index
    k, reports = settings.min_cell_size, settings.reports_dir
    dash = reports / DASHBOARD_DIR
    leaks = scan_dashboard(dash / "dashboard.csv", k) if (dash / "dashboard.csv").exists() else []
    if leaks:
        raise DisclosureError([*leaks, f"niets gepubliceerd; in quarantaine: {_quarantine(reports, dash, leaks)}"])
    index = write_index(settings, specs, extra=links(reports))
    leaks = scan_html(index, k)
    if leaks:
        raise DisclosureError([*leaks, f"niets gepubliceerd; in quarantaine: {_quarantine(reports, index, leaks)}"])


def _write_glossary(settings: Settings, specs: list[dict]) -> None:
    from pipeline.disclosure.guard import DisclosureError, scan_html
    from pipeline.report.glossary import write_glossary
    page = write_glossary(settings, specs)
    leaks = scan_html(page, settings.min_cell_size)
    if leaks:
        raise DisclosureError([*leaks, f"niets gepubliceerd; in quarantaine: "
                               f"{_quarantine(settings.reports_dir, page, leaks)}"])


def _write_results(parts: Path, target: Path, chapters: list[str], settings: Settings | None = None,
                   rounding: dict | None = None) -> None:
    """reports/results.csv and .parquet: the results rows of this run's chapters, in reading order;
    the programme indicators' tests corrected as the one primary family, every p a chapter left
    uncorrected given its twin in an exploratory family of its own (pipeline.analysis.families), and
    rounded by the release's rounding rules (config disclosure.rounding)."""
    import pandas as pd

    from pipeline.analysis.families import with_primary, with_twins
    from pipeline.disclosure.publish import rounded
    from pipeline.results import COLUMNS
    frames = [pd.read_parquet(parts / f"{c}.parquet") for c in chapters if (parts / f"{c}.parquet").exists()]
    frames = [f for f in frames if len(f)]
    table = pd.concat(frames, ignore_index=True)[COLUMNS] if frames else pd.DataFrame(columns=COLUMNS)
    if settings is not None and len(table):
        table = with_primary(table, settings)
    table = with_twins(table) if len(table) else table
    if rounding is None and settings is not None:  # the release's rules, from the one reader of `disclosure`
        from pipeline.disclosure.publish import Policy
        rounding = dict(Policy.from_settings(settings).rounding)
    table = rounded(table, rounding) if len(table) else table
    with atomic_path(target.with_suffix(".parquet")) as tmp:
        table.to_parquet(tmp, index=False)
    with atomic_path(target) as tmp:
        table.to_csv(tmp, index=False, float_format="%.10g")


def _audit_release(reports: Path, findings: Path, k: int, base: int, width: float = 5, nested: tuple = ()) -> None:
    from pipeline.disclosure.attack import guard_release
    guard_release(reports, findings, k, base, width, nested)


def _audit_with_policy(reports: Path, findings: Path, settings: Settings) -> None:
    """The release audit under the report's disclosure policy (k, rounding base, protection width)."""
    from pipeline.disclosure.publish import Policy
    policy = Policy.from_settings(settings)
    _audit_release(reports, findings, policy.k, policy.rounding["register_counts"], policy.width, _nested(settings))


def _nested(settings) -> tuple:
    """(outer, inner) labels of the targets that count the same group in nested scale ranges (12-14
    within 12+): the release check writes down that the inner count is part of the outer one."""
    from pipeline.analysis.target_spec import nested_in
    declared = settings.targets
    return tuple((o.label, i.label) for o in declared for i in declared if nested_in(o, i))


def _write_workbook(tables: Path, target: Path, chapters: list[str], k: int = 10) -> None:
    """The workbook is built beside reports/, checked by the guard, and only then published."""
    from pipeline.disclosure.guard import DisclosureError, scan_workbook
    from pipeline.report.export import write_workbook
    from pipeline.report.release import step_dir
    staged = step_dir(target.parent, "_workbook") / target.name
    staged.parent.mkdir(parents=True, exist_ok=True)
    if write_workbook(tables, staged, chapters) is None:
        return
    leaks = scan_workbook(staged, tables, k)
    if leaks:
        raise DisclosureError([*leaks, "niets gepubliceerd; in quarantaine: "
                               f"{_quarantine(target.parent, staged, leaks)}"])
    move(staged, target)


def _timed(run: Callable, args: tuple) -> float:
    t0 = time.perf_counter()
    run(*args)
    return time.perf_counter() - t0


def clean_steps(settings: Settings, code: str, key_fingerprint: str | None = None) -> list[Step]:
    """One step per raw file. Its key holds the pseudonymisation key's fingerprint: a new key
    re-pseudonymises every source in one run."""
    if key_fingerprint is None:
        from pipeline.clean.pseudonymise import current_fingerprint
        key_fingerprint = current_fingerprint()
    steps = []
    for source, waves in sorted(settings.sources.items()):
        for wave, path in sorted(waves.items()):
            target = settings.processed_dir / f"{source}_{wave}.parquet"
            steps.append(Step(f"{source}_{wave}", f"opschonen {source} {wave}", _clean_one,
                              (source, wave, str(path), settings), [target],
                              settings.processed_dir / ".state" / f"{source}_{wave}.json",
                              _key("clean", code, file_hash(path), settings.demo, settings.codebook(source, wave).version,
                                   key_fingerprint, settings["groups"]),
                              cost=0.5, source=source,
                              checked=[settings.processed_dir / f"{source}_{wave}.manifest.json"]))
    return steps


def chapter_parameters(ch: dict, settings: Settings, years: list[int] | None = None,
                       available: list[str] | None = None) -> dict:
    # the disclosure threshold is not a parameter: every chapter reads it from the config itself
    params = {"config_path": str(settings.path.relative_to(ROOT) if settings.path.is_relative_to(ROOT) else settings.path)}
    if years:
        params["survey_years"] = sorted(years)
    if ch.get("uses"):  # only chapters of this run: a result left by an earlier, wider run is never shown
        params["uses"] = [u for u in ch["uses"] if u in (available or ch["uses"])]
    params.update(ch.get("parameters", {}))
    return params


def chapter_steps(settings: Settings, specs: list[dict], code: str, cleaned: list[Step],
                  years: list[int] | None = None) -> list[Step]:
    """A chapter depends on the processed files of the sources it needs (the cleaning chapter on all);
    its key includes their content, so a re-cleaned file with identical content reruns nothing.
    `reads_targets`: the chapter shows the organisation's declared targets, so they are part of its
    key (a directorate's own target reruns only that directorate's pages). `reads_plans`: the chapter has
    an effect section, so the action plans' start years (its exposure) are part of its key. Of report.yaml
    its key holds the sections its last run read (`config_key`; the kernel reports them, `reads_file`), so
    an edit of a setting reruns only the chapters that read it."""
    from functools import partial

    from pipeline.analysis.target_spec import declared_entries, declared_path
    from pipeline.config import load_yaml
    from pipeline.exposure import plan_starts
    from pipeline.report.pages import page_list
    targets = declared_entries(settings["targets"])
    # the action plans' start years: the exposure of the chapters with an effect section (config `effect`)
    starts = plan_starts(load_yaml(declared_path(settings["targets"])).get("targets") or [])
    reports = settings.reports_dir
    pages = page_list(specs)
    from pipeline.analysis.joins import for_sources, joins as all_joins
    joins = all_joins(settings)  # every join across sources and waves, checked before a chapter runs
    steps = []
    for ch in specs:
        reads = ch.get("reads", ch.get("needs", []))
        deps = [c for c in cleaned if reads == "all" or c.source in reads]
        params = chapter_parameters(ch, settings, years, [c["name"] for c in specs])
        executed = reports / "notebooks" / f"{ch['name']}.ipynb"
        html = reports / f"{ch['name']}.html"
        results = reports / "results" / f"{ch['name']}.parquet"
        page = {"pages": pages, "current": html.name, "demo": settings.demo, "k": settings.min_cell_size}
        steps.append(Step(ch["name"], f"hoofdstuk {ch['name']}", _run_chapter,
                          (ch, params, executed, html, settings.min_cell_size, page),
                          [executed, html, results], reports / ".state" / f"{ch['name']}.json",
                          _key("chapter", code, file_hash(NOTEBOOKS / ch["notebook"]), params, config_key(settings, reads, []),
                               page, targets if ch.get("reads_targets") else None,
                               # checked before it runs (input_check): a new least link rate checks it again
                               settings.link_minimums if for_sources(joins, reads) else None,
                               *([starts] if ch.get("reads_plans") else [])),
                          deps=[d.name for d in deps], cost=float(ch.get("cost", 1)),
                          checked=[reports / "tables" / ch["name"]], check=input_check(settings, deps, reads, joins),
                          publishes=[reports / w for w in ch.get("writes", [])],
                          reads_file=reads_file(reports, ch["name"]), config_part=partial(config_key, settings, reads)))
    # `uses`: chapters whose published results this chapter shows (the dashboard); run after them
    names = {s.name for s in steps}
    for step, ch in zip(steps, specs):
        step.deps += [u for u in ch.get("uses", []) if u in names]
    return steps



# --- the scheduler -------------------------------------------------------------------------------


def _priority(steps: dict[str, Step]) -> dict[str, float]:
    """Longest remaining path through the graph: start what the slowest chain waits for first."""
    users: dict[str, list[str]] = {n: [] for n in steps}
    for s in steps.values():
        for d in s.deps:
            users[d].append(s.name)
    memo: dict[str, float] = {}

    def rank(n: str) -> float:
        if n not in memo:
            memo[n] = steps[n].cost + max((rank(u) for u in users[n]), default=0.0)
        return memo[n]
    return {n: rank(n) for n in steps}


def _recorded_reads(state: Path) -> list[str] | None:
    """The sections of report.yaml the step's last run read, as its state recorded them (None: unknown)."""
    try:
        reads = json.loads(state.read_text()).get("reads")
    except (OSError, ValueError, AttributeError):
        return None
    return reads if isinstance(reads, list) else None


def _reported_reads(path: Path | None) -> list[str] | None:
    """The sections the step's run just reported reading (None when it did not report them)."""
    try:
        reads = json.loads(path.read_text()) if path is not None else None
    except (OSError, ValueError):
        return None
    return sorted(map(str, reads)) if isinstance(reads, list) else None


def run_graph(steps: list[Step], jobs: int = 1, t0: float | None = None) -> tuple[list[str], list, list]:
    """Run the steps whose key changed (and those downstream of them), `jobs` at a time, longest chain
    first. A step's key is completed with the content hashes of its inputs once they are built.
    Returns (failure messages, input problems, disclosure leaks); a failed step's dependants are skipped, every
    independent step still runs, so one run reports all problems."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from pipeline.clean.errors import InputError
    from pipeline.disclosure.errors import DisclosureError
    t0 = time.perf_counter() if t0 is None else t0
    by_name = {s.name: s for s in steps}
    prio = _priority(by_name)
    pending = sorted(by_name, key=lambda n: (-prio[n], n))
    done: set[str] = set()
    failed: set[str] = set()
    failures, problems, leaks = [], [], []
    count = [0]

    def log(msg: str, step_done: bool = False) -> None:
        count[0] += step_done
        print(f"[{time.perf_counter() - t0:6.1f}s {count[0]:>3}/{len(steps)}] {msg}", flush=True)

    hashes: dict[Path, str] = {}  # each finished output is hashed once, however many steps read it
    keys: dict[str, str] = {}

    def digest(path: Path) -> str:
        if path not in hashes:
            hashes[path] = content_hash(path)
        return hashes[path]

    bases: dict[str, str] = {}

    def full_key(s: Step) -> str:
        """Computed once, when the step's inputs are complete: its own key plus their content (and,
        for a step that reports what it reads, the sections of report.yaml its last run read)."""
        if s.name not in keys:
            bases[s.name] = _key(s.key, [digest(o) for d in s.deps for o in by_name[d].outputs])
            keys[s.name] = bases[s.name] if s.config_part is None else with_config(s, _recorded_reads(s.state))
        return keys[s.name]

    def with_config(s: Step, reads: list[str] | None) -> str:
        return _key(bases[s.name], s.config_part(reads))

    def ready() -> list[Step]:
        out = []
        for n in list(pending):
            s = by_name[n]
            if any(d in failed for d in s.deps):
                pending.remove(n)
                failed.add(n)
                log(f"{s.label}: overgeslagen (een invoerstap is mislukt)", True)
            elif all(d in done for d in s.deps):
                pending.remove(n)
                why = _stale(s.state, full_key(s), s.outputs, digest, s.checked)
                if why is None:
                    done.add(n)
                    log(f"{s.label}: ongewijzigd", True)
                else:
                    if why not in ("nieuw", "gewijzigd"):
                        log(f"{s.label}: {why}")
                    try:
                        if s.check is not None:
                            s.check()
                    except Exception as err:  # noqa: BLE001 - the step does not run; its reason is reported
                        finish(s, None, err)
                        continue
                    out.append(s)
        return out

    def finish(s: Step, secs: float | None, err: BaseException | None) -> None:
        if err is None:
            for p in [*s.outputs, *s.checked]:
                hashes.pop(p, None)  # hashed before the run if it was checked: hash what it wrote now
            reads = _reported_reads(s.reads_file) if s.config_part is not None else None
            if s.config_part is not None:
                full_key(s)
                keys[s.name] = with_config(s, reads)  # what this run read (None: not reported, all of it)
            _mark(s.state, full_key(s), s.outputs, digest, s.checked, reads)
            done.add(s.name)
            log(f"{s.label}: klaar in {secs:.1f}s", True)
            return
        failed.add(s.name)
        if isinstance(err, InputError):
            problems.extend(err.problems)
            log(f"{s.label}: FOUT in de invoer ({len(err.problems)} probleem/problemen)", True)
        elif isinstance(err, DisclosureError):
            leaks.extend(err.leaks)
            log(f"{s.label}: TEGENGEHOUDEN door de uitvoercontrole", True)
        else:
            failures.append(f"{s.label}: {err}")
            log(f"{s.label}: MISLUKT — {str(err).splitlines()[0] if str(err) else type(err).__name__}", True)

    queue: list[Step] = []
    if jobs <= 1:
        while True:
            new = ready()
            queue = sorted(queue + new, key=lambda s: (-prio[s.name], s.name))
            if not queue:
                break
            s = queue.pop(0)
            log(f"{s.label}: gestart")
            try:
                finish(s, _timed(s.run, s.args), None)
            except Exception as err:  # noqa: BLE001 - reported with the step's name, the run goes on
                finish(s, None, err)
        return failures, problems, leaks
    running = {}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        while True:
            new = ready()
            queue = sorted(queue + new, key=lambda s: (-prio[s.name], s.name))
            while queue and len(running) < jobs:
                s = queue.pop(0)
                log(f"{s.label}: gestart")
                try:
                    running[pool.submit(_timed, s.run, s.args)] = s
                except BrokenProcessPool as err:  # a worker died (e.g. out of memory): report, do not hang
                    finish(s, None, err)
            if not running:
                break
            finished_now, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in finished_now:
                s = running.pop(fut)
                err = fut.exception()
                finish(s, None if err else fut.result(), err)
    return failures, problems, leaks


def build(config: str | Path = "config/report.yaml", *, years: list[int] | None = None, jobs: int = 1,
          wait: bool = True) -> Path:
    """raw -> processed -> chapters -> index, as one dependency graph (see `run_graph`), built as one
    release in staging and published only when every step passed (pipeline.report.release). One run
    at a time per checkout: a second waits for the first (`wait=False`: release.Busy instead)."""
    import os

    from pipeline.report import release
    from pipeline.settings import RELEASE_ENV
    settings = load_settings(config, years=years)
    published = settings.published_dir
    work = release.work_dir(published)
    with release.run_lock(release.lock_files(published, settings.processed_dir), wait=wait):
        before = os.environ.get(RELEASE_ENV)
        os.environ[RELEASE_ENV] = str(work)  # steps, workers and kernels write and read the release in staging
        global DIGESTS
        DIGESTS = Digests(work.parent / f"{work.name}.sha256.json")  # beside the release, never in it
        try:
            _build(settings, years, jobs, work, published)
        finally:
            DIGESTS.save()
            DIGESTS = None
            if before is None:
                os.environ.pop(RELEASE_ENV, None)
            else:
                os.environ[RELEASE_ENV] = before
    return published / "index.html"


def _announce_new_key(cleaned: list[Step], fingerprint: str) -> None:
    """Say so when the key differs from the one the processed files were made with."""
    for c in cleaned:
        manifest = next(iter(c.checked), None)
        try:
            found = json.loads(manifest.read_text()).get("key_fingerprint") if manifest and manifest.exists() else None
        except ValueError:
            found = None
        if found and found != fingerprint:
            print(f"[sleutel] nieuwe sleutel (vingerafdruk {fingerprint}): alle bronnen opnieuw gepseudonimiseerd",
                  flush=True)
            return


def _build(settings: Settings, years: list[int] | None, jobs: int, work: Path, published: Path) -> None:
    from pipeline.clean.errors import InputError
    from pipeline.clean.pseudonymise import current_fingerprint
    from pipeline.report import release
    t0 = time.perf_counter()
    if jobs > 1:  # one BLAS thread per process: parallel kernels must not oversubscribe the cores
        import os
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    settings = ensure_demo_data(settings)
    from pipeline.analysis.target_spec import declared_path
    from pipeline.io import quarantine_dir
    from pipeline.report import directorate_pages
    code = code_hash(exclude=(declared_path(settings["targets"]), settings.path))
    specs = chapter_specs(settings)
    fingerprint = current_fingerprint()
    cleaned = clean_steps(settings, cleaning_code_hash(), fingerprint)
    _announce_new_key(cleaned, fingerprint)
    chapters = chapter_steps(settings, specs, code, cleaned, years)
    # pages beyond the chapters (the directorate pages): steps of their own, linked from the index
    extra = directorate_pages.steps(settings, code, cleaned, chapters)
    reports = settings.reports_dir
    names = [c.name for c in chapters]
    pages = [*names, *(e.name for e in extra)]
    # the steps below read report.yaml broadly (and cost little): all of it, so also `disclosure` and
    # `min_cell_size`, whose one reader (publish.Policy) they call when they run, not here: making the
    # plan of a no-op rerun imports no pandas
    whole = config_key(settings, "all")
    final = [Step("_index", "index", _write_index, (settings, specs), [reports / "index.html"],
                  reports / ".state" / "_index.json", _key("index", code, pages, settings.demo, whole), deps=pages, cost=0.5),
             # the glossary (config/glossary.yaml, in `code`) needs no data: it runs at once, beside the chapters
             Step("_glossary", "begrippen", _write_glossary, (settings, specs),
                  [reports / "begrippen.html"], reports / ".state" / "_glossary.json",
                  _key("glossary", code, [c["name"] for c in specs], settings.demo, settings.min_cell_size, whole), cost=0.2),
             Step("_results", "resultatentabel", _write_results, (reports / "results", reports / "results.csv", pages,
                                                                   settings),
                  [reports / "results.csv", reports / "results.parquet"], reports / ".state" / "_results.json",
                  _key("results", code, pages, whole), deps=pages, cost=0.2),
             Step("_workbook", "Excel-werkmap", _write_workbook, (reports / "tables", reports / "tabellen.xlsx", names,
                                                                   settings.min_cell_size),
                  [reports / "tabellen.xlsx"], reports / ".state" / "_workbook.json",
                  _key("workbook", code, names, settings.min_cell_size),
                  deps=names, cost=1.5)]
    # the release as an attacker reads it (issue 25): all published tables together, after every page
    # and after results.csv (which holds the survey groups' n: without it the check would miss them)
    findings = quarantine_dir(reports) / "audit" / "publicatie.txt"  # beside reports/, never published
    final.append(Step("_audit", "audit van de publicatie", _audit_with_policy, (reports, findings, settings),
                      [findings], reports / ".state" / "_audit.json",
                      _key("audit", code, pages, [list(p) for p in _nested(settings)], whole), deps=[*pages, "_results"], cost=3))
    steps = [*cleaned, *chapters, *extra, *final]
    # the release holds only what this run's steps write: pages of chapters left out (YEAR=, config) go
    members = [p for s in steps for p in [*s.outputs, *s.checked, *s.publishes] if p.is_relative_to(work)]
    gone = release.prune(work, members)
    if gone:
        print(f"[uitgave] {len(gone)} bestand(en) horen niet meer bij het rapport en worden niet gepubliceerd", flush=True)
    print(f"[plan] {len(cleaned)} bronbestanden, {len(chapters)} hoofdstukken, index en werkmap; "
          f"{jobs} stap(pen) tegelijk", flush=True)
    try:
        failures, problems, leaks = run_graph(steps, jobs, t0)
    finally:  # steps run in this process (one job) share its kernel: stop it with the build
        render = sys.modules.get("pipeline.report.render")  # not imported when nothing ran (a no-op rerun)
        if render is not None:
            render.shutdown_kernel()
    if problems or leaks or failures:
        print(f"\n{release.failed_note(work, published)}", file=sys.stderr, flush=True)
    for f in failures if (problems or leaks) else []:
        print(f"Ook mislukt: {f}", file=sys.stderr)
    if problems:
        raise InputError(problems)
    if leaks:
        from pipeline.disclosure.errors import DisclosureError
        raise DisclosureError(leaks)
    if failures:
        raise SystemExit("Rapport mislukt:\n" + "\n".join(failures))
    if release.publish(work, published):
        print(f"[uitgave] gepubliceerd in {release._show(published)}: alle stappen geslaagd", flush=True)


def jobs_from_make(environ=None) -> int:
    """`make -jN report` -> N; `make -j report` or no -j -> the number of cores (at least 1)."""
    import os
    import re
    flags = (environ if environ is not None else os.environ).get("MAKEFLAGS", "")
    m = re.search(r"(?:^|\s)-?j(\d*)(?=\s|$)", flags) or re.search(r"(?:^|\s)--jobs=?(\d*)", flags)
    if m and m.group(1):
        return max(1, int(m.group(1)))
    return max(1, os.cpu_count() or 1)


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m pipeline.report")
    ap.add_argument("--config", default="config/report.yaml")
    ap.add_argument("--year", type=int, action="append", help="restrict survey waves to these years")
    ap.add_argument("--jobs", type=int, default=None,
                    help="steps run at once (default: make's -jN, else the number of cores)")
    ap.add_argument("--no-wait", action="store_true",
                    help="stop (exit code 2) instead of waiting when another report is being made")
    args = ap.parse_args(argv)
    jobs = args.jobs or jobs_from_make()
    from pipeline.report.release import Busy
    from pipeline.clean.errors import InputError
    from pipeline.disclosure.errors import DisclosureError
    from pipeline.settings import ConfigError
    t0 = time.perf_counter()
    try:
        index = build(args.config, years=args.year, jobs=jobs, wait=not args.no_wait)
    except Busy as err:
        print(f"\n{err}", file=sys.stderr)
        return 2
    except (InputError, ConfigError) as err:
        print(f"\nFOUT in de invoer — er is niets overschreven.\n{err}", file=sys.stderr)
        return 2
    except DisclosureError as err:
        print(f"\nUITVOERCONTROLE MISLUKT\n{err}", file=sys.stderr)
        return 3
    print(f"\nRapport klaar in {time.perf_counter() - t0:.1f}s: {index}")
    return 0

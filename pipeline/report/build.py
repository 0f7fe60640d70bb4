"""`make report`: raw -> processed -> chapter notebooks -> HTML -> index, rerunning only what changed.

Why: researchers rerun the report many times while checking a wave. Each step records a key (hash of
its inputs, code and parameters); a step whose key is unchanged and whose output exists is skipped.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pipeline.config import ROOT, load_yaml
from pipeline.report.provenance import sha256
from pipeline.settings import Settings, load_settings

NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = ROOT / "config" / "chapters.yaml"


def code_hash() -> str:
    """Hash of the package and config sources: any code change invalidates downstream outputs."""
    h = hashlib.sha256()
    for p in sorted([*(ROOT / "pipeline").rglob("*.py"), *(ROOT / "config").rglob("*.yaml")]):
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _up_to_date(state: Path, key: str, outputs: list[Path]) -> bool:
    return state.exists() and json.loads(state.read_text()).get("key") == key and all(p.exists() for p in outputs)


def _mark(state: Path, key: str) -> None:
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"key": key}))


def ensure_demo_data(settings: Settings) -> Settings:
    if settings.demo and not (settings.demo_dir / "sources.yaml").exists():
        from pipeline.synth import generate
        print(f"[demo] Geen echte data geconfigureerd: synthetische demodata maken in {settings.demo_dir}", flush=True)
        generate(settings.demo_dir, settings["demo"]["seed"])
        settings = load_settings(settings.path)
    return settings


def _clean_one(args) -> float:
    from pipeline.clean.run import clean_source
    source, wave, path, config = args
    t0 = time.perf_counter()
    clean_source(source, wave, path, settings=load_settings(config))
    return time.perf_counter() - t0


def clean_all(settings: Settings, code: str, jobs: int = 1) -> dict[str, Path]:
    """Clean every configured source and wave (in parallel with jobs > 1); only changed inputs rerun.

    Every input is validated before anything is reported as failed, so a researcher sees the problems
    of all files in one run."""
    from pipeline.clean.errors import InputError

    out: dict[str, Path] = {}
    todo = []
    items = [(s, w, p) for s, waves in sorted(settings.sources.items()) for w, p in sorted(waves.items())]
    for source, wave, path in items:
        target = settings.processed_dir / f"{source}_{wave}.parquet"
        key = _key("clean", code, sha256(path), settings.demo)
        state = settings.processed_dir / ".state" / f"{source}_{wave}.json"
        out[f"{source}_{wave}"] = target
        if not _up_to_date(state, key, [target]):
            todo.append(((source, wave, path, settings.path), state, key))
    print(f"[opschonen] {len(todo)} van {len(items)} bestanden (de rest is ongewijzigd)", flush=True)
    problems = []
    if jobs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [(pool.submit(_clean_one, a), a, st, k) for a, st, k in todo]
            results = []
            for fut, a, st, k in futures:
                try:
                    results.append((fut.result(), a, st, k))
                except InputError as err:
                    problems += err.problems
    else:
        results = []
        for a, st, k in todo:
            try:
                results.append((_clean_one(a), a, st, k))
            except InputError as err:
                problems += err.problems
    for secs, (source, wave, _, _), st, k in results:
        _mark(st, k)
        print(f"[opschonen] {source} {wave}: klaar ({secs:.1f}s)", flush=True)
    if problems:
        raise InputError(problems)
    return out


def chapter_specs(settings: Settings) -> list[dict]:
    """Chapters from config/chapters.yaml whose sources are available."""
    specs = []
    for ch in load_yaml(CHAPTERS)["chapters"]:
        needs = ch.get("needs", [])
        if all(settings.waves(s) for s in needs):
            specs.append(ch)
        else:
            print(f"[hoofdstuk] {ch['name']} overgeslagen: bron(nen) {needs} niet geconfigureerd", flush=True)
    return specs


def chapter_parameters(ch: dict, settings: Settings) -> dict:
    params = {"config_path": str(settings.path.relative_to(ROOT) if settings.path.is_relative_to(ROOT) else settings.path),
              "min_cell_size": settings.min_cell_size, "language": settings["language"]}
    params.update(ch.get("parameters", {}))
    return params


def _run_chapter(args) -> tuple[str, float]:
    """Execute, guard, then render: a chapter that leaks never reaches HTML (the executed notebook
    is kept as <name>.LEAK.ipynb for the researcher, outside the published pages)."""
    import os

    from pipeline.disclosure.guard import DisclosureError, scan_notebook
    from pipeline.report.render import execute, to_html
    ch, params, executed, html = args
    t0 = time.perf_counter()
    print(f"[hoofdstuk] {ch['name']}: gestart", flush=True)
    tables = executed.parent.parent / "tables" / ch["name"]
    if tables.exists():
        import shutil
        shutil.rmtree(tables)
    os.environ["INCLUSIEMONITOR_TABLES"] = str(tables)  # the kernel inherits it: display.table exports there
    execute(NOTEBOOKS / ch["notebook"], executed, params)
    leaks = scan_notebook(executed, params["min_cell_size"])
    if leaks:
        os.replace(executed, executed.with_name(executed.stem + ".LEAK.ipynb"))
        raise DisclosureError(leaks)
    to_html(executed, html, ch["title"])
    return ch["name"], time.perf_counter() - t0


def build(config: str | Path = "config/report.yaml", *, years: list[int] | None = None, jobs: int = 1) -> Path:
    if jobs > 1:  # one BLAS thread per process: parallel kernels must not oversubscribe the cores
        import os
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    settings = load_settings(config, years=years)
    settings = ensure_demo_data(settings)
    code = code_hash()
    processed = clean_all(settings, code, jobs)
    inputs_key = {k: sha256(p) for k, p in processed.items()}
    reports = settings.reports_dir
    todo = []
    specs = chapter_specs(settings)
    for ch in specs:
        params = chapter_parameters(ch, settings)
        executed = reports / "notebooks" / f"{ch['name']}.ipynb"
        html = reports / f"{ch['name']}.html"
        key = _key("chapter", code, sha256(NOTEBOOKS / ch["notebook"]), params, inputs_key)
        state = reports / ".state" / f"{ch['name']}.json"
        if _up_to_date(state, key, [executed, html]):
            print(f"[hoofdstuk] {ch['name']}: ongewijzigd", flush=True)
        else:
            todo.append(((ch, params, executed, html), state, key))
    failures = []
    if todo:
        print(f"[hoofdstuk] {len(todo)} van {len(specs)} hoofdstukken uitvoeren (jobs={jobs})", flush=True)
        if jobs > 1 and len(todo) > 1:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [(pool.submit(_run_chapter, args), state, key, args[0]["name"]) for args, state, key in todo]
                results = []
                for fut, state, key, name in futures:
                    try:
                        results.append((fut.result(), state, key))
                    except Exception as err:  # report all failing chapters, not just the first
                        failures.append(f"{name}: {err}")
        else:
            results = []
            for args, state, key in todo:
                try:
                    results.append((_run_chapter(args), state, key))
                except Exception as err:
                    failures.append(f"{args[0]['name']}: {err}")
                    break
        for (name, secs), state, key in results:
            _mark(state, key)
            print(f"[hoofdstuk] {name}: klaar ({secs:.1f}s)", flush=True)
    if failures:
        raise SystemExit("Rapport mislukt:\n" + "\n".join(failures))
    # final stage: index, workbook and the output guard over every page — skipped when no chapter changed
    final_key = _key("final", code, [json.loads((reports / ".state" / f"{c['name']}.json").read_text())
                                     for c in specs if (reports / ".state" / f"{c['name']}.json").exists()])
    final_state = reports / ".state" / "_final.json"
    index = reports / "index.html"
    if _up_to_date(final_state, final_key, [index, reports / "tabellen.xlsx"]):
        print("[index] ongewijzigd", flush=True)
        return index
    from pipeline.disclosure.guard import DisclosureError, scan_html
    from pipeline.report.export import write_workbook
    from pipeline.report.index import write_index
    index = write_index(settings, specs)
    write_workbook(reports / "tables", reports / "tabellen.xlsx")
    leaks = [x for p in sorted(reports.glob("*.html")) for x in scan_html(p, settings.min_cell_size)]
    if leaks:
        raise DisclosureError(leaks)
    _mark(final_state, final_key)
    return index


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python -m pipeline.report")
    ap.add_argument("--config", default="config/report.yaml")
    ap.add_argument("--year", type=int, action="append", help="restrict survey waves to these years")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    from pipeline.clean.errors import InputError
    from pipeline.disclosure.errors import DisclosureError
    from pipeline.settings import ConfigError
    t0 = time.perf_counter()
    try:
        index = build(args.config, years=args.year, jobs=args.jobs)
    except (InputError, ConfigError) as err:
        print(f"\nFOUT in de invoer — er is niets overschreven.\n{err}", file=sys.stderr)
        return 2
    except DisclosureError as err:
        print(f"\nUITVOERCONTROLE MISLUKT\n{err}", file=sys.stderr)
        return 3
    print(f"\nRapport klaar in {time.perf_counter() - t0:.1f}s: {index}")
    return 0

"""The report's dependency graph: its nodes (`Step`), their keys, and what a chapter step reads.

Why a module of its own: the build (pipeline.report.build, the scheduler and the step functions) and
the pages beyond the chapters (pipeline.report.directorate_pages) both make steps; each imports this
module, neither the other.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from pipeline.config import ROOT, load_yaml
from pipeline.settings import Settings

NOTEBOOKS = ROOT / "notebooks"


def _key(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Step:
    """One node of the report's dependency graph: raw file -> processed file, or processed files ->
    chapter. `key` hashes everything the output depends on; the step reruns only when it changed."""
    name: str
    label: str
    run: Callable
    args: tuple
    outputs: list[Path]
    state: Path
    key: str
    deps: list[str] = field(default_factory=list)
    cost: float = 1.0
    source: str | None = None  # the source a cleaning step belongs to
    # also written by the step and verified like `outputs`, but not read by later steps (so not part of
    # their keys): a cleaning step's manifest, a chapter's exported tables folder
    checked: list[Path] = field(default_factory=list)
    # run in the build process just before the step runs (not when it is up to date): raises to stop it
    # with the reason, e.g. processed files of another pseudonymisation key (pipeline.clean.pseudonymise)
    check: Callable[[], None] | None = None
    # folders the step also writes into the release besides `outputs` and `checked` (the dashboard's
    # figure and table, the directorate pages): with them, what this run publishes (pipeline.report.release)
    publishes: list[Path] = field(default_factory=list)
    # a step whose run reports which sections of report.yaml it read (a chapter, from its kernel): the
    # file it writes them to, and its key's config part from them (`config_key` with `sections`); the
    # state records them, so the next run's key holds exactly those sections (pipeline.report.build)
    reads_file: Path | None = None
    config_part: Callable[[list[str] | None], Any] | None = None


def chapter_specs(settings: Settings) -> list[dict]:
    """Chapters from the chapter list (paths.chapters, default config/chapters.yaml) whose sources are
    available. A notebook is found in notebooks/, else beside the chapter list."""
    specs = []
    listing = settings.chapters_path
    for ch in load_yaml(listing)["chapters"]:
        if not (NOTEBOOKS / ch["notebook"]).exists() and (listing.parent / ch["notebook"]).exists():
            ch = {**ch, "notebook": str(listing.parent / ch["notebook"])}  # an absolute path: NOTEBOOKS / it is it
        needs, least = ch.get("needs", []), ch.get("min_waves", 1)
        if all(len(settings.waves(s)) >= least for s in needs):
            specs.append(ch)
        elif least > 1 and all(settings.waves(s) for s in needs):
            print(f"[hoofdstuk] {ch['name']} overgeslagen: vraagt minstens {least} metingen van {needs}", flush=True)
        else:
            missing = [s for s in needs if not settings.waves(s)]
            print(f"[hoofdstuk] {ch['name']} overgeslagen: geen gegevens van {missing} "
                  "(niet geconfigureerd of niet in de gekozen jaren)", flush=True)
    return specs


def config_key(settings: Settings, reads, sections: list[str] | None = None) -> dict:
    """The part of report.yaml a step's key holds.

    `sections`: the top-level sections the step's last run read (`Settings.reads`); None (a step
    that does not record them, or has not run yet): all. Of `sources` only the waves of the sources the
    step reads (`reads`, or "all"; their files' content is in its key through the cleaned files), so a
    new wave of one source reruns only the steps that read that source (a run that read `sources`
    itself: all of them). A run that read `targets` also holds the declared targets that section names
    (config/targets.yaml). So an edit of a setting reruns only the steps that read it."""
    names = [k for k in settings.raw if k != "sources"] if sections is None else [k for k in sections if k != "sources"]
    part = {k: settings.raw.get(k) for k in names}
    if sections is not None and "sources" in sections:
        reads = "all"
    if sections is not None and "targets" in sections and settings.raw.get("targets") is not None:
        from pipeline.analysis.target_spec import declared_entries
        part["targets.declared (file)"] = declared_entries(settings["targets"])
    waves = {s: settings.waves(s) for s in sorted(settings.sources) if reads == "all" or s in reads}
    return {**part, "sources": waves}


def input_check(settings: Settings, cleaned: list[Step], reads, joins: list | None = None) -> Callable[[], None]:
    """What a step that reads these processed files checks first (in the build process, only when it
    is about to run): all were made with this run's key, and every join among the sources it reads
    (`reads`: sources, or "all") links as many records as the design implies (pipeline.analysis.linkrates)."""
    from functools import partial

    from pipeline.analysis import joins as J
    from pipeline.clean.pseudonymise import current_fingerprint
    joins = J.joins(settings) if joins is None else joins
    return partial(_check_inputs, [m for c in cleaned for m in c.checked], current_fingerprint(),
                   J.for_sources(joins, reads), settings.processed_dir,
                   settings.link_minimums)


def _check_inputs(manifests: list[Path], fingerprint: str, joins: list, processed: Path, minimum: dict) -> None:
    from pipeline.analysis import linkrates
    from pipeline.clean.pseudonymise import check_one_key
    check_one_key(manifests, fingerprint)  # first: pseudonyms of two keys would also fail every join
    linkrates.check(joins, processed, minimum)

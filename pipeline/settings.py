"""The report configuration (config/report.yaml): read, checked and resolved in one place.

Why: every step (cleaning, weighting, chapters, suppression) reads its parameters from here, so a
researcher changes a wave or a threshold in one YAML file and nowhere else. The check is strict: an
unknown or misspelt key is an error (a setting that is silently ignored does not do what it says),
and every problem in the file is listed at once.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from pipeline.config import ROOT, SafeLoader, classifications, load_yaml



def known_sources(raw: dict | None = None) -> list[str]:
    """The sources with a codebook in the configured folder (paths.codebooks, default config/codebooks)."""
    from pipeline import sources
    return sources.known(_codebooks_dir(raw or {}))


def _codebooks_dir(raw: dict) -> Path:
    from pipeline.codebook import CODEBOOK_DIR
    folder = ((raw or {}).get("paths") or {}).get("codebooks") if isinstance((raw or {}).get("paths"), dict) else None
    return _abs(folder) if folder else CODEBOOK_DIR

# Every key report.yaml may hold: section -> its known keys (None: the section's keys are free,
# e.g. sources or disclosure merges, and are checked by their own rule below).
SCHEMA: dict[str, tuple[str, ...] | None] = {
    "min_cell_size": (),
    "paths": ("raw", "processed", "reports", "codebooks", "chapters"),
    "demo": ("dir", "seed"),
    "sources": None,
    "weighting": ("strata", "margins", "trim", "origin"),
    "inference": ("levels", "models"),
    "careless": None,
    "multiplicity": ("primary", "max_primary"),
    "directorates": ("max_half_width",),
    "small_area": ("auxiliaries", "max_direct_weight"),
    "groups": ("young_cutoff", "dimensions", "intersections", "reference", "newcomers"),
    "targets": ("years", "declared"),
    "directorate_pages": (),
    "disclosure": ("merge", "rounding", "audit"),
    "register_monitor": ("classification", "flow_group", "flow_reference"),
    "training": ("courses", "roles", "target", "target_year"),
    "programme": ("name", "start", "end"),
    "effect": ("exposures", "control", "outcomes", "min_treated", "alpha", "power", "family"),
    "benchmark": None,
    "indicators": None,
    "models": ("adjusted_gap", "gap_change", "composition_change", "overlaps"),
    "linkage": ("exit_register", "register_years", "training_register", "panel"),
}
RELEASE_ENV = "INCLUSIEMONITOR_RELEASE"  # the release in staging, set by `make report` while it builds
REQUIRED = ("min_cell_size", "paths", "demo", "groups", "weighting", "targets", "indicators", "models")
INFERENCE_DEFAULTS = {"levels": "finite", "models": "superpopulation"}
FRAMES = ("finite", "superpopulation")
MODEL_KINDS = ("adjusted_gap", "gap_change", "composition_change")
INDICATOR_KEYS = ("source", "construct", "dimension", "group", "label")


class ConfigError(ValueError):
    """The report configuration is wrong; the message lists every problem found."""


class Indicator(NamedTuple):
    """A programme indicator on the dashboard: the gap of `group` (vs the dimension's reference
    group) in `construct` of `source`, named `label` for reviewers."""
    source: str
    construct: str
    dimension: str
    group: str
    label: str


class Sections(Mapping):
    """report.yaml's top-level sections, read-only, remembering which were read.

    Why: the settings are loaded and checked once per process and handed down; a step's cache key
    holds only the sections its run read (`Settings.reads`, pipeline.report.build), so an edit of a
    setting reruns only the steps that read it. A value is handed out as a copy: no reader can change
    what the next one sees."""

    def __init__(self, data: Mapping[str, Any]):
        self._data = dict(data)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        value = self._data[key]
        return copy.deepcopy(value) if isinstance(value, (dict, list)) else value

    def __contains__(self, key) -> bool:
        self.read.add(key)
        return key in self._data

    def __iter__(self):
        self.read.update(self._data)
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Sections({sorted(self._data)})"


@dataclass(frozen=True)
class Settings:
    """The checked report configuration of one run: loaded once (`load_settings`) and handed to the
    steps and chapters, which never read configuration themselves."""
    raw: Sections
    path: Path
    demo: bool
    sources: dict[str, dict[int, Path]]
    years: tuple[int, ...] | None = None  # the survey years of this run (make report YEAR=), None: all

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    @property
    def reads(self) -> list[str]:
        """The sections of report.yaml read since loading (a chapter's run: the part of its cache key)."""
        return sorted(self.raw.read)

    @property
    def name(self) -> str:
        """The config file as the provenance shows it: relative to the project when inside it."""
        return self.path.relative_to(ROOT).as_posix() if self.path.is_relative_to(ROOT) else str(self.path)

    @property
    def min_cell_size(self) -> int:
        return int(self.raw["min_cell_size"])

    @property
    def processed_dir(self) -> Path:
        return _abs(self.raw["paths"]["processed"])

    @property
    def reports_dir(self) -> Path:
        """Where the report's outputs are written and read: while `make report` builds, the release in
        staging (it sets INCLUSIEMONITOR_RELEASE for its steps and kernels; pipeline.report.release),
        else the published reports (paths.reports)."""
        import os
        release = os.environ.get(RELEASE_ENV)
        published = self.published_dir
        if release and Path(release).name == published.name and Path(release).parent.parent == published.parent:
            return Path(release)
        return published

    @property
    def published_dir(self) -> Path:
        """What reviewers read (paths.reports): replaced as a whole by a build that fully succeeded."""
        return _abs(self.raw["paths"]["reports"])

    @property
    def archive_dir(self) -> Path:
        """Earlier releases' results.csv, one folder per year (config disclosure.audit.archive)."""
        audit = (self.raw.get("disclosure") or {}).get("audit") or {}
        return _abs(audit.get("archive", "data/archief"))

    @property
    def codebooks_dir(self) -> Path:
        """The codebook folder (paths.codebooks, default config/codebooks): one codebook per source."""
        return _codebooks_dir(self.raw)

    @property
    def chapters_path(self) -> Path:
        """The chapter list (paths.chapters, default config/chapters.yaml)."""
        return _abs(self.raw["paths"].get("chapters") or "config/chapters.yaml")

    def codebook(self, source: str, wave: int | None = None):
        """The source's codebook for `wave`, from the configured codebook folder."""
        from pipeline.codebook import load_codebook
        return load_codebook(source, wave, self.codebooks_dir)

    def role(self, source: str) -> str:
        """register, survey or records (the codebook's `role`, see pipeline/sources.py)."""
        from pipeline import sources
        return sources.role(source, self.codebooks_dir)

    @property
    def demo_dir(self) -> Path:
        return _abs(self.raw["demo"]["dir"])

    @property
    def young_cutoff(self) -> int:
        """Age below which staff count as young (groups.young_cutoff; the only place it is set)."""
        return int(self.raw["groups"]["young_cutoff"])

    @property
    def references(self) -> dict[str, str]:
        """Dimension -> its reference group (groups.reference)."""
        return dict(self.raw["groups"]["reference"])

    @property
    def indicators(self) -> list[Indicator]:
        """The programme's survey indicators (`indicators:`), in dashboard order."""
        return [Indicator(*(i[k] for k in INDICATOR_KEYS)) for i in self.raw["indicators"]]

    def covariates(self, kind: str, dimension: str | None = None) -> list[str]:
        """Formula terms a model of `kind` is adjusted for (`models:`), in order.

        With `dimension` (a model comparing that dimension's groups as a factor, as the adjusted gap
        does), terms on the dimension itself and on the variables listed for it under
        `models.overlaps` are left out."""
        models = self.raw["models"]
        if kind not in MODEL_KINDS:
            raise KeyError(f"unknown model kind {kind!r}; known: {', '.join(MODEL_KINDS)}")
        terms = list(models[kind])
        if dimension is None:
            return terms
        drop = {dimension, *((models.get("overlaps") or {}).get(dimension) or [])}
        return [t for t in terms if term_variable(t) not in drop]

    @property
    def targets(self) -> list:
        """The declared targets (`targets.declared`, config/targets.yaml), in file order."""
        from pipeline.analysis.target_spec import load
        return load(self.raw["targets"])

    @property
    def link_minimums(self) -> dict[str, float]:
        """The least link rate each kind of join must reach (`linkage:`; pipeline.analysis.linkrates)."""
        from pipeline.analysis.joins import DEFAULT_MINIMUM
        return {**DEFAULT_MINIMUM, **{k: float(v) for k, v in (self.raw.get("linkage") or {}).items()}}

    @property
    def directorate_pages(self) -> str:
        """Which directorates get a page: plans (those with a target of their own), all, or none."""
        return self.raw.get("directorate_pages", "plans")

    @property
    def programme(self) -> dict:
        """The programme the report monitors (`programme:` name, start, end); empty when not set."""
        return dict(self.raw.get("programme") or {})

    @property
    def effect(self) -> dict:
        """The programme-effect analysis (`effect:`), with defaults; empty exposures when not set."""
        e = dict(self.raw.get("effect") or {})
        return {"exposures": {}, "control": "not_yet_treated", "outcomes": {}, "min_treated": 2, "alpha": 0.05,
                "power": 0.8, "family": "programma-effect", **e}

    @property
    def careless(self) -> dict:
        """The careless-responding rule (config `careless`, defaults in pipeline.clean.careless)."""
        from pipeline.clean.careless_rule import rule_from
        return rule_from(self.raw.get("careless"))

    def frame(self, kind: str) -> str:
        """Inference frame of `kind` ('levels' or 'models'): 'finite' (this year's workforce, with
        FPC) or 'superpopulation' (the process, no FPC). Defaults: levels finite, models superpopulation."""
        return (self.raw.get("inference") or {}).get(kind, INFERENCE_DEFAULTS[kind])

    def waves(self, source: str) -> list[int]:
        return sorted(self.sources.get(source, {}))


def term_variable(term: str) -> str | None:
    """The variable a formula term is on: "C(schaalband)" -> schaalband, "dienstjaren" -> dienstjaren."""
    m = re.fullmatch(r"\s*(?:C\(\s*([A-Za-z_]\w*)\s*(?:,.*)?\)|([A-Za-z_]\w*))\s*", term)
    return (m.group(1) or m.group(2)) if m else None


def _abs(p: str | Path) -> Path:
    p = Path(p)
    return p if p.is_absolute() else ROOT / p


def _known(keys) -> str:
    return f"known keys: {', '.join(keys)}"


def check(raw: dict[str, Any], path: Path) -> list[str]:
    """Every problem in a report config, one line each (empty when it is fine)."""
    problems: list[str] = []

    def add(msg: str) -> None:
        problems.append(f"{path}: {msg}")

    for key in raw:
        if key not in SCHEMA:
            add(f"unknown key '{key}' ({_known(SCHEMA)})")
    for key in REQUIRED:
        if key not in raw:
            add(f"missing key '{key}'")
    for section, keys in SCHEMA.items():
        value = raw.get(section)
        if keys is None or not keys or value is None:
            continue
        if not isinstance(value, dict):
            add(f"'{section}' must be a mapping ({_known(keys)}), found {type(value).__name__}")
            continue
        for key in value:
            if key not in keys:
                add(f"unknown key '{section}.{key}' ({_known(keys)})")

    if not isinstance(raw.get("min_cell_size"), int) or raw.get("min_cell_size", 0) < 1:
        add(f"min_cell_size must be a positive integer, found {raw.get('min_cell_size')!r}")
    real = raw.get("sources") or {}
    from pipeline import sources as source_catalogue
    problems += [f"{path}: {p}" for p in source_catalogue.problems(_codebooks_dir(raw))]
    known = known_sources(raw)
    for src in real:
        if src not in known:
            add(f"unknown source '{src}' under sources (known: {', '.join(known)}; a new source needs its "
                f"codebook in {_codebooks_dir(raw)})")
    problems += [f"{path}: {p}" for p in _check_groups(raw.get("groups"))]
    problems += [f"{path}: {p}" for p in _check_indicators(raw.get("indicators"), raw.get("groups"), raw)]
    problems += [f"{path}: {p}" for p in _check_models(raw.get("models"))]
    inference = raw.get("inference") or {}
    if isinstance(inference, dict):
        problems += [f"{path}: inference.{k} must be one of {', '.join(FRAMES)}, found {v!r}"
                     for k, v in inference.items() if k in INFERENCE_DEFAULTS and v not in FRAMES]
    from pipeline.analysis.families import check as check_families
    from pipeline.clean.careless_rule import check_rule
    problems += [f"{path}: {p}" for p in check_rule(raw.get("careless"))]
    problems += [f"{path}: {p}" for p in check_families(raw)]
    from pipeline.analysis.small_area_spec import check as check_small_area
    problems += [f"{path}: {p}" for p in check_small_area(raw.get("small_area"))]
    problems += [f"{path}: {p}" for p in _check_register_monitor(raw.get("register_monitor"))]
    problems += [f"{path}: {p}" for p in _check_merge(raw.get("disclosure"))]
    problems += [f"{path}: {p}" for p in _check_benchmark(raw.get("benchmark"))]
    problems += [f"{path}: {p}" for p in _check_codebook_waves(real, raw)]
    problems += [f"{path}: {p}" for p in _check_targets(raw.get("targets"), raw.get("directorate_pages", "plans"))]
    problems += [f"{path}: {p}" for p in _check_training(raw.get("training"))]
    problems += [f"{path}: {p}" for p in _check_programme(raw.get("programme"))]
    problems += [f"{path}: {p}" for p in _check_effect(raw.get("effect"))]
    problems += [f"{path}: linkage.{k} must be a share in [0, 1], found {v!r}"
                 for k, v in (raw.get("linkage") or {}).items()
                 if isinstance(raw.get("linkage"), dict) and (isinstance(v, bool) or not isinstance(v, (int, float))
                                                               or not 0 <= v <= 1)]
    return problems


def _levels(dim: str) -> dict[str, str] | None:
    """The labelled levels of a dimension in classifications.yaml, None if it has no labels there."""
    return classifications()["labels"].get(dim)


def _check_groups(groups) -> list[str]:
    if not isinstance(groups, dict):
        return []
    out = []
    cutoff = groups.get("young_cutoff")
    if not isinstance(cutoff, int) or isinstance(cutoff, bool) or not 16 <= cutoff <= 70:
        out.append(f"groups.young_cutoff must be an age in whole years (16 to 70), found {cutoff!r}")
    reference = groups.get("reference") or {}
    dims = list(groups.get("dimensions") or [])
    for inter in groups.get("intersections") or []:
        dims += [d for d in inter if d not in dims]
    newcomers = groups.get("newcomers")
    if newcomers is not None:  # the newcomers' dimension (first year of service): a group dimension of its own
        dims += [newcomers] if newcomers not in dims else []
    for dim in dims:
        if dim not in reference:
            out.append(f"dimension '{dim}' has no reference group: add it under groups.reference")
    for dim, ref in reference.items():
        levels = _levels(dim)
        if levels is not None and str(ref) not in levels:
            out.append(f"groups.reference.{dim}: '{ref}' is not a level of {dim} in config/classifications.yaml "
                       f"(levels: {', '.join(levels)})")
    return out


def _check_indicators(indicators, groups, raw=None) -> list[str]:
    if indicators is None:
        return []
    if not isinstance(indicators, list):
        return [f"indicators must be a list of {{{', '.join(INDICATOR_KEYS)}}}, found {type(indicators).__name__}"]
    from pipeline.codebook import load_codebook
    out = []
    dims = set((groups or {}).get("dimensions") or []) if isinstance(groups, dict) else set()
    for i, ind in enumerate(indicators, 1):
        where = f"indicators[{i}]"
        if not isinstance(ind, dict):
            out.append(f"{where} must be a mapping with {_known(INDICATOR_KEYS)}")
            continue
        out += [f"unknown key '{where}.{k}' ({_known(INDICATOR_KEYS)})" for k in ind if k not in INDICATOR_KEYS]
        missing = [k for k in INDICATOR_KEYS if k not in ind]
        if missing:
            out.append(f"{where} lacks {', '.join(missing)}")
            continue
        src, construct, dim, group = ind["source"], ind["construct"], ind["dimension"], str(ind["group"])
        known = known_sources(raw)
        if src not in known:
            out.append(f"{where}: unknown source '{src}' (known: {', '.join(known)})")
        else:
            cb = load_codebook(src, None, _codebooks_dir(raw))
            if construct not in cb.scales and construct not in cb.variables:
                out.append(f"{where}: '{construct}' is neither a scale nor a variable of the {src} codebook")
        if dim not in dims:
            out.append(f"{where}: dimension '{dim}' is not one of groups.dimensions")
        levels = _levels(dim)
        if levels is not None and group not in levels:
            out.append(f"{where}: '{group}' is not a level of {dim} (levels: {', '.join(levels)})")
        reference = ((groups or {}).get("reference") or {}) if isinstance(groups, dict) else {}
        if str(reference.get(dim)) == group:
            out.append(f"{where}: '{group}' is the reference group of {dim}; an indicator is a gap to it")
    return out


def _check_models(models) -> list[str]:
    if not isinstance(models, dict):
        return []
    out = []
    for kind in MODEL_KINDS:
        terms = models.get(kind)
        if not isinstance(terms, list):
            out.append(f"models.{kind} must be a list of formula terms, found {terms!r}")
            continue
        out += [f"models.{kind}: '{t}' is not a formula term on one variable (e.g. C(schaalband) or dienstjaren)"
                for t in terms if not isinstance(t, str) or term_variable(t) is None]
    overlaps = models.get("overlaps") or {}
    if not isinstance(overlaps, dict) or not all(isinstance(v, list) for v in overlaps.values()):
        out.append("models.overlaps must map a dimension to a list of variables, e.g. {jong: [leeftijdsband]}")
    return out


def _check_register_monitor(mon) -> list[str]:
    if not isinstance(mon, dict):
        return []
    from pipeline.config import diverse_groups
    out = []
    known = diverse_groups()
    if "classification" in mon and mon["classification"] not in known:
        out.append(f"register_monitor.classification must be one of {', '.join(known)} "
                   f"(classifications.yaml `diverse:`), found {mon['classification']!r}")
    levels = _levels(mon.get("flow_group", ""))
    if "flow_reference" in mon and levels is not None and str(mon["flow_reference"]) not in levels:
        out.append(f"register_monitor.flow_reference: '{mon['flow_reference']}' is not a level of "
                   f"{mon['flow_group']} (levels: {', '.join(levels)})")
    return out


ROUNDING_KEYS = ("register_counts", "register_shares", "register_rates")
AUDIT_KEYS = ("enabled", "width", "archive")


def _check_merge(disclosure) -> list[str]:
    merges = (disclosure or {}).get("merge") if isinstance(disclosure, dict) else None
    out = []
    if isinstance(disclosure, dict):
        for section, known in (("rounding", ROUNDING_KEYS), ("audit", AUDIT_KEYS)):
            spec = disclosure.get(section) or {}
            if not isinstance(spec, dict):
                out.append(f"disclosure.{section} must be a mapping (known keys: {', '.join(known)})")
                continue
            out += [f"unknown key 'disclosure.{section}.{k}' (known keys: {', '.join(known)})" for k in spec if k not in known]
            out += [f"disclosure.rounding.{k} must be a whole number >= 0" for k, v in spec.items()
                    if section == "rounding" and k in known and (not isinstance(v, int) or v < 0)]
    for col, spec in (merges or {}).items():
        if not isinstance(spec, dict) or "min_size" not in spec:
            out.append(f"disclosure.merge.{col} must be a mapping with min_size (and optionally into)")
            continue
        out += [f"unknown key 'disclosure.merge.{col}.{k}' (known keys: min_size, into)"
                for k in spec if k not in ("min_size", "into")]
    return out


def _check_benchmark(bench) -> list[str]:
    if not isinstance(bench, dict):
        return []
    out = []
    for dim, shares in bench.items():
        if dim == "source":
            continue
        levels = _levels(dim)
        if levels is None:
            out.append(f"unknown key 'benchmark.{dim}' (known keys: source and the dimensions labelled in "
                       f"config/classifications.yaml: {', '.join(classifications()['labels'])})")
        elif isinstance(shares, dict):
            out += [f"benchmark.{dim}: '{lv}' is not a level of {dim} (levels: {', '.join(levels)})"
                    for lv in shares if str(lv) not in levels]
    return out


DIRECTORATE_PAGES = ("plans", "all", "none")


def _check_targets(section, pages) -> list[str]:
    """`targets.declared` names a targets file (config/targets.yaml) whose every entry is checked."""
    from pipeline.analysis import target_spec as T
    out = [] if pages in DIRECTORATE_PAGES else [
        f"directorate_pages must be one of {', '.join(DIRECTORATE_PAGES)}, found {pages!r}"]
    if not isinstance(section, dict):
        return out
    file = T.declared_path(section)
    if not file.exists():
        return out + [f"targets.declared: {file} does not exist"]
    return out + [f"{file}: {p}" for p in T.check(load_yaml(file))]


def _check_training(training) -> list[str]:
    """training: courses (code -> Dutch name), roles (register flag -> Dutch name), target (a share)."""
    if not isinstance(training, dict):
        return []
    out = []
    for key in ("courses", "roles"):
        if not isinstance(training.get(key), dict) or not training.get(key):
            out.append(f"training.{key} must map codes to Dutch names, found {training.get(key)!r}")
    target = training.get("target")
    if not isinstance(target, (int, float)) or isinstance(target, bool) or not 0 < target <= 1:
        out.append(f"training.target must be a share in (0, 1], found {target!r}")
    return out


def _check_programme(programme) -> list[str]:
    """programme: name, start and end year (a change since the baseline is read against its start)."""
    if not isinstance(programme, dict):
        return []
    start, end = programme.get("start"), programme.get("end")
    if not all(isinstance(y, int) and not isinstance(y, bool) for y in (start, end)) or end < start:
        return [f"programme.start and programme.end must be years with end >= start, found {start!r}, {end!r}"]
    return []


def _check_effect(effect) -> list[str]:
    """effect: exposures (plan, or training with course, role and a threshold share; `without`: a plan
    exposure whose exposed directorate-waves this one leaves out), control group,
    outcomes per source, min_treated, alpha, power, family (see config/report.yaml)."""
    if effect is None:
        return []
    if not isinstance(effect, dict):
        return ["effect: expected a mapping"]
    out = []
    for name, e in (effect.get("exposures") or {}).items():
        kind = e.get("kind") if isinstance(e, dict) else None
        if kind not in ("plan", "training"):
            out.append(f"effect.exposures.{name}: kind must be plan or training, found {kind!r}")
        elif kind == "training" and not (all(isinstance(e.get(k), str) for k in ("course", "role"))
                                         and isinstance(e.get("threshold"), (int, float)) and 0 < e["threshold"] <= 1):
            out.append(f"effect.exposures.{name}: a training exposure needs course, role and a threshold share in (0, 1]")
        if isinstance(e, dict) and "without" in e:
            other = (effect.get("exposures") or {}).get(e["without"])
            if e["without"] == name or not (isinstance(other, dict) and other.get("kind") == "plan"):
                out.append(f"effect.exposures.{name}.without must name another exposure of kind plan, "
                           f"found {e['without']!r}")
    if effect.get("control", "not_yet_treated") not in ("not_yet_treated", "never_treated"):
        out.append(f"effect.control must be not_yet_treated or never_treated, found {effect.get('control')!r}")
    outcomes = effect.get("outcomes") or {}
    if not isinstance(outcomes, dict) or not all(isinstance(v, list) for v in outcomes.values()):
        out.append("effect.outcomes: expected source -> list of constructs")
    for key, lo, hi in (("alpha", 0, 0.5), ("power", 0.5, 1)):
        v = effect.get(key, 0.05 if key == "alpha" else 0.8)
        if not isinstance(v, (int, float)) or not lo < v < hi:
            out.append(f"effect.{key} must be a number between {lo} and {hi}, found {v!r}")
    m = effect.get("min_treated", 2)
    if not isinstance(m, int) or isinstance(m, bool) or m < 1:
        out.append(f"effect.min_treated must be a whole number of at least 1, found {m!r}")
    return out


def _check_codebook_waves(real: dict, raw: dict | None = None) -> list[str]:
    """A configured wave of a real source must be declared in the source's codebook (`waves:`), so a
    new wave is a deliberate step: its codebook (and any wave_overrides) has been looked at."""
    from pipeline.codebook import source_waves
    out = []
    folder = _codebooks_dir(raw or {})
    for src, waves in real.items():
        if not (folder / f"{src}.yaml").exists():
            continue
        declared = source_waves(src, folder)
        for w in sorted(waves or {}):
            if int(w) not in declared:
                out.append(f"sources.{src}: wave {w} is not listed in config/codebooks/{src}.yaml `waves:` "
                           f"({', '.join(map(str, declared))}); add it there after checking the codebook "
                           "for renamed items or changed codes (wave_overrides)")
    return out


def load_settings(path: str | Path = "config/report.yaml", *, years: list[int] | None = None) -> Settings:
    """Read and check the report config; with no real sources, point at the demo data."""
    path = _abs(path)
    if not path.exists():
        raise ConfigError(f"Report config not found: {path}")
    raw = load_yaml(path)
    problems = check(raw, path)
    if problems:
        raise ConfigError("\n".join(problems))
    return resolved(raw, path, years)


def resolved(raw: Mapping[str, Any], path: Path, years: list[int] | None = None) -> Settings:
    """Settings of a checked config: its sources' files (the demo folder's when none are configured).
    Called again, without a new check, when the demo data have just been written."""
    raw = raw._data if isinstance(raw, Sections) else raw
    real = raw.get("sources") or {}
    demo = not real
    if demo:
        manifest = _abs(raw["demo"]["dir"]) / "sources.yaml"
        listed = yaml.load(manifest.read_text(), Loader=SafeLoader)["sources"] if manifest.exists() else {}
        base = _abs(raw["demo"]["dir"])
    else:
        listed, base = real, _abs(raw["paths"]["raw"])
    sources = {s: {int(w): (Path(f) if Path(f).is_absolute() else base / f) for w, f in (waves or {}).items()}
               for s, waves in listed.items()}
    if years:
        from pipeline import sources as source_catalogue
        # the register (frame and link) and record exports (cumulative, e.g. training) keep every year
        frames = {s for s in sources if source_catalogue.role(s, _codebooks_dir(raw)) in ("register", "records")}
        sources = {s: {w: p for w, p in v.items() if w in years or s in frames} for s, v in sources.items()}
    if not demo:
        missing = [f"{s} {w}: {p}" for s, v in sources.items() for w, p in v.items() if not p.exists()]
        if missing:
            raise ConfigError(f"{path}: configured input files do not exist:\n  " + "\n  ".join(missing))
    return Settings(raw=Sections(raw), path=path, demo=demo, sources=sources,
                    years=tuple(sorted(int(y) for y in years)) if years else None)

"""The report configuration (config/report.yaml): read, checked and resolved in one place.

Why: every step (cleaning, weighting, chapters, suppression) reads its parameters from here, so a
researcher changes a wave or a threshold in one YAML file and nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.config import ROOT, SafeLoader, load_yaml

KNOWN_SOURCES = ("register", "nim", "mto", "discrimination")


class ConfigError(ValueError):
    """The report configuration is wrong; the message lists every problem found."""


@dataclass(frozen=True)
class Settings:
    raw: dict[str, Any]
    path: Path
    demo: bool
    sources: dict[str, dict[int, Path]]

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    @property
    def min_cell_size(self) -> int:
        return int(self.raw["min_cell_size"])

    @property
    def processed_dir(self) -> Path:
        return _abs(self.raw["paths"]["processed"])

    @property
    def reports_dir(self) -> Path:
        return _abs(self.raw["paths"]["reports"])

    @property
    def demo_dir(self) -> Path:
        return _abs(self.raw["demo"]["dir"])

    def waves(self, source: str) -> list[int]:
        return sorted(self.sources.get(source, {}))


def _abs(p: str | Path) -> Path:
    p = Path(p)
    return p if p.is_absolute() else ROOT / p


def load_settings(path: str | Path = "config/report.yaml", *, years: list[int] | None = None) -> Settings:
    """Read and check the report config; with no real sources, point at the demo data."""
    path = _abs(path)
    if not path.exists():
        raise ConfigError(f"Report config not found: {path}")
    raw = load_yaml(path)
    problems = []
    for key in ("language", "min_cell_size", "paths", "demo", "groups", "weighting", "targets"):
        if key not in raw:
            problems.append(f"{path}: missing key '{key}'")
    if raw.get("language") not in ("nl", "en"):
        problems.append(f"{path}: language must be 'nl' or 'en', found {raw.get('language')!r}")
    if not isinstance(raw.get("min_cell_size"), int) or raw.get("min_cell_size", 0) < 1:
        problems.append(f"{path}: min_cell_size must be a positive integer, found {raw.get('min_cell_size')!r}")
    real = raw.get("sources") or {}
    for src in real:
        if src not in KNOWN_SOURCES:
            problems.append(f"{path}: unknown source '{src}' under sources (known: {', '.join(KNOWN_SOURCES)})")
    if problems:
        raise ConfigError("\n".join(problems))
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
        sources = {s: {w: p for w, p in v.items() if w in years or s == "register"} for s, v in sources.items()}
    if not demo:
        missing = [f"{s} {w}: {p}" for s, v in sources.items() for w, p in v.items() if not p.exists()]
        if missing:
            raise ConfigError(f"{path}: configured input files do not exist:\n  " + "\n  ".join(missing))
    return Settings(raw=raw, path=path, demo=demo, sources=sources)

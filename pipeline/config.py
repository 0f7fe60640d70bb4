"""One place that reads the project's YAML configuration.

Why: codebooks, classifications, planted synthetic truth and report settings are declarative data;
code asks this module for them instead of carrying its own constants.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# libyaml's safe loader when available: the same safe subset, ~10x faster on the codebooks
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"


def load_yaml(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if not path.is_absolute() and not path.exists():
        path = ROOT / path
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=SafeLoader)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a YAML mapping at the top level, found {type(data).__name__}")
    return data


@lru_cache(maxsize=None)
def classifications() -> dict[str, Any]:
    return load_yaml(CONFIG_DIR / "classifications.yaml")


@lru_cache(maxsize=None)
def synth_params() -> dict[str, Any]:
    return load_yaml(CONFIG_DIR / "synth.yaml")


# --- domain knowledge declared in classifications.yaml ------------------------------------------


def diverse_groups() -> dict[str, tuple[str, str]]:
    """Classification -> (column, level) of the group the register targets count as diverse."""
    return {name: (spec["dimension"], spec["level"]) for name, spec in classifications()["diverse"].items()}


def diverse_group(classification: str) -> tuple[str, str]:
    """(column, level) of the diverse group under `classification` ('old' or 'cbs')."""
    groups = diverse_groups()
    if classification not in groups:
        raise KeyError(f"unknown classification {classification!r}; classifications.yaml `diverse:` has "
                       f"{', '.join(groups)}")
    return groups[classification]


def band_order() -> list[str]:
    """Pay-scale bands from low to high (the scale band labels in classifications.yaml)."""
    return list(classifications()["bands"]["scale"]["labels"])


def default_young_cutoff() -> int:
    """groups.young_cutoff of the default report config, for code called without settings."""
    return int(load_yaml(CONFIG_DIR / "report.yaml")["groups"]["young_cutoff"])

"""Codebooks: the declarative description of each raw source, per wave.

Why: item names, codes and labels drift between waves and agencies; the codebook absorbs that drift
so that code only ever sees harmonised variables. A codebook is a YAML file in config/codebooks/.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import CONFIG_DIR, load_yaml
from pipeline.io import sha256

CODEBOOK_DIR = CONFIG_DIR / "codebooks"


@dataclass(frozen=True)
class Codebook:
    """A source's codebook resolved for one wave: harmonised name -> variable spec."""

    source: str
    wave: int | None
    label: str
    format: str
    variables: dict[str, dict[str, Any]]
    scales: dict[str, dict[str, Any]] = field(default_factory=dict)
    csv: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    version: str = ""

    def raw_name(self, name: str) -> str:
        return self.variables[name].get("raw", name)

    @property
    def rename_raw_to_harmonised(self) -> dict[str, str]:
        return {self.raw_name(n): n for n in self.variables}

    def of_type(self, *types: str) -> list[str]:
        return [n for n, v in self.variables.items() if v.get("type") in types]


def _file_version(path: Path) -> str:
    return sha256(path)[:12]


def load_codebook(source: str, wave: int | None = None, directory: Path | str = CODEBOOK_DIR) -> Codebook:
    """Read `<source>.yaml`, merge its `include`, then apply the wave's overrides."""
    directory = Path(directory)
    path = directory / f"{source}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in directory.glob("*.yaml") if not p.stem.startswith("_"))
        raise FileNotFoundError(f"No codebook for source '{source}' in {directory}; known sources: {known}")
    doc = load_yaml(path)
    variables: dict[str, dict] = {}
    version = _file_version(path)
    if "include" in doc:
        inc = directory / f"{doc['include']}.yaml"
        variables.update(copy.deepcopy(load_yaml(inc)["variables"]))
        version += "+" + _file_version(inc)
    variables.update(copy.deepcopy(doc.get("variables", {})))
    override = (doc.get("wave_overrides") or {}).get(wave) or {}
    for name, patch in (override.get("variables") or {}).items():
        variables[name] = {**variables[name], **patch}
    for raw, name in (override.get("rename") or {}).items():
        variables[name] = {**variables[name], "raw": raw}
    return Codebook(
        source=doc["source"], wave=wave, label=doc.get("label", source), format=doc.get("format", "sav"),
        variables=variables, scales=doc.get("scales", {}), csv=doc.get("csv", {}), path=str(path),
        version=version,
    )


def source_waves(source: str, directory: Path | str = CODEBOOK_DIR) -> list[int]:
    return list(load_yaml(Path(directory) / f"{source}.yaml").get("waves", []))

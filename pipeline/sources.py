"""The sources the pipeline knows: one codebook per source in the codebook folder.

Why: a new instrument (exit feedback, a learning-system export, next year's supplier) is added as
data — its codebook, which declares its `role`, and its chapters in chapters.yaml — never by editing a
list in code. The command line's choices, the settings check and the build graph all ask this module.

Roles (codebook key `role`, default `survey`):
  register  a census snapshot of the workforce (the frame for weighting and linking; every year is
            kept when the report is restricted to some survey years; no respondent quality rules)
  survey    respondents of a questionnaire (duplicates removed; careless respondents per config `careless`)
  records   administrative records linked to the register by the pseudonymous key (several rows per
            person are normal, so no respondent quality rules)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import load_yaml

ROLES = ("register", "survey", "records")


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    role: str
    format: str
    waves: tuple[int, ...]
    key: str | None   # the id variable that is pseudonymised into `pseudo_id` (the linking key)


def _codebook_dir(directory: str | Path | None) -> Path:
    from pipeline.codebook import CODEBOOK_DIR
    return Path(directory) if directory else CODEBOOK_DIR


def catalogue(directory: str | Path | None = None) -> dict[str, Source]:
    """Every source with a codebook in `directory` (files starting with `_` are shared includes). Read
    once per process while the folder's files are unchanged (parsing every codebook takes a while)."""
    folder = _codebook_dir(directory)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.yaml")))
    return dict(_catalogue(str(folder), stamp))


@lru_cache(maxsize=8)
def _catalogue(directory: str, stamp: tuple) -> dict[str, Source]:
    out = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        if path.stem.startswith("_"):
            continue
        doc = load_yaml(path)
        variables = doc.get("variables") or {}
        key = next((n for n, v in variables.items() if isinstance(v, dict) and v.get("type") == "id"), None)
        if key is None and doc.get("include"):
            inc = load_yaml(path.parent / f"{doc['include']}.yaml").get("variables") or {}
            key = next((n for n, v in inc.items() if isinstance(v, dict) and v.get("type") == "id"), None)
        out[path.stem] = Source(path.stem, str(doc.get("label", path.stem)), str(doc.get("role", "survey")),
                                str(doc.get("format", "sav")), tuple(int(w) for w in doc.get("waves") or ()), key)
    return out


def known(directory: str | Path | None = None) -> list[str]:
    """Names of the known sources, register(s) first, then alphabetical."""
    cat = catalogue(directory)
    return sorted(cat, key=lambda s: (cat[s].role != "register", s))


def role(source: str, directory: str | Path | None = None) -> str:
    cat = catalogue(directory)
    return cat[source].role if source in cat else "survey"


def problems(directory: str | Path | None = None) -> list[str]:
    """Codebook headers that declare an unknown role."""
    return [f"config/codebooks/{s.name}.yaml: role '{s.role}' is not one of {', '.join(ROLES)}"
            for s in catalogue(directory).values() if s.role not in ROLES]

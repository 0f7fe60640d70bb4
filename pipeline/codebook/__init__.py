"""Codebooks: the declarative description of each raw source, per wave.

Why: item names, codes and labels drift between waves and agencies; the codebook absorbs that drift
so that code only ever sees harmonised variables. A codebook is a YAML file in config/codebooks/.

`python -m pipeline.codebook draft|check` (draft.py, check.py) drafts a codebook from a supplier's
file and lists every mismatch between a file and its codebook. A drafted codebook marks what it could
not decide with `TODO`; `todos()` finds them, and the cleaning step refuses a codebook that has any.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.config import CONFIG_DIR, load_yaml

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
    todos: tuple["Todo", ...] = ()   # undecided points left by `draft`: cleaning refuses the codebook
    role: str = "survey"             # register | survey | records (pipeline/sources.py)
    population: str = "staff"        # whom a survey samples: staff (the register of its year) | leavers

    def raw_name(self, name: str) -> str:
        return self.variables[name].get("raw", name)

    @property
    def rename_raw_to_harmonised(self) -> dict[str, str]:
        return {self.raw_name(n): n for n in self.variables}

    def of_type(self, *types: str) -> list[str]:
        return [n for n, v in self.variables.items() if v.get("type") in types]


@dataclass(frozen=True)
class Todo:
    """One undecided point in a codebook file: where (file, variable or line) and what."""

    file: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.file} · {self.where}: {self.what}"


_TODO = re.compile(r"\bTODO\b")
_TODO_FIELD = re.compile(r"(^|[{,\s])todo\s*:")


def _walk_todos(node, path: tuple) -> list[tuple[tuple, str]]:
    """(path, text) of every `todo:` field in a loaded codebook document."""
    out = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "todo":
                for item in (v if isinstance(v, list) else [v]):
                    out.append((path, str(item)))
            else:
                out += _walk_todos(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _walk_todos(v, (*path, i))
    return out


def _where(path: tuple) -> str:
    """('wave_overrides', 2026, 'variables', 'geslacht') -> 'golf 2026 · variabele geslacht'."""
    parts, i = [], 0
    while i < len(path):
        if path[i] == "wave_overrides" and i + 1 < len(path):
            parts.append(f"golf {path[i + 1]}")
            i += 2
        elif path[i] == "variables" and i + 1 < len(path):
            parts.append(f"variabele {path[i + 1]}")
            i += 2
        else:
            parts.append(str(path[i]))
            i += 1
    return " · ".join(parts) or "codeboek"


def todos(path: str | Path, doc: dict | None = None) -> list[Todo]:
    """Every TODO in a codebook file: `todo:` fields (with the variable they belong to) and any other
    line that says TODO (a comment, a value), by line number."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if "TODO" not in text and not re.search(r"\btodo\s*:", text):
        return []
    doc = load_yaml(path) if doc is None else doc
    name = _display(path)
    found = [Todo(name, _where(p), t) for p, t in _walk_todos(doc, ())]
    block = None  # indent of a block-style `todo:` list being read (its items are fields, not stray TODOs)
    for no, line in enumerate(text.splitlines(), 1):
        indent = len(line) - len(line.lstrip())
        if block is not None and line.strip() and indent <= block and not line.lstrip().startswith("- "):
            block = None
        code = line.split("#", 1)[0]
        if re.match(r"^\s*todo\s*:\s*$", code):
            block = indent
            continue
        in_field = _TODO_FIELD.search(code) or (block is not None and line.lstrip().startswith("- "))
        if _TODO.search(line) and not (in_field and not _TODO.search(line[len(code):])):
            found.append(Todo(name, f"regel {no}", line.strip()))
    return found


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _file_version(path: Path) -> str:
    from pipeline.io import sha256
    return sha256(path)[:12]


def _parsed(path: Path) -> tuple[dict, str, tuple]:
    """A codebook file's YAML, version and TODOs: read once per process while the file is unchanged
    (a build asks for every source's codebook once per wave). Callers copy what they hand out."""
    st = path.stat()
    return _parsed_once(str(path), (st.st_mtime_ns, st.st_size))


@lru_cache(maxsize=64)
def _parsed_once(path: str, stamp: tuple) -> tuple[dict, str, tuple]:
    doc = load_yaml(path)
    return doc, _file_version(Path(path)), tuple(todos(path, doc))


def load_codebook(source: str, wave: int | None = None, directory: Path | str = CODEBOOK_DIR) -> Codebook:
    """Read `<source>.yaml`, merge its `include`, then apply the wave's overrides."""
    directory = Path(directory)
    path = directory / f"{source}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in directory.glob("*.yaml") if not p.stem.startswith("_"))
        raise FileNotFoundError(f"No codebook for source '{source}' in {directory}; known sources: {known}")
    doc, version, found = _parsed(path)
    variables: dict[str, dict] = {}
    found = list(found)
    if "include" in doc:
        inc = directory / f"{doc['include']}.yaml"
        inc_doc, inc_version, inc_found = _parsed(inc)
        variables.update(copy.deepcopy(inc_doc["variables"]))
        version += "+" + inc_version
        found += inc_found
    variables.update(copy.deepcopy(doc.get("variables", {})))
    override = copy.deepcopy((doc.get("wave_overrides") or {}).get(wave) or {})
    for name, patch in (override.get("variables") or {}).items():
        variables[name] = {**variables[name], **patch}
    for raw, name in (override.get("rename") or {}).items():
        variables[name] = {**variables[name], "raw": raw}
    return Codebook(
        source=doc["source"], wave=wave, label=doc.get("label", source), format=doc.get("format", "sav"),
        variables=variables, scales=copy.deepcopy(doc.get("scales", {})), csv=copy.deepcopy(doc.get("csv", {})),
        path=str(path),
        version=version, todos=tuple(found), role=str(doc.get("role", "survey")),
        population=str(doc.get("population", "staff")),
    )


def source_waves(source: str, directory: Path | str = CODEBOOK_DIR) -> list[int]:
    return list(load_yaml(Path(directory) / f"{source}.yaml").get("waves", []))

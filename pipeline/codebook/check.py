"""Check a file against its codebook: `python -m pipeline.codebook check FILE --source NAME --wave YEAR`.

Why: before a new wave enters the report, the researcher wants every difference between the file and
the codebook at once — missing and extra columns, unknown codes, values out of range, changed labels,
TODOs left in the codebook — without writing anything. The hard rules are the cleaning step's own
(pipeline.clean.schema), so a clean check means the cleaning step will accept the file.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.codebook import CODEBOOK_DIR, load_codebook
from pipeline.codebook.filemeta import normalise, read_file_meta


@dataclass(frozen=True)
class Finding:
    kind: str      # codeboek | kolom ontbreekt | extra kolom | waarde | label | missingcode
    column: str
    text: str
    blocks: bool   # would stop the cleaning step

    def __str__(self) -> str:
        return f"[{self.kind}] {self.column}: {self.text}" + ("" if self.blocks else " (stopt het opschonen niet)")


def check(path: str | Path, source: str, wave: int, directory: Path | str = CODEBOOK_DIR) -> list[Finding]:
    """Every mismatch between `path` and the codebook of `source` for `wave`; empty when they agree."""
    from pipeline.clean.errors import InputError
    from pipeline.clean.readers import read_raw
    from pipeline.clean.schema import validate

    path = Path(path)
    cb = load_codebook(source, wave, directory)
    found = [Finding("codeboek", t.where, f"{t.file}: {t.what}", True) for t in cb.todos]
    try:
        raw, _labels = read_raw(path, cb)
    except InputError as err:
        return found + [Finding("bestand", p.column, f"verwacht {p.expected}; gevonden {p.found}", True) for p in err.problems]
    try:
        validate(raw, cb, str(path))
    except InputError as err:
        for p in err.problems:
            if p.expected.startswith("deze kolom"):
                found.append(Finding("kolom ontbreekt", p.column, "verplicht volgens het codeboek, niet in het bestand", True))
                continue
            where = f" in {p.n_rows} rij(en), eerste {', '.join(map(str, p.rows))}" if p.rows else ""
            found.append(Finding("waarde", p.column, f"verwacht {p.expected}; gevonden {p.found}{where}", True))
    known = {cb.raw_name(n) for n in cb.variables}
    for col in raw.columns:
        if col not in known:
            found.append(Finding("extra kolom", str(col), "staat niet in het codeboek (wordt genegeerd)", False))
    if cb.format == "sav" or path.suffix.lower() == ".sav":
        found += _label_findings(path, cb)
    return found


def _waves(codebook_path: str) -> list:
    from pipeline.config import load_yaml
    return list(load_yaml(codebook_path).get("waves") or [])


def _label_findings(path: Path, cb) -> list[Finding]:
    """Variable labels, value labels and user-missing codes of an SPSS file against the codebook."""
    meta = read_file_meta(path)
    out = []
    for name, spec in cb.variables.items():
        col = meta.columns.get(cb.raw_name(name))
        if col is None:
            continue
        if col.label and spec.get("label") and normalise(col.label) != normalise(spec["label"]):
            out.append(Finding("label", col.name, f"variabelelabel '{col.label}'; codeboek '{spec['label']}'", False))
        declared = {**(spec.get("codes") or {}), **(spec.get("missing") or {})}
        texts = {**(spec.get("value_labels") or {}), **declared}
        for code, label in sorted(col.value_labels.items(), key=lambda kv: str(kv[0])):
            if code not in texts:
                if spec.get("type") == "code" or code in col.missing:
                    out.append(Finding("label", col.name, f"waardelabel {code} '{label}' heeft geen code in het codeboek", True
                                       if spec.get("type") == "code" else False))
                continue
            if normalise(label) != normalise(texts[code]):
                out.append(Finding("label", col.name, f"code {code} heet in het bestand '{label}', in het codeboek "
                                   f"'{texts[code]}' (andere codering?)", spec.get("type") == "code"))
        file_missing, cb_missing = set(col.missing), set(spec.get("missing") or {})
        if spec.get("type") not in ("id", "person_key", "identifier", "free_text", "string") and file_missing != cb_missing:
            extra, absent = sorted(file_missing - cb_missing, key=str), sorted(cb_missing - file_missing, key=str)
            parts = ([f"in het bestand, niet in het codeboek: {extra}"] if extra else []) + \
                    ([f"in het codeboek, niet in het bestand: {absent}"] if absent else [])
            out.append(Finding("missingcode", col.name, "; ".join(parts), False))
        if col.missing_ranges:
            out.append(Finding("missingcode", col.name, f"missingbereik {col.missing_ranges} in het bestand", False))
    return out

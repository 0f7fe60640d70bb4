"""Draft a codebook from a supplier's file: `python -m pipeline.codebook draft FILE --source NAME`.

Why: a new source or a new wave should need a researcher's judgement, not code. The file's own
metadata (variable labels, value labels, SPSS user-missing codes, what the values look like) gives
most of a codebook; with `--like` the file is mapped onto an existing codebook by label similarity
and value-label sets, and the differences become a `wave_overrides` entry for the new wave.
Whatever cannot be decided from the file is marked `TODO` with the evidence; the cleaning step
refuses a codebook that still has a TODO.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from pipeline.codebook import CODEBOOK_DIR, Codebook, load_codebook
from pipeline.codebook.filemeta import Column, FileMeta, normalise, read_file_meta, similarity, slug
from pipeline.config import SafeLoader

MATCH = 0.80        # a label this similar (difflib ratio on normalised labels) is the same question
MARGIN = 0.05       # ... unless another candidate comes this close
SAME_NAME = 0.60    # a column with the codebook's name keeps it if its label is at least this similar
TOKEN_MATCH = 0.85  # a value label this similar to a category names that category
MAX_CODES = 20      # a text column with at most this many distinct values is a code list

ID_WORDS = re.compile(r"nummer|respondent|(^| )(id|nr|key)( |$)|case ?id|identification|identifier")
ID_NAME = re.compile(r"(^|_)(id|nr|no|num|number|nummer)$|^(case|resp|respondent)_?(id|nr|no)$|id$", re.I)
LONG_TEXT = 60  # characters: a text column without value labels with answers this long (and spaces) is open text
PERSON_WORDS = re.compile(r"persoonssleutel|person ?key|panel ?(id|key|nummer)")  # stable over waves
IDENT_WORDS = re.compile(r"e ?mail|telefoon|phone|(^| )bsn( |$)|(^| )(voor|achter)?naam( |$)|(^| )name( |$)|postcode|(^| )adres( |$)")
FREE_WORDS = re.compile(r"toelichting|opmerking|open antwoord|open vraag|anders namelijk|vrije tekst|comment")
LIKERT_WORDS = re.compile(r"eens|oneens|tevreden|nooit|altijd|vaak|zelden|slecht|goed|helemaal|zeer|neutraal")
MISSING_WORDS = {"onbekend", "weet niet", "wil ik niet zeggen", "geen antwoord", "n v t", "nvt",
                 "weet ik niet", "zeg ik liever niet", "wil ik liever niet zeggen",
                 "niet van toepassing", "unknown", "missing", "geen opgave"}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATE_FORMATS = [("%d-%m-%Y", r"\d{1,2}-\d{1,2}-\d{4}"), ("%Y-%m-%d", r"\d{4}-\d{2}-\d{2}"),
                ("%d/%m/%Y", r"\d{1,2}/\d{1,2}/\d{4}"), ("%d.%m.%Y", r"\d{1,2}\.\d{1,2}\.\d{4}"),
                ("%Y-%m-%d %H:%M:%S", r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")]
NUMERIC_TYPES = ("integer", "likert", "binary", "float")


def _words(col: Column) -> str:
    return f"{normalise(col.name)} {normalise(col.label)}".strip()


def _numbers(col: Column, decimal: str = ".") -> pd.Series | None:
    """The column's values as numbers, or None when some value is not a number."""
    if col.kind == "number":
        return col.values.astype(float)
    if col.kind != "text" or col.values.empty:
        return None
    v = col.values.astype(str)
    # a decimal comma counts as a decimal point, as in the cleaning step's schema.to_number
    if not v.str.fullmatch(r"-?\d+([.,]\d+)?").all():
        return None
    return pd.to_numeric(v.str.replace(",", ".", regex=False)).astype(float)


def _date_format(col: Column) -> str | None:
    if col.kind != "text" or col.values.empty:
        return None
    v = col.values.astype(str)
    for fmt, rx in DATE_FORMATS:
        if v.str.fullmatch(rx).all() and pd.to_datetime(v, format=fmt, errors="coerce").notna().all():
            return fmt
    return None


def _pattern(values: pd.Series) -> str | None:
    """'^D[0-9]{2}$' when every value has the same length and each position is one fixed character
    or a digit (at least one digit position); else None."""
    vals = list(dict.fromkeys(values.astype(str)))
    if len(vals) < 2 or len({len(v) for v in vals}) != 1:
        return None
    parts: list[str] = []
    for i in range(len(vals[0])):
        chars = {v[i] for v in vals}
        if len(chars) == 1:
            parts.append(re.escape(chars.pop()))
        elif all(c.isdigit() for c in chars):
            parts.append("[0-9]")
        else:
            return None
    if "[0-9]" not in parts:
        return None
    out, i = "", 0
    while i < len(parts):
        j = i
        while j < len(parts) and parts[j] == parts[i]:
            j += 1
        out += f"[0-9]{{{j - i}}}" if parts[i] == "[0-9]" and j - i > 1 else parts[i] * (j - i)
        i = j
    return f"^{out}$"


def _rng(rng) -> str:
    return f"[{rng[0]}, {rng[1]}]"


def _num(x):
    x = float(x)
    return int(x) if x.is_integer() else x


def _missing_spec(col: Column) -> dict:
    return {c: slug(col.value_labels[c]) if c in col.value_labels else f"ontbrekend_{c}" for c in col.missing}


def _unique_tokens(codes: dict) -> dict:
    seen: dict[str, int] = {}
    out = {}
    for c, t in codes.items():
        seen[t] = seen.get(t, 0) + 1
        out[c] = t if seen[t] == 1 else f"{t}_{c}"
    return out


def infer_spec(col: Column, decimal: str = ".") -> tuple[dict, list[str]]:
    """A codebook variable from one column, and what could not be decided (TODO texts)."""
    spec: dict = {"label": col.label or col.name}
    todo: list[str] = []
    words = _words(col)
    n = len(col.values)

    def numeric(vals: pd.Series) -> None:
        labels = col.code_labels
        distinct = sorted(set(vals))
        integral = bool((vals.round() == vals).all())
        if labels and integral and set(distinct) <= set(labels):
            keys = sorted(labels)
            consecutive = all(isinstance(k, int) for k in keys) and keys == list(range(keys[0], keys[-1] + 1))
            texts = [normalise(t) for t in labels.values()]
            if keys == [0, 1]:
                spec.update(type="binary", value_labels=dict(labels))
            elif consecutive and len(keys) >= 4 and keys[0] in (0, 1) and any(LIKERT_WORDS.search(t) for t in texts):
                spec.update(type="likert", range=[keys[0], keys[-1]], value_labels=dict(labels))
            else:
                spec.update(type="code", codes=_unique_tokens({k: slug(t) for k, t in sorted(labels.items())}))
        elif labels and integral and len(distinct) <= MAX_CODES:
            bare = [_num(c) for c in distinct if c not in labels]
            codes = {k: slug(t) for k, t in labels.items()}
            codes.update({c: f"code_{c}" for c in bare})
            spec.update(type="code", codes=_unique_tokens(dict(sorted(codes.items()))))
            todo.append(f"TODO: codes {bare} komen voor maar hebben geen waardelabel; vul hun betekenis in")
        elif integral and distinct and set(distinct) <= {0, 1}:
            spec.update(type="binary")
        elif integral and len(distinct) >= 3 and distinct[0] >= 0 and distinct[-1] <= 7:
            spec.update(type="likert", range=[_num(distinct[0]), _num(distinct[-1])])
        elif distinct:
            rng = [_num(distinct[0]), _num(distinct[-1])]
            spec.update(type="integer" if integral else "float", range=rng)
            todo.append(f"TODO: bereik {_rng(rng)} is alleen wat in dit bestand voorkomt; vul het geldige bereik in")
        else:
            spec.update(type="integer")
            todo.append("TODO: kolom is leeg in dit bestand; type en bereik onbekend")

    if col.kind in ("datetime", "date"):
        spec["type"] = col.kind
        if n:
            d = pd.to_datetime(col.values)
            rng = [str(d.min().date()), str(d.max().date())]
            spec["range"] = rng
            todo.append(f"TODO: bereik {_rng(rng)} is alleen wat in dit bestand voorkomt; vul het geldige bereik in")
    elif col.kind == "number":
        vals = col.answers.astype(float)
        # a person number repeats in a long export (one row per person and course): still an id when
        # the name says so and the values are many distinct whole numbers of six digits or more
        long_ids = n and vals.nunique() >= 0.5 * n and (vals.dropna() >= 100_000).all() and (vals.dropna() % 1 == 0).all()
        if PERSON_WORDS.search(words) and n and vals.nunique() >= 0.9 * n:
            spec["type"] = "person_key"
            todo.append("TODO: bevestig dat deze sleutel dezelfde persoon in elke meting aanduidt (anders: type id)")
        elif ID_WORDS.search(words) and n and (vals.nunique() >= 0.9 * n or long_ids):
            spec["type"] = "id"
            if vals.is_unique:
                spec["unique"] = True
        elif (ID_NAME.search(col.name) and n > 1 and not col.code_labels and vals.is_unique
              and (vals % 1 == 0).all()):  # a case number: id-like name, unique, whole, no labels
            spec.update(type="id", unique=True)
        else:
            numeric(vals)
    else:
        vals = col.values.astype(str)
        nums = _numbers(col, decimal)
        date_fmt = _date_format(col)
        if IDENT_WORDS.search(words) or (n and vals.str.fullmatch(EMAIL.pattern).mean() > 0.5):
            spec["type"] = "identifier"
        elif PERSON_WORDS.search(words) and n and vals.nunique() >= 0.9 * n:
            spec["type"] = "person_key"
            todo.append("TODO: bevestig dat deze sleutel dezelfde persoon in elke meting aanduidt (anders: type id)")
        elif FREE_WORDS.search(words):
            spec["type"] = "free_text"
        elif ID_WORDS.search(words) and n and (vals.nunique() >= 0.9 * n or (
                vals.nunique() >= 0.5 * n and vals.str.fullmatch(r"\d{6,}").all())):  # repeated in a long export
            spec["type"] = "id"
            if vals.is_unique:
                spec["unique"] = True
        elif nums is not None and n:
            numeric(nums[~col.values.isin([str(m) for m in col.missing])] if col.missing else nums)
        elif date_fmt:
            d = pd.to_datetime(vals, format=date_fmt)
            rng = [str(d.min().date()), str(d.max().date())]
            spec.update(type="date", date_format=date_fmt, range=rng)
            todo.append(f"TODO: bereik {_rng(rng)} is alleen wat in dit bestand voorkomt; vul het geldige bereik in")
        elif n and vals.str.len().max() > 40 and vals.str.contains(" ").any() and vals.nunique() > MAX_CODES:
            spec["type"] = "free_text"
        elif n and not col.code_labels and vals.str.len().max() > LONG_TEXT and vals.str.contains(" ").any():
            spec["type"] = "free_text"  # long answers in words: open text, however few
        elif (pattern := _pattern(vals)) is not None:
            spec.update(type="string", pattern=pattern)
        elif n and vals.str.upper().nunique() <= MAX_CODES:
            upper = vals.str.upper()
            ci = vals.nunique() > upper.nunique()
            distinct = sorted(set(upper if ci else vals))
            miss = [v for v in distinct if normalise(v) in MISSING_WORDS]
            spec.update(type="code")
            if ci:
                spec["case_insensitive"] = True
            # the file's value labels of a string variable name its codes (FAMHXCVR: N -> NO, Y -> YES)
            labelled = {(str(c).upper() if ci else str(c)).strip(): t for c, t in col.code_labels.items()}
            spec["codes"] = _unique_tokens({v: slug(labelled.get(v, v)) for v in distinct if v not in miss})
            if miss:
                spec["missing"] = {v: slug(v) for v in miss}
            unlabelled = [v for v in distinct if v not in labelled and v not in miss]
            if unlabelled and all(len(v) <= 2 for v in unlabelled):
                todo.append(f"TODO: codes {unlabelled} hebben geen omschrijving in het bestand; vul hun betekenis in")
        else:
            spec["type"] = "string"
    if col.missing and spec["type"] not in ("id", "person_key", "identifier", "free_text", "string", "date", "datetime"):
        spec["missing"] = {**spec.get("missing", {}), **_missing_spec(col)}
    if col.missing_ranges:
        todo.append(f"TODO: het bestand heeft missingbereiken {col.missing_ranges}; het codeboek kent alleen losse "
                    "missingcodes: noem ze onder missing")
    return spec, todo


# --- mapping a file onto an existing codebook ------------------------------------------------

@dataclass
class Mapping:
    """How a file's columns map onto a codebook: column -> harmonised name, and what differs."""
    matched: dict[str, str] = field(default_factory=dict)        # file column -> harmonised name
    scores: dict[str, float | None] = field(default_factory=dict)  # file column -> label similarity
    patches: dict[str, dict] = field(default_factory=dict)       # harmonised name -> changed spec keys
    notes: list[str] = field(default_factory=list)               # evidence for decisions taken
    todo: list[str] = field(default_factory=list)                # wave-level undecided points
    var_todo: dict[str, list[str]] = field(default_factory=dict)  # harmonised name -> undecided points


def _compatible(col: Column, spec: dict, decimal: str) -> bool:
    t = spec.get("type")
    if col.kind in ("date", "datetime"):
        return t in ("date", "datetime")
    if col.kind == "number":
        return t in (*NUMERIC_TYPES, "id", "person_key") or (t == "code" and not any(isinstance(c, str) for c in spec.get("codes", {})))
    if t in NUMERIC_TYPES:
        return _numbers(col, decimal) is not None
    return True


def _value_score(col: Column, spec: dict) -> float | None:
    """Overlap of the column's categories with the variable's: value labels against category tokens,
    or (files without labels) the values themselves against the codes."""
    if spec.get("type") != "code":
        return None
    if col.code_labels:
        a = {normalise(t) for t in col.code_labels.values()}
        b = {normalise(t) for t in spec["codes"].values()}
    elif col.kind == "text" and col.values.nunique() <= MAX_CODES:
        a = {normalise(v) for v in col.values.unique()}
        b = {normalise(str(c)) for c in [*spec["codes"], *spec.get("missing", {})]}
    else:
        return None
    return len(a & b) / len(a | b) if a | b else None


def _score(col: Column, spec: dict, decimal: str) -> float:
    s = similarity(col.label, spec.get("label"))
    if s is None:
        s = _value_score(col, spec) or 0.0
    return s if _compatible(col, spec, decimal) else s * 0.5


def _match_token(label: str, tokens: list[str]) -> str | None:
    """The category a value label names: equal after normalising, else the one clearly most similar."""
    lab = normalise(label)
    exact = [t for t in tokens if normalise(t) == lab]
    if exact:
        return exact[0]
    scored = sorted(((similarity(label, t) or 0.0, t) for t in tokens), reverse=True)
    if scored and scored[0][0] >= TOKEN_MATCH and (len(scored) == 1 or scored[0][0] - scored[1][0] >= MARGIN):
        return scored[0][1]
    return None


def _fmt_labels(labels: dict) -> str:
    return ", ".join(f"{c} '{t}'" for c, t in sorted(labels.items(), key=lambda kv: str(kv[0])))


def compare_variable(col: Column, name: str, spec: dict, decimal: str = ".") -> tuple[dict, list[str], list[str]]:
    """(patch for wave_overrides.variables, TODO texts, notes) for a column mapped onto `name`."""
    t = spec.get("type")
    patch: dict = {}
    todo: list[str] = []
    notes: list[str] = []
    if t in ("identifier", "free_text"):
        return patch, todo, notes
    if not _compatible(col, spec, decimal):
        todo.append(f"TODO: kolom '{col.name}' ({col.kind}) past niet bij type '{t}' van {name}")
        return patch, todo, notes
    miss = spec.get("missing") or {}
    if col.missing and set(col.missing) != set(miss):
        tokens = list(miss.values())
        new = {}
        for c in col.missing:
            label = col.value_labels.get(c)
            new[c] = (_match_token(label, tokens) if label else None) or miss.get(c) or (slug(label) if label else f"ontbrekend_{c}")
        patch["missing"] = new
        notes.append(f"{name}: missingcodes volgens het bestand {sorted(new)} (codeboek: {sorted(miss)})")
    answers = col.answers
    if t == "code":
        codes = spec["codes"]
        if col.code_labels and col.kind == "number":
            tokens = list(codes.values())
            mapping, unmapped = {}, []
            for c, label in sorted(col.code_labels.items()):
                tok = _match_token(label, tokens)
                (unmapped.append(f"{c} '{label}'") if tok is None else mapping.__setitem__(c, tok))
            bare = sorted(set(_num(v) for v in answers.astype(float)) - set(col.code_labels))
            doubled = sorted({tok for tok in mapping.values() if list(mapping.values()).count(tok) > 1})
            if unmapped or doubled or bare:
                why = []
                if unmapped:
                    why.append(f"geen categorie voor {', '.join(unmapped)}")
                if doubled:
                    why.append(f"meer codes voor dezelfde categorie {doubled}")
                if bare:
                    why.append(f"codes zonder waardelabel {bare}")
                todo.append(f"TODO: de codes passen niet 1-op-1 op het codeboek ({'; '.join(why)}). "
                            f"Bestand: {_fmt_labels(col.code_labels)}; codeboek: {_fmt_labels(codes)}")
            elif any(codes.get(c) != tok for c, tok in mapping.items()):
                patch["codes"] = mapping
                notes.append(f"{name}: andere codering, volgens de waardelabels van het bestand: {_fmt_labels(col.code_labels)}")
        else:
            ci = bool(spec.get("case_insensitive"))
            allowed = [*codes, *miss, *patch.get("missing", {})]
            if all(not isinstance(c, str) for c in allowed):
                nums = _numbers(col) if col.kind == "text" else answers.astype(float)
                seen = set() if nums is None else {_num(v) for v in nums}
                unknown = sorted(seen - set(allowed), key=str) if nums is not None else sorted(set(col.values))
            else:
                norm = (lambda v: str(v).strip().upper()) if ci else (lambda v: str(v).strip())
                unknown = sorted({norm(v) for v in col.values} - {norm(c) for c in allowed})
            if unknown:
                todo.append(f"TODO: onbekende codes {unknown[:10]} in kolom '{col.name}' (codeboek: {sorted(map(str, allowed))}); "
                            "nieuwe categorie of andere codering?")
    elif t in NUMERIC_TYPES:
        nums = answers.astype(float) if col.kind == "number" else _numbers(col, decimal)
        nums = nums[~nums.isin([*miss, *patch.get("missing", {})])] if nums is not None else pd.Series(dtype=float)
        labels = col.code_labels
        keys = sorted(labels) if labels else []
        consecutive = bool(keys) and all(isinstance(k, int) for k in keys) and keys == list(range(keys[0], keys[-1] + 1))
        if t == "likert" and consecutive and len(keys) >= 3 and [keys[0], keys[-1]] != list(spec.get("range", [])):
            patch["range"] = [keys[0], keys[-1]]
            patch["value_labels"] = dict(labels)
            notes.append(f"{name}: schaal volgens de waardelabels van het bestand: {_fmt_labels(labels)}")
        elif t == "binary" and labels and spec.get("value_labels"):
            ref = {k: normalise(v) for k, v in spec["value_labels"].items()}
            got = {k: normalise(v) for k, v in labels.items()}
            if got.get(0) == ref.get(1) and got.get(1) == ref.get(0):
                todo.append(f"TODO: 0 en 1 zijn omgedraaid ten opzichte van het codeboek (bestand: {_fmt_labels(labels)}); "
                            "een ja/nee-variabele kan in het codeboek niet worden omgecodeerd")
        else:
            lo, hi = spec.get("range", (0, 1) if t == "binary" else (None, None))
            if lo is not None and len(nums):
                out = sorted({_num(v) for v in nums[(nums < lo) | (nums > hi)]})
                if out:
                    todo.append(f"TODO: waarden {out[:10]} buiten het bereik [{lo}, {hi}] van {name}; "
                                "ander bereik, andere codering of een missingcode?")
    elif t in ("date", "datetime"):
        lo, hi = spec.get("range", ("1900-01-01", "2100-12-31"))
        if col.kind == "text":
            fmt = spec.get("date_format")
            d = pd.to_datetime(col.values, format=fmt, errors="coerce")
            if d.isna().any():
                todo.append(f"TODO: datums in kolom '{col.name}' volgen niet het formaat {fmt}, "
                            f"bijvoorbeeld {list(col.values[d.isna()].unique()[:3])}")
        else:
            d = pd.to_datetime(col.values)
        d = d.dropna()
        if len(d) and (d.min() < pd.Timestamp(lo) or d.max() > pd.Timestamp(hi)):
            todo.append(f"TODO: datums van {d.min().date()} tot {d.max().date()} vallen buiten het bereik [{lo}, {hi}]")
    elif t == "string" and "pattern" in spec:
        bad = col.values[~col.values.astype(str).str.match(spec["pattern"])]
        if len(bad):
            todo.append(f"TODO: waarden {list(bad.unique()[:5])} volgen niet het patroon {spec['pattern']}")
    elif t == "id" and spec.get("unique") and not col.values.is_unique:
        todo.append(f"TODO: kolom '{col.name}' heeft dubbele waarden, het codeboek eist unieke")
    return patch, todo, notes


def _fmt_candidates(scored: list[tuple[float, str]]) -> str:
    return ", ".join(f"{n} ({s:.2f})" for s, n in scored[:3]) or "geen"


def map_onto(meta: FileMeta, cb: Codebook) -> Mapping:
    """Map the file's columns onto the codebook's variables (see module docstring for the rules)."""
    decimal = meta.csv.get("decimal", ".")
    m = Mapping()
    refs = cb.variables
    raw_of = {n: cb.raw_name(n) for n in refs}
    by_raw = {r: n for n, r in raw_of.items()}
    cols = meta.columns

    def label_scores(col: Column) -> list[tuple[float, str]]:
        return sorted(((similarity(col.label, refs[n].get("label")) or 0.0, n) for n in refs), reverse=True)

    # 1. a column that carries a variable's raw or harmonised name keeps it, unless its label says
    #    it is clearly another question
    for col in cols.values():
        name = by_raw.get(col.name) or (col.name if col.name in refs else None)
        if name is None or name in m.matched.values():
            continue
        s = similarity(col.label, refs[name].get("label"))
        best_s, best_n = (label_scores(col) or [(0.0, name)])[0]
        if s is None or (s >= SAME_NAME and not (best_n != name and best_s >= 0.9 and best_s > s + MARGIN)):
            m.matched[col.name] = name
            m.scores[col.name] = s
    # 2. the rest by label (or, without labels, by value set): greedily, most certain first
    while True:
        free_cols = [c for c in cols.values() if c.name not in m.matched]
        free_refs = [n for n in refs if n not in m.matched.values()]
        best = None
        for col in free_cols:
            scored = sorted(((_score(col, refs[n], decimal), n) for n in free_refs), reverse=True)
            if not scored or scored[0][0] < MATCH:
                continue
            if len(scored) > 1 and scored[0][0] - scored[1][0] < MARGIN:
                continue
            if best is None or scored[0][0] > best[0]:
                best = (scored[0][0], col, scored[0][1])
        if best is None:
            break
        s, col, name = best
        m.matched[col.name] = name
        m.scores[col.name] = s
        if s < 1.0:
            m.notes.append(f"{col.name} -> {name}: label '{col.label}' lijkt op '{refs[name].get('label')}' ({s:.2f})")
    # 3. what is left is undecided
    free_refs = [n for n in refs if n not in m.matched.values()]
    for col in cols.values():
        if col.name in m.matched:
            continue
        scored = sorted(((_score(col, refs[n], decimal), n) for n in free_refs), reverse=True)
        close = len(scored) > 1 and scored[0][0] >= MATCH and scored[0][0] - scored[1][0] < MARGIN
        why = "twee kandidaten liggen te dicht bij elkaar" if close else f"geen variabele lijkt genoeg (drempel {MATCH})"
        m.todo.append(f"TODO: kolom '{col.name}'" + (f" (label '{col.label}')" if col.label else "")
                      + f" staat niet in het codeboek: {why}; kandidaten: {_fmt_candidates(scored)}. "
                      "Voeg een rename toe, of haal deze regel weg als de kolom niet nodig is")
    for name in free_refs:
        spec = refs[name]
        if spec.get("type") in ("identifier", "free_text") or spec.get("optional"):
            continue
        m.todo.append(f"TODO: variabele {name} (kolom '{raw_of[name]}', label '{spec.get('label')}') "
                      "niet gevonden in het bestand; voeg een rename toe of maak haar optional")
    for col_name, name in m.matched.items():
        patch, todo, notes = compare_variable(cols[col_name], name, refs[name], decimal)
        if patch:
            m.patches[name] = patch
        if todo:
            m.var_todo[name] = todo
        m.notes += notes
    return m


# --- writing YAML in the codebooks' own style ------------------------------------------------

FLOW_INDICATORS = set(",[]{}#&*!|>%@`")


def _flow(v) -> str:
    """One scalar or leaf collection as YAML text that stays valid inside a flow collection: a string
    with a quote, a flow indicator (",", brackets, braces, ...) or ": " is double-quoted ("it's" reads
    better than 'it''s'; a plain "a, b" would split a flow mapping)."""
    if isinstance(v, str) and ("'" in v or FLOW_INDICATORS & set(v) or ": " in v or v.endswith(":")):
        return yaml.safe_dump(v, default_style='"', allow_unicode=True, width=10**9).strip()
    out = yaml.safe_dump(v, default_flow_style=True, allow_unicode=True, width=10**9, sort_keys=False).strip()
    return out[:-4].rstrip() if out.endswith("\n...") else out


def _wrapped(prefix: str, v, width: int) -> list[str]:
    """`prefix{a: 1, b: 2, ...}` broken after commas, continuation lines under the first item."""
    one = prefix + _flow(v)
    if len(one) <= width or not isinstance(v, (dict, list)) or not v or not _scalar_only(v):
        return [one]
    items = [f"{_flow(k)}: {_flow(x)}" for k, x in v.items()] if isinstance(v, dict) else [_flow(x) for x in v]
    open_, close = ("{", "}") if isinstance(v, dict) else ("[", "]")
    lines, cur = [], prefix + open_
    indent = " " * len(cur)
    for i, item in enumerate(items):
        piece = item + (", " if i < len(items) - 1 else close)
        if len(cur) + len(piece.rstrip()) > width and cur.strip() not in (prefix.strip() + open_,):
            lines.append(cur.rstrip())
            cur = indent
        cur += piece
    lines.append(cur)
    return lines


def _has_todo(v) -> bool:
    if isinstance(v, dict):
        return "todo" in v or any(_has_todo(x) for x in v.values())
    return isinstance(v, list) and any(_has_todo(x) for x in v)


def _scalar_only(v) -> bool:
    items = v.values() if isinstance(v, dict) else v
    return all(not isinstance(x, (dict, list)) for x in items)


def emit(d: dict, indent: int = 0, flow_width: int = 118) -> list[str]:
    """Block mappings outside, flow collections for leaves (as the shipped codebooks are written);
    a mapping of scalars and leaves that fits on one line is written as one flow line."""
    pad = " " * indent
    lines = []
    for k, v in d.items():
        key = _flow(k)
        if isinstance(v, dict) and v and not _scalar_only(v):
            one = f"{pad}{key}: {_flow(v)}"
            if not _has_todo(v) and all(not isinstance(x, (dict, list)) or _scalar_only(x) for x in v.values()) \
                    and len(one) <= flow_width:
                lines.append(one)
            else:
                lines.append(f"{pad}{key}:")
                lines += emit(v, indent + 2, flow_width)
        elif isinstance(v, list) and any(isinstance(x, str) and len(x) > 40 for x in v):
            lines.append(f"{pad}{key}:")
            lines += [f"{pad}  - {_flow(x)}" for x in v]
        elif isinstance(v, dict) and "todo" in v:
            lines.append(f"{pad}{key}:")
            lines += emit(v, indent + 2, flow_width)
        else:
            lines += _wrapped(f"{pad}{key}: ", v, flow_width)
    return lines


def _spec_order(spec: dict) -> dict:
    order = ["raw", "label", "type", "unique", "case_insensitive", "date_format", "pattern", "range", "codes",
             "value_labels", "missing", "todo"]
    return {k: spec[k] for k in sorted(spec, key=lambda k: order.index(k) if k in order else len(order))}


# --- the two kinds of draft -------------------------------------------------------------------

def draft_new(meta: FileMeta, source: str, wave: int | None = None) -> tuple[str, int]:
    """A complete codebook for a new source from the file alone; returns (YAML text, number of TODOs)."""
    variables: dict[str, dict] = {}
    n_todo = 0
    for col in meta.columns.values():
        spec, todo = infer_spec(col, meta.csv.get("decimal", "."))
        name = slug(col.name)
        while name in variables:
            name += "_2"
        if name != col.name:
            spec["raw"] = col.name
        if todo:
            spec["todo"] = todo[0] if len(todo) == 1 else todo
            n_todo += len(todo)
        variables[name] = _spec_order(spec)
    doc: dict = {"source": source, "label": meta.label or source, "format": meta.format}
    if meta.format == "csv":
        doc["csv"] = {k: meta.csv[k] for k in ("sep", "decimal", "encoding")}
    if wave is not None:
        doc["waves"] = [wave]
    doc["variables"] = variables
    head = [f"# Conceptcodeboek voor bron '{source}', gemaakt uit {meta.path.name} door",
            "# `python -m pipeline.codebook draft`. Controleer elke variabele (type, codes, bereik, missingcodes)",
            "# en beslis elk open punt (todo:); het opschonen weigert een codeboek met open punten.",
            f"# Daarna: config/codebooks/{source}.yaml, en de bron in config/report.yaml onder sources."]
    body = []
    for k, v in doc.items():
        if k == "variables":
            body.append("variables:")
            for name, spec in v.items():
                body += emit({name: spec}, 2)
        else:
            body += emit({k: v})
    text = "\n".join(head + body) + "\n"
    try:  # the codebooks' compact style when it reads back as the draft; else the YAML library's own
        same = yaml.load(text, Loader=SafeLoader) == doc
    except yaml.YAMLError:
        same = False
    if not same:
        text = "\n".join(head) + "\n" + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)
    assert yaml.load(text, Loader=SafeLoader) == doc, "draft could not be written as YAML"
    return text, n_todo


class _Fallback(Exception):
    pass


def _override_entry(m: Mapping, cb: Codebook) -> dict:
    entry: dict = {}
    rename = {col: name for col, name in m.matched.items() if col != cb.raw_name(name)}
    if rename:
        entry["rename"] = rename
    variables = {}
    for name in cb.variables:
        patch = dict(m.patches.get(name, {}))
        if name in m.var_todo:
            t = m.var_todo[name]
            patch["todo"] = t[0] if len(t) == 1 else t
        if patch:
            variables[name] = patch
    if variables:
        entry["variables"] = variables
    if m.todo:
        entry["todo"] = list(m.todo)
    return entry


def _entry_lines(wave: int, entry: dict, notes: list[str], command: str) -> list[str]:
    head = [f"  # {wave}: concept van `{command}`; controleer het."]
    if "todo" in str(entry):
        head.append("  # Beslis elk open punt (todo:) en haal het weg: het opschonen weigert het codeboek tot dan.")
    head += [f"  #   {n}" for n in notes]
    body = emit({wave: entry or {}}, 2, flow_width=100)
    return head + body


def _edit_text(text: str, wave: int, entry_lines: list[str]) -> str:
    """The codebook text with `wave` added to `waves` and its wave_overrides entry replaced, keeping
    every other line (comments, anchors) as it was."""
    lines = text.splitlines()
    wi = next((i for i, line in enumerate(lines) if re.match(r"^waves\s*:", line)), None)
    if wi is None:
        raise _Fallback
    wm = re.match(r"^waves\s*:\s*(\[[^\]]*\])\s*(#.*)?$", lines[wi])
    if not wm:
        raise _Fallback
    waves = yaml.load(wm.group(1), Loader=SafeLoader) or []
    waves = sorted({*waves, wave})
    lines[wi] = f"waves: {_flow(waves)}" + (f"  {wm.group(2)}" if wm.group(2) else "")
    start = next((i for i, line in enumerate(lines) if re.match(r"^wave_overrides\s*:", line)), None)
    if start is None and not entry_lines:
        return "\n".join(lines) + "\n"
    if start is None:
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join([*lines, "wave_overrides:", *entry_lines]) + "\n"
    if not re.match(r"^wave_overrides\s*:\s*(#.*)?$", lines[start]):
        raise _Fallback  # a flow-style mapping: rewrite the whole file instead
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip() and not lines[i][0].isspace()), len(lines))
    section = lines[start + 1:end]
    chunks: list[tuple[object, list[str]]] = []
    pending: list[str] = []
    for line in section:
        km = re.match(r"^  ([^\s#][^:]*):", line)
        if km:
            chunks.append((yaml.load(km.group(1), Loader=SafeLoader), [*pending, line]))
            pending = []
        elif line.strip().startswith("#") and (not chunks or not line.startswith("    ")):
            pending.append(line)
        elif chunks:
            chunks[-1][1].append(line)
        elif line.strip():
            raise _Fallback
        else:
            pending.append(line)
    trailing = pending
    chunks = [c for c in chunks if c[0] != wave] + ([(wave, entry_lines)] if entry_lines else [])
    chunks.sort(key=lambda c: (str(type(c[0])), c[0]))
    body = [line for _, chunk in chunks for line in chunk]
    if not body:  # the only override was this wave's, and the file now needs none
        return "\n".join([*lines[:start], *lines[end:]]) + "\n"
    return "\n".join([*lines[:start + 1], *body, *trailing, *lines[end:]]) + "\n"


def draft_like(meta: FileMeta, like: Path, source: str, wave: int, command: str) -> tuple[str, int, Mapping]:
    """The `like` codebook with a wave_overrides entry for `wave` that maps this file onto it;
    returns (YAML text, number of TODOs, the mapping)."""
    directory = like.parent
    text = like.read_text(encoding="utf-8")
    doc = yaml.load(text, Loader=SafeLoader)
    base = load_codebook(like.stem, None, directory)
    if base.source != source:
        raise ValueError(f"--like {like} is het codeboek van bron '{base.source}', niet van '{source}'")
    m = map_onto(meta, base)
    entry = _override_entry(m, base)
    n_todo = len(m.todo) + sum(len(t) for t in m.var_todo.values())
    if meta.format == "csv":
        opts = base.csv or {}
        differs = [k for k in ("sep", "decimal") if opts.get(k, {"sep": ",", "decimal": "."}[k]) != meta.csv.get(k)]
        if not meta.path.read_bytes().isascii() and meta.csv.get("encoding", "").replace("-sig", "") != opts.get("encoding", "utf-8"):
            differs.append("encoding")
        if differs:
            entry.setdefault("todo", []).append(
                f"TODO: het bestand heeft {', '.join(f'{k} {meta.csv.get(k)!r}' for k in differs)}, het codeboek "
                f"{', '.join(f'{k} {opts.get(k)!r}' for k in differs)}; csv-opties gelden voor alle golven")
            n_todo += 1
    expected = copy.deepcopy(doc)
    expected["waves"] = sorted({*(doc.get("waves") or []), wave})
    overrides = {w: e for w, e in (expected.get("wave_overrides") or {}).items() if w != wave}
    if entry:
        overrides[wave] = entry
    expected.pop("wave_overrides", None)
    if overrides:
        expected["wave_overrides"] = overrides
    lines = _entry_lines(wave, entry, m.notes, command) if entry else []
    try:
        out = _edit_text(text, wave, lines)
        if yaml.load(out, Loader=SafeLoader) != expected:
            raise _Fallback
    except (_Fallback, yaml.YAMLError):
        head = [f"# {like.name} met een concept voor golf {wave} (opmaak en commentaar konden niet behouden blijven)."]
        body = []
        for k, v in expected.items():
            if k == "wave_overrides":
                body.append("wave_overrides:")
                for w, e in v.items():
                    body += lines if w == wave else emit({w: e}, 2, flow_width=100)
            else:
                body += emit({k: v})
        out = "\n".join(head + body) + "\n"
        assert yaml.load(out, Loader=SafeLoader) == expected, "draft could not be written as YAML"
    return out, n_todo, m


def resolve_like(like: str, directory: Path = CODEBOOK_DIR) -> Path:
    p = Path(like)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise FileNotFoundError(f"--like {like}: bestand bestaat niet")
        return p
    p = Path(directory) / f"{like}.yaml"
    if not p.exists():
        known = sorted(q.stem for q in Path(directory).glob("*.yaml") if not q.stem.startswith("_"))
        raise FileNotFoundError(f"--like {like}: geen codeboek {p}; bekende bronnen: {known}")
    return p


def draft(path: str | Path, source: str, *, like: str | None = None, wave: int | None = None,
          directory: Path = CODEBOOK_DIR, command: str = "python -m pipeline.codebook draft") -> tuple[str, int]:
    """YAML text of a drafted codebook and its number of TODOs (see the module docstring)."""
    path = Path(path)
    if like is None:
        return draft_new(read_file_meta(path), source, wave)
    if wave is None:
        raise ValueError("--like maakt een wave_overrides-blok voor een golf: geef ook --wave JAAR")
    like_path = resolve_like(like, directory)
    opts = load_codebook(like_path.stem, None, like_path.parent).csv
    meta = read_file_meta(path, {k: opts[k] for k in ("sep",) if k in opts} or None)
    if meta.format == "csv" and "decimal" in opts and meta.csv.get("decimal") == ".":
        meta.csv["decimal"] = opts["decimal"] if not _has_dot_decimals(meta) else "."
    text, n, _ = draft_like(meta, like_path, source, wave, command)
    return text, n


def _has_dot_decimals(meta: FileMeta) -> bool:
    return any(c.kind == "text" and c.values.astype(str).str.fullmatch(r"-?\d+\.\d+").any() for c in meta.columns.values())

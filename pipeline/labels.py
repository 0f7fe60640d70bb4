"""The one label catalogue: every Dutch name a reviewer reads instead of a variable name.

Why: tables, figures, summaries and the Excel export must call a group, a dimension or a construct
the same everywhere. The words live in configuration, never in code:

- group levels (``Niet-westers``)             -> config/classifications.yaml ``labels:``
- dimensions and their colours                -> config/labels.yaml ``dimensions:``
- table column headers                        -> config/labels.yaml ``columns:``
- scales, items, survey questions             -> config/codebooks/<source>.yaml (``label:``)
- indicators derived by the analysis          -> config/labels.yaml ``indicators:``
- a group's people, as a sentence's subject   -> config/labels.yaml ``people:``

    from pipeline import labels
    labels.group("herkomst_oud", "niet_westers")   # 'Niet-westers'
    labels.dimension("herkomst_oud")               # 'Migratieachtergrond (westers/niet-westers)'
    labels.column("ci_low")                        # '95%-interval onder'
    labels.indicator("nim", "inclusion")           # 'Ervaren inclusie (totaal)'
    labels.colour("geslacht")                      # "#CC79A7"
    labels.people("herkomst_oud", "nederlands")    # 'medewerkers met een Nederlandse achtergrond'

Unknown names come back unchanged (as text), so a new variable shows up under its own name rather
than failing a chapter.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from pipeline.config import CONFIG_DIR, classifications, load_yaml

INTERSECTION = "×"  # how gap tables name a crossed dimension, e.g. "herkomst_oud×geslacht"


@lru_cache(maxsize=None)
def _catalogue() -> dict[str, Any]:
    return load_yaml(CONFIG_DIR / "labels.yaml")


# --- groups and dimensions ------------------------------------------------------------------------


def group(dim: str, level) -> str:
    """Label of one level of a group dimension (classifications.yaml ``labels:``); unknown -> str(level)."""
    labs = classifications()["labels"].get(dim, {})
    return labs.get(str(level), str(level))


def label(dim: str, level) -> str:
    """Same as `group` (the name the analysis modules have always used)."""
    return group(dim, level)


def groups(dim: str) -> dict[str, str]:
    """Level -> label of a dimension, in the classification's order (empty for an unlabelled one)."""
    return dict(classifications()["labels"].get(dim, {}))


def people(dim: str, level) -> str:
    """The people of one group level as the subject of a sentence (config/labels.yaml ``people:``), so a
    gap can name both sides; a level not listed: "medewerkers in de groep '<label>'"."""
    listed = (_catalogue().get("people") or {}).get(dim, {})
    return listed.get(str(level), f"medewerkers in de groep ‘{group(dim, level)}’")


def dimension(dim: str) -> str:
    """Heading of a group dimension; a crossed dimension ("a×b") joins its members' headings."""
    if INTERSECTION in dim:
        return " × ".join(dimension(d) for d in dim.split(INTERSECTION))
    return _catalogue()["dimensions"].get(dim, {}).get("label", dim)


def dimensions() -> dict[str, str]:
    """Dimension -> heading for every dimension in the catalogue."""
    return {d: spec["label"] for d, spec in _catalogue()["dimensions"].items()}


def dimension_short(dim: str) -> str:
    """A short heading of a dimension for tight places (workbook sheet names); its heading if none."""
    spec = _catalogue()["dimensions"].get(dim, {})
    return spec.get("short", dimension(dim))


def sheet_abbreviations() -> dict[str, str]:
    """Word -> abbreviation used only where a name must fit 31 characters (workbook sheet names)."""
    return dict(_catalogue().get("sheet_abbreviations") or {})


def colour(dim: str, default: str | None = None) -> str | None:
    """The dimension's colour in every figure (`default` for a dimension without one)."""
    return _catalogue()["dimensions"].get(dim, {}).get("colour", default)


def colours() -> dict[str, str]:
    return {d: spec["colour"] for d, spec in _catalogue()["dimensions"].items() if "colour" in spec}


# --- tables ---------------------------------------------------------------------------------------


def column(name: str) -> str:
    """Header of a table column as shown and exported; unlisted columns keep their name. A key
    ``prefix_*`` labels every ``prefix_<suffix>`` (``gap_2019`` -> "kloof 2019")."""
    cols = _catalogue()["columns"]
    if name in cols:
        return cols[name]
    for key, template in cols.items():
        if key.endswith("*") and str(name).startswith(key[:-1]):
            return template.format(suffix=str(name)[len(key) - 1:])
    return name


def columns() -> dict[str, str]:
    """Column -> header, for `DataFrame.rename(columns=...)` (pattern keys: use `column` as the mapper)."""
    return {k: v for k, v in _catalogue()["columns"].items() if not k.endswith("*")}


# --- constructs and indicators --------------------------------------------------------------------


@lru_cache(maxsize=None)
def _codebook_labels(source: str, wave: int | None) -> dict[str, str]:
    from pipeline.codebook import load_codebook
    try:
        cb = load_codebook(source, wave)
    except FileNotFoundError:  # a source whose codebook lives in another folder (paths.codebooks): codes as labels
        return {}
    out = {n: v.get("label", n) for n, v in cb.variables.items()}
    out.update({n: s.get("label", n) for n, s in cb.scales.items()})
    return out


def indicator(source: str, name: str, wave: int | None = None) -> str:
    """Label of a construct, item or derived indicator of `source` (codebook of `wave`, else the base)."""
    derived = (_catalogue().get("indicators") or {}).get(source, {})
    if name in derived:
        return derived[name]
    book = _codebook_labels(source, wave)
    for key, template in derived.items():
        if key.endswith("*") and name.startswith(key[:-1]) and name[len(key) - 1:] in book:
            item = book[name[len(key) - 1:]]
            return template.format(item=item.split(": ", 1)[-1])
    return book.get(name, name)


@lru_cache(maxsize=None)
def scale_range(source: str, name: str, wave: int | None = None) -> tuple[float | None, float | None]:
    """Answer range (low, high) of a scale or item of `source` (a scale: its first item's range), so
    a score can be read as "3,27 op een schaal van 1 tot 5"; (None, None) when the codebook has none."""
    from pipeline.codebook import load_codebook
    try:
        cb = load_codebook(source, wave)
    except FileNotFoundError:  # a source whose codebook lives in another folder (paths.codebooks)
        return (None, None)
    item = cb.scales[name]["items"][0] if name in cb.scales else name
    rng = cb.variables.get(item, {}).get("range")
    return (rng[0], rng[1]) if rng else (None, None)


def indicators(source: str, wave: int | None = None) -> dict[str, str]:
    """Name -> label for every variable and scale of the source's codebook and its named derived
    indicators (pattern keys such as ``discr_*`` are resolved by `indicator` on lookup)."""
    out = dict(_codebook_labels(source, wave))
    out.update({k: v for k, v in ((_catalogue().get("indicators") or {}).get(source, {})).items()
                if not k.endswith("*")})
    return out

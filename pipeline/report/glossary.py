"""The glossary ("Begrippen"): one declarative list (config/glossary.yaml) gives the page and the check.

Why: a reviewer meets words such as "95%-interval", "kloof" or "Korn–Graubard". Each must be explained
once, in plain Dutch, on a page every other page links to. The page is generated from the list, and the
same list says which words count as technical, so a new technical word in the report without an entry
is found by a test (`missing_terms`) rather than by a puzzled reader.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.config import ROOT, load_yaml

GLOSSARY = ROOT / "config" / "glossary.yaml"
PAGE_NAME = "begrippen.html"
TITLE = "Begrippen: wat de woorden in dit rapport betekenen"
# Eponyms of statistical methods are written with an en dash ("Korn–Graubard", "Rao–Scott"): technical
# by their form, so they need an entry without being listed (place names use a hyphen).
NAME_PAIR = re.compile(r"(?<![\w–-])[A-Z][a-zëé]+–[A-Z][a-zëé]+(?![\w])")


@dataclass(frozen=True)
class Entry:
    term: str
    explanation: str
    english: str | None
    forms: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.term.lower()).strip("-")


@dataclass(frozen=True)
class Glossary:
    entries: tuple[Entry, ...]
    technical: tuple[str, ...]

    def covered(self) -> set[str]:
        """Every form an entry explains (lower case)."""
        return {f for e in self.entries for f in (e.term.lower(), *e.forms)}


def _check(data: dict, path: Path) -> None:
    problems = []
    for i, e in enumerate(data.get("begrippen") or []):
        if not isinstance(e, dict) or not str(e.get("term", "")).strip() or not str(e.get("uitleg", "")).strip():
            problems.append(f"begrip {i + 1}: term en uitleg zijn verplicht ({e!r})")
        elif set(e) - {"term", "uitleg", "engels", "vormen"}:
            problems.append(f"{e['term']}: onbekende sleutels {sorted(set(e) - {'term', 'uitleg', 'engels', 'vormen'})}")
    terms = [str(e.get("term", "")).lower() for e in data.get("begrippen") or [] if isinstance(e, dict)]
    problems += [f"dubbel begrip: {t}" for t in sorted({t for t in terms if terms.count(t) > 1})]
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))


def parse(data: dict, path: Path = GLOSSARY) -> Glossary:
    _check(data, path)
    entries = tuple(sorted((Entry(str(e["term"]), " ".join(str(e["uitleg"]).split()), e.get("engels"),
                                  tuple(str(f).lower() for f in e.get("vormen") or ()))
                            for e in data.get("begrippen") or []), key=lambda e: e.term.lower().lstrip("0123456789%-")))
    return Glossary(entries, tuple(str(t).lower() for t in data.get("technisch") or ()))


@lru_cache(maxsize=4)
def load(path: Path = GLOSSARY) -> Glossary:
    return parse(load_yaml(path), path)


def _occurs(form: str, text: str) -> bool:
    """A form occurs when a word (or words) of the text starts with it."""
    return re.search(r"(?<![\w-])" + re.escape(form), text, re.IGNORECASE) is not None


def used_terms(text: str, glossary: Glossary) -> set[str]:
    """The technical words of `glossary` and the method names (NAME_PAIR) that occur in `text`."""
    found = {t for t in glossary.technical if _occurs(t, text)}
    return found | {m.lower() for m in NAME_PAIR.findall(text)}


def missing_terms(text: str, glossary: Glossary) -> set[str]:
    """Technical words in `text` that no glossary entry explains."""
    covered = glossary.covered()
    return used_terms(text, glossary) - covered


def page_body(glossary: Glossary) -> str:
    """The glossary as a definition list, alphabetical, each term with an anchor (begrippen.html#kloof)."""
    items = []
    for e in glossary.entries:
        english = f' <span class="english" lang="en">(Engels: {html.escape(e.english)})</span>' if e.english else ""
        items.append(f'<dt id="{e.anchor}">{html.escape(e.term)}</dt><dd>{html.escape(e.explanation)}{english}</dd>')
    return ('<p>Hier staat wat de moeilijkere woorden in dit rapport betekenen. De woorden staan op alfabet.</p>'
            f'<dl class="glossary">{"".join(items)}</dl>')


def write_glossary(settings, specs: list[dict]) -> Path:
    """reports/begrippen.html, with the menu, banner and reading aid of every page."""
    from pipeline.io import atomic_write_text
    from pipeline.report.pages import decorate, page_list
    css = (Path(__file__).parent / "templates" / "inclusiemonitor" / "report.css").read_text(encoding="utf-8")
    page = ('<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(TITLE)}</title><style>{css}\n"
            "dl.glossary dt{font-weight:bold;margin-top:1em} dl.glossary dd{margin:0.2em 0 0 0;max-width:42em}"
            "</style></head>"
            f"<body><main><h1>{html.escape(TITLE)}</h1>{page_body(load())}</main></body></html>\n")
    page = decorate(page, page_list(specs), PAGE_NAME, demo=settings.demo, k=settings.min_cell_size)
    return atomic_write_text(settings.reports_dir / PAGE_NAME, page)

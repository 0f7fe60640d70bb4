"""Plain-language checks on rendered pages: what the main reading text is, its sentences and their length.

Why: the report aims at B1 Dutch (the level of Dutch government texts): sentences of at most 25 words,
one finding per sentence. A budget can only be tested if "main text" and "sentence" are defined the
same way every time; this module is that definition, used by the tests on the rendered HTML.

Main text is what a reader meets when reading the page from top to bottom: paragraphs, list items and
the "Zo leest u dit" box (the same on every page, so a page's sentence-length budget leaves it out and
`reading_aid` checks it once). Not main text: headings (titles, not sentences), tables and their notes,
anything collapsed in a <details> (the "Detail voor onderzoekers" sections, provenance, folded
tables), the demo banner, menus and navigation, download links, and figures (their alt text is read
only by a screen reader).

Sentences end at ".", "!", "?" or "…" followed by white space (or the end of the block), optionally
after a closing bracket or quote. A block (a paragraph, a list item) always ends a sentence, even
without a full stop. A full stop does not end a sentence when it ends a known abbreviation ("t.o.v.",
"bijv.", "o.a.", "d.w.z.", "nr.", "ca.", ...) or sits between digits ("1.895", "0.28"); a decimal comma
("0,28") never does. A colon or semicolon does not end a sentence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag

# Dutch abbreviations whose full stop is part of the word (lower case; matched case-insensitively).
ABBREVIATIONS = frozenset({
    "t.o.v.", "bijv.", "bv.", "o.a.", "d.w.z.", "nr.", "ca.", "e.d.", "enz.", "etc.", "m.b.t.", "i.p.v.",
    "i.v.m.", "incl.", "excl.", "resp.", "zgn.", "vs.", "max.", "min.", "gem.", "jr.", "mln.", "mld.",
    "n.v.t.", "p.", "blz.", "z.g.a.n.", "a.s.", "j.l.", "dhr.", "mevr.", "drs.", "dr.", "prof.", "fig.",
    "tab.", "vgl.", "o.b.v.", "m.u.v.", "e.a.", "c.q.", "t/m.", "ong.",
})
BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "section", "article", "aside", "main",
                    "header", "footer", "nav", "figure", "figcaption", "blockquote", "pre", "hr", "br", "table",
                    "details", "summary", "body", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "form"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Not main text: removed before the text is read (see the module docstring).
EXCLUDED = ("table", "details", "nav", "header.site", ".demo", ".downloads", ".download", ".table-note",
            "script", "style", "head", "title", "img", "svg", ".jp-OutputPrompt", ".jp-InputPrompt")

_END = re.compile(r"[.!?…]+[)\]\"'”’»]*(?=\s|$)")
_TOKEN = re.compile(r"\S+")
_WORDLIKE = re.compile(r"[^\W_]", re.UNICODE)
LONG = 25  # words: the B1 limit of one sentence


def _is_abbreviation(text: str, end: int) -> bool:
    """Whether the full stop ending at `end` closes a known abbreviation (the token before it)."""
    start = max(text.rfind(" ", 0, end), text.rfind("(", 0, end), text.rfind("\u00a0", 0, end)) + 1
    return text[start:end].lower() in ABBREVIATIONS


def sentences(text: str) -> list[str]:
    """Split one block of Dutch text into sentences (see the module docstring for the rules)."""
    text = " ".join(text.split())
    out, start = [], 0
    for m in _END.finditer(text):
        stop = m.end()
        if m.group().startswith(".") and m.group().rstrip(")]\"'”’»") == "." and _is_abbreviation(text, m.start() + 1):
            continue
        piece = text[start:stop].strip()
        if piece:
            out.append(piece)
        start = stop
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return [s for s in out if word_count(s)]


def word_count(sentence: str) -> int:
    """Words: white-space separated tokens that hold a letter or digit ("95%-interval" and "0,28" are one
    word each; a dash or bullet on its own is none)."""
    return sum(1 for t in _TOKEN.findall(sentence) if _WORDLIKE.search(t))


def _blocks(node: Tag, out: list[list[str]], current: list[str], headings: bool) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not comments, CDATA, doctype
                current.append(str(child))
        elif isinstance(child, Tag):
            if child.name in BLOCKS:
                if "".join(current).strip():
                    out.append(current[:])
                current.clear()
                if child.name in HEADINGS and not headings:
                    continue
                _blocks(child, out, current, headings)
                if "".join(current).strip():
                    out.append(current[:])
                current.clear()
            else:
                _blocks(child, out, current, headings)


SHARED = (".howto",)  # the reading aid, the same on every page: checked once (`reading_aid`), not per page


def main_blocks(page: str, *, headings: bool = False, shared: bool = True) -> list[str]:
    """The main reading text of a rendered page, one string per block (paragraph, list item, ...).
    `headings`: include headings (for the glossary check: a term in a heading is read too); `shared`:
    include the reading aid "Zo leest u dit" (left out of a page's sentence-length budget)."""
    soup = BeautifulSoup(page, "html.parser")
    for sel in EXCLUDED + (() if shared else SHARED):
        for el in soup.select(sel):
            el.decompose()
    root = soup.find("main") or soup.body or soup
    out: list[list[str]] = []
    current: list[str] = []
    _blocks(root, out, current, headings)
    if "".join(current).strip():
        out.append(current)
    return [" ".join("".join(b).split()) for b in out]


def main_sentences(page: str, shared: bool = True) -> list[str]:
    """Every sentence of the page's main text, in reading order (`shared`: with the reading aid)."""
    return [s for b in main_blocks(page, shared=shared) for s in sentences(b)]


def reading_aid(page: str) -> list[str]:
    """The sentences of the page's "Zo leest u dit" box."""
    soup = BeautifulSoup(page, "html.parser")
    box = soup.select_one(".howto")
    return main_sentences(f"<main>{box}</main>") if box else []


@dataclass(frozen=True)
class LengthReport:
    """Sentences of some main text and those longer than `limit` words."""
    sentences: tuple[str, ...]
    long: tuple[str, ...]
    limit: int = LONG

    @property
    def share(self) -> float:
        return len(self.long) / len(self.sentences) if self.sentences else 0.0

    def describe(self, top: int = 5) -> str:
        worst = sorted(self.long, key=word_count, reverse=True)[:top]
        return (f"{len(self.long)} van {len(self.sentences)} zinnen langer dan {self.limit} woorden "
                f"({self.share:.0%}); langste:\n" + "\n".join(f"  [{word_count(s)}] {s}" for s in worst))


def length_report(*pages: str, limit: int = LONG, shared: bool = False) -> LengthReport:
    """Sentence lengths over the main text of one or more rendered pages taken together; the reading
    aid shared by every page counts only with `shared` (it would dilute each page's own text)."""
    found = tuple(s for p in pages for s in main_sentences(p, shared=shared))
    return LengthReport(found, tuple(s for s in found if word_count(s) > limit), limit)


def main(argv=None) -> int:
    """`python -m pipeline.report.plain reports/02_inclusie.html ...`: the share of long sentences."""
    import argparse
    from pathlib import Path
    ap = argparse.ArgumentParser(prog="python -m pipeline.report.plain")
    ap.add_argument("pages", nargs="+", type=Path)
    ap.add_argument("--together", action="store_true", help="one share over all pages")
    args = ap.parse_args(argv)
    groups = [args.pages] if args.together else [[p] for p in args.pages]
    for group in groups:
        rep = length_report(*(p.read_text(encoding="utf-8") for p in group))
        print(f"{' + '.join(p.name for p in group)}: {rep.describe()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

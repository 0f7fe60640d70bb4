"""One Excel workbook with every published table (a sheet per table, Dutch labels), for colleagues
who work in Excel. Built from the tidy CSVs that `display.table` wrote after suppression.

The workbook opens on its contents sheet ("inhoud": chapter, table title, a link to the sheet);
sheet names are the table's own title, readable and unique within Excel's 31 characters."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from pipeline.io import atomic_path

CONTENTS = "inhoud"
MAX_SHEET = 31  # Excel's limit


# Words that carry no meaning of their own in a table title: never the last word of a name (a name
# ending in one reads as cut off mid-phrase); the articles are dropped first when a name is too long.
FILLER = frozenset("de het een van en met op om aan te die dat voor bij tot naar per in of als is wat tussen".split())
ARTICLES = frozenset({"de", "het", "een"})
# A title may be cut before one of these: what follows is a qualifier ("… per directie") or a
# relative clause ("Aandeel | dat …"), not the rest of a phrase ("Medewerkers met onbekende | herkomst").
QUALIFIERS = frozenset("per naar bij van in met op voor om tot tegen sinds uit zonder onder over tussen dat die "
                       "waar".split())
# Where a title may be cut without cutting a phrase: the end of a clause.
CLAUSE = re.compile(r"\s*(?::|;|,|\s[–—-]\s|\(|\))\s*")


def _tidy_end(words: list[str]) -> list[str]:
    """Drop trailing filler words and dangling punctuation, and an unclosed parenthesis."""
    text = " ".join(words)
    if text.count("(") > text.count(")"):
        text = text[:text.rindex("(")]
    words = text.rstrip(" ,;:–—-(").split()
    while len(words) > 1 and words[-1].lower() in FILLER:
        words = words[:-1]
    return words


def abbreviations() -> dict[str, str]:
    """Word -> abbreviation for sheet names (config/labels.yaml ``sheet_abbreviations``)."""
    from pipeline import labels
    return labels.sheet_abbreviations()


def lean(title: str) -> str:
    """The title without parentheses and articles, with the catalogue's abbreviations: what a
    shortened name is cut from (and what tests compare a name with)."""
    abbr = abbreviations()
    plain = re.sub(r"\s*\([^)]*\)", "", title)
    return " ".join(abbr.get(w, w) for w in plain.split() if w.lower() not in ARTICLES)


def shorten(title: str, limit: int) -> str:
    """A title in at most `limit` characters that still reads as a phrase. Tried in order: the title;
    without parentheses and articles, with abbreviations (`lean`); its first clause (before ":");
    whole clauses (cut at ",", "(" or a dash); whole words up to a qualifier ("… | per directie"),
    if need be without the filler words inside.
    Never ends in a filler word, a comma or an open parenthesis."""
    title = " ".join(title.split())
    short = lean(title)
    head = short.split(":")[0].strip()
    for text in (title, short, head):
        if len(text) <= limit:
            return " ".join(_tidy_end(text.split()))
    clauses = [c for c in CLAUSE.split(head) if c]
    if clauses and len(clauses[0]) <= limit:
        out = clauses[0]
        for c in clauses[1:]:
            if len(f"{out} {c}") > limit:
                break
            out = f"{out} {c}"
        return " ".join(_tidy_end(out.split()))
    words = head.split()
    for k in range(len(words), 0, -1):  # the longest cut before a qualifier, if need be without inner filler words
        if k < len(words) and words[k].lower() not in QUALIFIERS:
            continue
        cut = words[:k]
        for text in (cut, cut[:1] + [w for w in cut[1:] if w.lower() not in FILLER]):
            if len(" ".join(text)) <= limit and text[-1].lower() not in FILLER:
                return " ".join(text)
    fit = []
    for w in words:
        if len(" ".join([*fit, w])) > limit:
            break
        fit.append(w)
    return " ".join(_tidy_end(fit)) or title[:limit]


def sheet_name(chapter: str, caption: str, used: set[str]) -> str:
    """"05 Verandering per groep": the chapter's number and the table's (short) title, without the
    characters Excel forbids, shortened to a readable phrase (`shorten`) and numbered " (2)" when the
    name is taken."""
    prefix = chapter.split("_", 1)[0]
    title = re.sub(r"[\[\]:*?/\\']", lambda m: ":" if m.group(0) == ":" else " ", caption or chapter)
    title = " ".join(title.replace(":", " :").split()).replace(" :", ":")
    room = MAX_SHEET - len(prefix) - 1
    base = f"{prefix} {shorten(title, room)}".replace(":", "").strip()
    name, i = base, 2
    while name.lower() in used or name.lower() == CONTENTS:
        suffix = f" ({i})"
        name, i = f"{prefix} {shorten(title, room - len(suffix))}".replace(":", "").strip() + suffix, i + 1
    used.add(name.lower())
    return name


def write_workbook(tables_dir: Path, target: Path, chapters: list[str] | None = None) -> Path | None:
    """`chapters`: the chapters of this report, in reading order (tables left by chapters of an
    earlier, wider run are not included)."""
    order = {c: i for i, c in enumerate(chapters or [])}
    csvs = sorted((p for p in Path(tables_dir).glob("*/*.csv") if chapters is None or p.parent.name in order),
                  key=lambda p: (order.get(p.parent.name, 0), p.parent.name, p.name))
    if not csvs:
        return None
    used: set[str] = set()
    entries = []
    for p in csvs:
        cap, short = p.with_suffix(".caption"), p.with_suffix(".sheet")
        caption = cap.read_text(encoding="utf-8") if cap.exists() else p.stem
        title = short.read_text(encoding="utf-8") if short.exists() else caption
        entries.append((p, p.parent.name, caption, sheet_name(p.parent.name, title, used)))
    # `bestand`: the sheet's CSV (tables/<hoofdstuk>/<bestand>), also how the output guard finds its metadata
    contents = pd.DataFrame([{"hoofdstuk": ch, "tabel": caption, "blad": name, "bestand": p.name}
                             for p, ch, caption, name in entries])
    # xlsxwriter: writes the ~200 sheets four times faster than openpyxl (the workbook is the report's last step)
    with atomic_path(target) as tmp, pd.ExcelWriter(tmp, engine="xlsxwriter") as xl:
        contents.to_excel(xl, sheet_name=CONTENTS, index=False)  # first sheet: the workbook opens here
        for p, _, _, name in entries:
            df = pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False)
            df.to_excel(xl, sheet_name=name, index=False)
        sheet = xl.sheets[CONTENTS]
        link = xl.book.get_default_url_format()
        for row, (_, _, _, name) in enumerate(entries, start=1):  # each sheet name links to its sheet
            sheet.write_url(row, 2, f"internal:'{name}'!A1", link, string=name)
        for col, width in enumerate((22, 70, 34, 40)):
            sheet.set_column(col, col, width)
        sheet.activate()
    return target

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


def sheet_name(chapter: str, caption: str, used: set[str]) -> str:
    """"05 Verandering per groep": the chapter's number and the table's title, without the characters
    Excel forbids, cut at a word and numbered " (2)" when the name is taken."""
    prefix = chapter.split("_", 1)[0]
    title = re.sub(r"[\[\]:*?/\\']", " ", caption or chapter)
    title = " ".join(title.split())
    base = f"{prefix} {title}".strip()
    if len(base) > MAX_SHEET:
        base = base[:MAX_SHEET].rsplit(" ", 1)[0] if " " in base[:MAX_SHEET] else base[:MAX_SHEET]
    name, i = base, 2
    while name.lower() in used or name.lower() == CONTENTS:
        suffix = f" ({i})"
        name, i = base[:MAX_SHEET - len(suffix)].rstrip() + suffix, i + 1
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

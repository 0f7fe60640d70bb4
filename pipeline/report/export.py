"""One Excel workbook with every published table (a sheet per table, Dutch labels), for colleagues
who work in Excel. Built from the tidy CSVs that `display.table` wrote after suppression."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.io import atomic_path


def write_workbook(tables_dir: Path, target: Path, chapters: list[str] | None = None) -> Path | None:
    """`chapters`: the chapters of this report (tables left by chapters of an earlier, wider run are
    not included)."""
    csvs = sorted(p for p in Path(tables_dir).glob("*/*.csv") if chapters is None or p.parent.name in chapters)
    if not csvs:
        return None
    used = set()
    index_rows = []
    with atomic_path(target) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for p in csvs:
            chapter = p.parent.name
            df = pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False)
            base = f"{chapter[:2]}_{p.stem[:2]}_{p.stem[3:]}"[:31]
            name, i = base, 1
            while name in used:
                name, i = f"{base[:28]}_{i}", i + 1
            used.add(name)
            df.to_excel(xl, sheet_name=name, index=False)
            caption = p.with_suffix(".caption").read_text(encoding="utf-8") if p.with_suffix(".caption").exists() else ""
            index_rows.append({"blad": name, "hoofdstuk": chapter, "tabel": caption})
        pd.DataFrame(index_rows).to_excel(xl, sheet_name="inhoud", index=False)
    return target

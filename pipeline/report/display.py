"""Display helpers for the chapter notebooks: headings, tables and the provenance block.

Why: every chapter formats tables the same way (Dutch decimals, suppressed cells marked) and ends with
the same provenance block, so this lives here rather than in each notebook.
"""
from __future__ import annotations

import html as _html
import json
from pathlib import Path

import jinja2
import pandas as pd
from pandas.io.formats.style import Styler
from IPython.display import HTML, Markdown, display

from pipeline import labels
from pipeline.disclosure import SUPPRESSED
from pipeline.disclosure.errors import MISSING
from pipeline.disclosure.publish import Published, PublishedFigure, unchecked


def heading(text: str, level: int = 2) -> None:
    display(Markdown(f"{'#' * level} {text}"))


def text(md: str) -> None:
    display(Markdown(md))


COUNT_COLUMNS = {"n", "n_ref", "aantal", "items", "noemer"}
YEAR_COLUMNS = {"jaar", "golf", "wave", "periode"}


def figure_description(fig) -> str:
    """What a figure shows, from its own titles: the suptitle, then each axes' title (its axis labels
    where it has no title), joined; "Figuur" only if the figure has no text at all."""
    parts = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) is not None else []
    for ax in fig.get_axes():
        parts.append(ax.get_title() or ax.get_title(loc="left") or ax.get_title(loc="right")
                     or " – ".join(t for t in (ax.get_ylabel(), ax.get_xlabel()) if t))
    seen: list[str] = []
    for p in (" ".join(p.split()) for p in parts):
        if p and p not in seen:
            seen.append(p)
    return "; ".join(seen) or "Figuur"


def figure(published: PublishedFigure) -> None:
    """Embed a figure drawn from published tables as a static PNG whatever the backend, then free it.
    Its `alt` (default: the figure's titles, see figure_description) becomes the image's alt text.

    PNG metadata (software version, timestamps) is dropped so equal inputs give byte-identical images."""
    import io
    if not isinstance(published, PublishedFigure):
        raise TypeError("show.figure: only figures drawn from published tables (pipeline.disclosure.publish.figure)")
    fig = published.fig
    import matplotlib.pyplot as plt
    from IPython.display import Image
    alt = published.alt or figure_description(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    display(Image(data=buf.getvalue(), alt=alt))


class _ScopedStyler(Styler):
    """pandas' Styler whose column headers carry scope="col" (templates/pandas/scoped_table.tpl)."""
    env = jinja2.Environment(loader=jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "pandas"), Styler.loader]), trim_blocks=True)
    template_html_table = env.get_template("scoped_table.tpl")


def _fmt(v, decimals: int) -> str:
    if isinstance(v, (bool,)):
        return "ja" if v else ""
    if isinstance(v, float):
        if pd.isna(v):
            return SUPPRESSED
        return f"{v:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    if isinstance(v, int):
        return f"{v:,}".replace(",", "\u202f")
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _missing(published: Published) -> pd.DataFrame:
    """Empty cells that disclosure control did not hide: missing or not applicable (shown as MISSING)."""
    df = published.table
    return df.isna() & ~published.hidden.reindex(index=df.index, columns=df.columns, fill_value=False).astype(bool)


def _export(df: pd.DataFrame, caption: str, counts: tuple[str, ...] = (), missing: pd.DataFrame | None = None,
            cells: tuple[int, int] | None = None) -> None:
    """Tidy CSV of every shown table (after suppression) when the report build asks for it."""
    import os
    import re
    from pathlib import Path

    from pipeline.io import atomic_path, atomic_write_text
    target = os.environ.get("INCLUSIEMONITOR_TABLES")
    if not target:
        return
    d = Path(target)
    d.mkdir(parents=True, exist_ok=True)
    n = len(list(d.glob("*.csv"))) + 1
    slug = re.sub(r"[^a-z0-9]+", "_", caption.lower()).strip("_")[:40] or "tabel"
    out = df.copy()
    for c in (missing.columns[missing.any()] if missing is not None else []):
        if c in out and c != "onderdrukt":  # "–" for missing, SUPPRESSED only for what was hidden
            out[c] = [MISSING if m else (SUPPRESSED if pd.isna(v) else (f"{v:.6g}".replace(".", ",") if isinstance(v, float) else v))
                      for v, m in zip(out[c], missing[c])]
    out = out.drop(columns=[c for c in ("onderdrukt",) if c in out.columns]).rename(columns=labels.column)
    with atomic_path(d / f"{n:02d}_{slug}.csv") as tmp:
        out.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig", float_format="%.6g",
                   na_rep=SUPPRESSED)
    # which columns count persons, for the output guard (the table's own metadata, not its headers)
    # cells: (shown, suppressed) numeric cells, for the report's suppression summary
    atomic_write_text(d / f"{n:02d}_{slug}.meta.json", json.dumps(
        {"counts": [labels.column(c) for c in counts], "cells": list(cells or (0, 0))}, ensure_ascii=False))
    atomic_write_text(d / f"{n:02d}_{slug}.caption", caption)


def table(published: Published, caption: str = "", decimals: int = 2, percent: list[str] | None = None,
          integers: list[str] | None = None, export: bool = True) -> None:
    """Show a published table without index; NaN in a numeric column is shown as the suppression mark.
    The same table (suppressed, Dutch column names) is exported as CSV for the Excel workbook."""
    if not isinstance(published, Published):
        raise TypeError(f"show.table('{caption}'): only published tables (pipeline.disclosure.publish) can be shown")
    df = published.table
    missing = _missing(published)
    cells = published.cells
    if export:
        _export(df, caption, published.counts, missing, cells)
    if cells[1] and caption:
        caption = f"{caption} ({cells[1]} {'cel' if cells[1] == 1 else 'cellen'} niet getoond)"
    out = df.copy()
    for c in percent or []:
        out[c] = out[c].map(lambda v: SUPPRESSED if pd.isna(v) else f"{100 * v:.1f}%".replace(".", ","))
    counts = (COUNT_COLUMNS | set(integers or [])) & set(out.columns)
    counts |= {c for c in out.columns if str(c).startswith("nodig")}
    for c in counts:
        out[c] = out[c].map(lambda v: SUPPRESSED if pd.isna(v) else _fmt(int(v), 0))
    for c in YEAR_COLUMNS & set(out.columns):
        out[c] = out[c].map(lambda v: str(int(v)) if isinstance(v, (int, float)) and not pd.isna(v) else str(v))
    for c in missing.columns[missing.any()]:
        if c in out and c != "onderdrukt":
            out[c] = out[c].astype(object).mask(missing[c], MISSING)
    if missing.drop(columns=[c for c in ("onderdrukt",) if c in missing]).any().any() and caption:
        caption = f"{caption} ({MISSING} = geen gegevens of niet van toepassing)"
    shown = out.drop(columns=[c for c in ("onderdrukt",) if c in out.columns]).rename(columns=labels.column)
    styler = _ScopedStyler(shown).format(lambda v: _fmt(v, decimals), na_rep=_html.escape(SUPPRESSED), escape="html").hide(axis="index")
    if caption:
        styler = styler.set_caption(_html.escape(caption))
    display(HTML(styler.to_html()))


def provenance(inputs: dict, parameters: dict) -> None:
    from pipeline.report.provenance import provenance_table
    heading("Herkomst van dit hoofdstuk", 2)
    text("Controlegetallen van de invoer, codeversie, pakketversies en parameters waarmee dit hoofdstuk is gemaakt.")
    table(unchecked(provenance_table(inputs, parameters), "input checksums, versions and parameters"), "Herkomst",
          export=False)


def chapter(ch) -> None:
    """Show a chapter's content (pipeline.chapters.Chapter) in order."""
    for kind, value in ch.blocks:
        if kind == "heading":
            heading(*value)
        elif kind == "text":
            text(value)
        elif kind == "table":
            t, caption, fmt = value
            table(t, caption, **fmt)
        elif kind == "figure":
            figure(value)
        elif kind == "provenance":
            provenance(*value)
        elif kind != "results":
            raise ValueError(f"unknown chapter block {kind!r}")
    _export_results(ch.results())


def _export_results(rows: pd.DataFrame) -> None:
    """The chapter's rows of the results table, when the report build asks for them (it adds the
    chapter's name and gathers all chapters into reports/results.csv)."""
    import os
    from pathlib import Path
    target = os.environ.get("INCLUSIEMONITOR_RESULTS")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        rows.assign(chapter=Path(target).stem).to_parquet(target, index=False)

"""Display helpers for the chapter notebooks: headings, tables and the provenance block.

Why: every chapter formats tables the same way (Dutch decimals, suppressed cells marked) and ends with
the same provenance block, so this lives here rather than in each notebook.
"""
from __future__ import annotations

import hashlib
import html as _html
import json
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler
from IPython.display import HTML, Markdown, display

from pipeline import labels
from pipeline.report import numbers as num
from pipeline.disclosure import SUPPRESSED
from pipeline.disclosure.errors import MISSING
from pipeline.disclosure.publish import ABSENT, Published, PublishedFigure, unchecked


def heading(text: str, level: int = 2, anchor: str | None = None) -> None:
    if anchor:  # a fixed id another page links to (the table of contents keeps it)
        display(Markdown(f'<h{level} id="{_html.escape(anchor)}">{_html.escape(text)}</h{level}>'))
        return
    display(Markdown(f"{'#' * level} {text}"))


def text(md: str) -> None:
    display(Markdown(md))


def detail(md: str, about: str = "methode") -> None:
    """Method text, collapsed like the researchers' columns of a table: not part of the main reading text."""
    display(Markdown(f'<details class="detail"><summary>Detail voor onderzoekers: {_html.escape(about)}</summary>'
                     f"\n\n{md}\n\n</details>"))


COUNT_COLUMNS = {"n", "n_ref", "aantal", "items", "noemer"}
YEAR_COLUMNS = {"jaar", "golf", "wave", "periode"}


def figure_description(fig) -> str:
    """What a figure shows, from its own titles: the suptitle, then each axes' title (its axis labels
    where it has no title), joined; "Figuur" only if the figure has no text at all. Followed by the
    key finding the figure function put in the figure's label."""
    parts = [fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) is not None else []
    for ax in fig.get_axes():
        parts.append(ax.get_title() or ax.get_title(loc="left") or ax.get_title(loc="right")
                     or " – ".join(t for t in (ax.get_ylabel(), ax.get_xlabel()) if t))
    seen: list[str] = []
    for p in (" ".join(p.split()) for p in parts):
        if p and p not in seen:
            seen.append(p)
    finding = fig.get_label()  # the key finding a figure function states (Figure.set_label), if any
    return ("; ".join(seen) or "Figuur") + (f". {finding}" if finding else "")


def figure(published: PublishedFigure) -> None:
    """Embed a figure drawn from published tables as a static PNG whatever the backend, then free it.
    Its `alt` (default: the figure's titles, see figure_description) becomes the image's alt text,
    followed by the key finding the figure function put in the figure's label.

    PNG metadata (software version, timestamps) is dropped so equal inputs give byte-identical images."""
    import io
    if not isinstance(published, PublishedFigure):
        raise TypeError("show.figure: only figures drawn from published tables (pipeline.disclosure.publish.figure)")
    fig = published.fig
    import matplotlib.pyplot as plt
    from IPython.display import Image
    finding = fig.get_label()  # a caller's own alt keeps the key finding the figure function states
    alt = (f"{published.alt.rstrip('.')}. {finding}" if finding else published.alt) if published.alt \
        else figure_description(fig)
    data = png_bytes(fig)
    plt.close(fig)
    display(Image(data=data, alt=alt))


def png_bytes(fig, dpi: int = 110) -> bytes:
    """The figure as a small, deterministic PNG: a 256-colour palette (charts have few colours; a third
    of the bytes, so a page with many charts stays well under 1 MB) and no metadata."""
    import io

    from PIL import Image as PILImage
    buf = io.BytesIO()
    # a figure laid out with fixed margins (`fixed_layout`, e.g. the ~80 charts of the directorate pages)
    # is saved as drawn: cropping to the ink draws every figure twice
    tight = None if getattr(fig, "fixed_layout", False) else "tight"
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches=tight, metadata={"Software": None})
    img = PILImage.open(io.BytesIO(buf.getvalue())).convert("RGB").quantize(colors=256, method=PILImage.Quantize.FASTOCTREE,
                                                                           dither=PILImage.Dither.NONE)
    palette = img.getpalette()  # the quantizer averages white into a faint grey: snap near-white back
    img.putpalette([255 if min(palette[i:i + 3]) >= 245 else v for i in range(0, len(palette), 3)
                    for v in palette[i:i + 3]])
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


class _ScopedStyler(Styler):
    """pandas' Styler whose column headers carry scope="col" (templates/pandas/scoped_table.tpl)."""
    env = jinja2.Environment(loader=jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "pandas"), Styler.loader]), trim_blocks=True)
    template_html_table = env.get_template("scoped_table.tpl")


def _fmt(v, decimals: int) -> str:
    """A cell in Dutch (Babel, see numbers.py); missing values are handled by `table`."""
    if isinstance(v, (bool, np.bool_)):
        return "ja" if v else "nee"
    if isinstance(v, (float, np.floating)):
        return num.decimal(v, decimals)
    if isinstance(v, (int, np.integer)):
        return num.integer(v)
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _tables_dir() -> Path | None:
    import os
    target = os.environ.get("INCLUSIEMONITOR_TABLES")
    return Path(target) if target else None


CSV_FLOAT = "%.6g"  # the CSV's numbers: six significant digits, decimal comma (Excel nl_NL)


def _csv_number(v):
    """A float in a text column written as the float columns are ("%.6g", decimal comma); else `v`."""
    if isinstance(v, (float, np.floating)) and not isinstance(v, bool) and v == v:
        return (CSV_FLOAT % v).replace(".", ",")
    return v


def _export(df: pd.DataFrame, caption: str, counts: tuple[str, ...] = (), sheet: str | None = None,
            missing: np.ndarray | None = None, cells: tuple[int, int] = (0, 0)) -> str | None:
    """Tidy CSV of every shown table (after suppression) when the report build asks for it; returns
    the file name. The CSV keeps every column (standard errors, design effects, effect sizes)."""
    import re

    from pipeline.io import atomic_path, atomic_write_text
    d = _tables_dir()
    if d is None:
        return None
    d.mkdir(parents=True, exist_ok=True)
    n = len(list(d.glob("*.csv"))) + 1
    slug = re.sub(r"[^a-z0-9]+", "_", caption.lower()).strip("_")[:40] or "tabel"
    name = f"{n:03d}_{slug}.csv"
    out = df.copy()
    if missing is not None and missing.any():  # MISSING for empty cells that were not suppressed
        for j, c in enumerate(df.columns):
            if missing[:, j].any() and c != "onderdrukt":
                out[c] = out[c].astype(object).mask(missing[:, j], MISSING)
    out = out.drop(columns=[c for c in ("onderdrukt", ABSENT) if c in out.columns]).rename(columns=labels.column)
    for c in out.columns:  # pandas leaves numbers in a text column (a mark beside them) as Python writes them
        if out[c].dtype == object:
            out[c] = [_csv_number(v) for v in out[c].tolist()]
    with atomic_path(d / name) as tmp:
        out.to_csv(tmp, index=False, sep=";", decimal=",", encoding="utf-8-sig", float_format=CSV_FLOAT,
                   na_rep=SUPPRESSED)
    # which columns count persons, for the output guard (the table's own metadata, not its headers)
    atomic_write_text((d / name).with_suffix(".meta.json"), json.dumps(
        {"counts": [labels.column(c) for c in counts], "cells": list(cells)}, ensure_ascii=False))
    # cells: (shown, suppressed) numeric cells, for the report's suppression summary
    atomic_write_text((d / name).with_suffix(".caption"), caption)
    if sheet:  # a short name for the table's sheet in the workbook (export.sheet_name)
        atomic_write_text((d / name).with_suffix(".sheet"), sheet)
    return name


# Columns a researcher needs but a reviewer does not: shown in the collapsed detail section and kept
# in the CSV/workbook; the reviewer's table keeps estimate, interval, n and the verdict in words.
DETAIL_COLUMNS = ("se", "deff", "cohens_d", "p", "p_bh", "adj_p", "adj_p_bh", "p_raoscott", "p_vs_referentie",
                  "did_standardised", "modelschatting_se", "gewicht")
P_COLUMNS = {"p", "p_bh", "adj_p", "adj_p_bh", "p_raoscott", "p_vs_referentie"}
# The estimate whose BH-corrected test the verdict ("hoger / lager / geen aantoonbaar verschil") reads.
EFFECT_COLUMNS = ("difference", "change", "did", "verandering", "slope")
LONG_TABLE = 15  # longer tables fold into a collapsed section (and are left off the printed page)
VERDICT = "oordeel"


def verdict(estimate, p_bh, alpha: float = 0.05) -> str:
    """The verdict in words, with a symbol so it never rests on colour: ▲ hoger, ▼ lager, ● no
    demonstrable difference after correction for many comparisons (Benjamini–Hochberg)."""
    if pd.isna(estimate):
        return SUPPRESSED_MARK
    if pd.isna(p_bh):
        return NOT_APPLICABLE
    if p_bh < alpha:
        return "▲ hoger" if estimate > 0 else "▼ lager"
    return "● geen aantoonbaar verschil"


SUPPRESSED_MARK = "–"
NOT_APPLICABLE = "n.v.t."


def _status(published: Published, df: pd.DataFrame) -> np.ndarray:
    """Per cell: "suppressed", "absent" (empty in a row with a public reason, publish.ABSENT: no
    respondents in the wave, not measured), "na" (empty but not suppressed: missing or not applicable)
    or "". A cell hidden by disclosure control is "suppressed" whatever the row's reason says.
    Suppressed: marked hidden by disclosure control (`Published.hidden`), or empty in a row marked
    `onderdrukt`; a table computed from a published one (`derive`) may have lost the marks, so there
    an empty cell of a table with suppressions counts as suppressed (never a suppressed cell as n.v.t.)."""
    empty = df.isna().to_numpy()
    hidden = published.hidden.reindex(columns=df.columns, fill_value=False).to_numpy(dtype=bool)
    if "onderdrukt" in df.columns:
        hidden = hidden | df["onderdrukt"].eq(True).to_numpy()[:, None]
    absent = _reasons(df).to_numpy() != ""
    if published.suppressed and not (hidden & ~absent[:, None]).any():
        hidden = np.ones_like(empty) & ~absent[:, None]
    marked = published.hidden.reindex(columns=df.columns, fill_value=False).to_numpy(dtype=bool)
    return np.where(empty, np.where(marked | (hidden & ~absent[:, None]), "suppressed",
                                    np.where(absent[:, None], "absent", "na")), "").astype(object)


def _reasons(df: pd.DataFrame) -> pd.Series:
    """Per row the public reason it has no numbers (publish.ABSENT), "" for none."""
    if ABSENT not in df:
        return pd.Series("", index=df.index)
    return df[ABSENT].fillna("").astype(str)


def _html_table(df: pd.DataFrame, caption: str) -> str:
    # the table's id follows from its content (pandas draws a random one): the same report is the same page
    uid = hashlib.sha256(f"{caption}\0{df.to_csv()}".encode()).hexdigest()[:10]
    styler = _ScopedStyler(df, uuid=uid).format(escape="html").hide(axis="index")
    if caption:
        styler = styler.set_caption(_html.escape(caption))
    return styler.to_html()


def table(published: Published, caption: str = "", **fmt) -> None:
    """Show a published table (see `table_html`)."""
    display(HTML(table_html(published, caption, **fmt)))


def table_html(published: Published, caption: str = "", decimals: int = 2, percent: list[str] | None = None,
               integers: list[str] | None = None, points: list[str] | None = None, export: bool = True,
               fold: bool | None = None, k: int | None = None, sheet: str | None = None) -> str:
    """Show a published table the way a reviewer reads it: Dutch labels and numbers, "–" for a
    suppressed cell (with a footnote), "n.v.t." where a value does not apply, p below 0,001 as
    "<0,001", a verdict in words where the table has a corrected test, the researcher's columns
    (standard error, design effect, effect size, p-values) in a collapsed detail section, a long table
    folded, and a link to the table's CSV (which keeps every column).

    percent: share columns ("24,2 %"); points: changes of shares, in percentage points; integers:
    count columns besides the usual ones; fold: fold the table (default: when it has more than
    LONG_TABLE rows); k: the disclosure threshold named in the footnote (default: the settings');
    sheet: a short title for the workbook sheet when the caption is long."""
    if not isinstance(published, Published):
        raise TypeError(f"show.table('{caption}'): only published tables (pipeline.disclosure.publish) can be shown")
    df = published.table.reset_index(drop=True)
    status = _status(published, df)
    cells = published.cells
    csv = _export(df, caption, published.counts, sheet, missing=(status == "na") | (status == "absent"),
                  cells=cells) if export else None
    if cells[1] and caption:
        caption = f"{caption} ({cells[1]} {'cel' if cells[1] == 1 else 'cellen'} niet getoond)"
    out = pd.DataFrame(index=df.index)
    percent, points = set(percent or []), set(points or [])
    counts = (COUNT_COLUMNS | set(integers or []) | {c for c in df.columns if str(c).startswith(("nodig", "n_"))})
    reasons = _reasons(df).tolist()
    first_absent = {}  # the row's reason in words in its first empty cell; its other empty cells blank
    for i in range(len(df)):
        cols = np.flatnonzero(status[i] == "absent")
        if len(cols):
            first_absent[i] = cols[0]
    for j, c in enumerate(df.columns):
        if c in ("onderdrukt", ABSENT):
            continue
        col = df[c]
        if c in percent:
            fmt = num.percent
        elif c in points:
            fmt = (lambda v, sign=not str(c).startswith("ci_"): num.decimal(100 * v, 1, sign=sign))
        elif c in P_COLUMNS:
            fmt = num.pvalue
        elif c in counts and pd.api.types.is_numeric_dtype(col):
            fmt = num.integer
        elif c in YEAR_COLUMNS or str(c) in ("van", "naar"):
            fmt = num.year
        else:
            fmt = (lambda v: _fmt(v, decimals))
        # plain Python over the values: a page has hundreds of small tables, pandas per cell is slow
        out[c] = [SUPPRESSED_MARK if st == "suppressed" else NOT_APPLICABLE if st == "na" else
                  (reasons[i] if first_absent.get(i) == j else "") if st == "absent" else
                  "" if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else fmt(v)
                  for i, (v, st) in enumerate(zip(col.tolist(), status[:, j]))]
    effect = next((c for c in EFFECT_COLUMNS if c in df.columns), None)
    if effect and "p_bh" in df.columns:
        out[VERDICT] = ["" if r else verdict(e, p) for e, p, r in zip(df[effect], df["p_bh"], reasons)]
    headers = {c: labels.column(c) + (" (procentpunt)" if c in points else "") for c in out.columns}
    detail = [c for c in DETAIL_COLUMNS if c in out.columns]
    keys = [c for c in out.columns if c in df.columns and not pd.api.types.is_numeric_dtype(df[c])
            and c not in detail]
    main = out.drop(columns=detail).rename(columns=headers)
    long = len(df) > LONG_TABLE if fold is None else fold
    parts = [_html_table(main, caption)]
    notes = []
    if (status == "suppressed").any():
        kk = k if k is not None else _k()
        notes.append(f"– = niet getoond: minder dan {kk} respondenten (of af te leiden uit een getoond cijfer).")
    if (out == NOT_APPLICABLE).to_numpy().any():
        notes.append("n.v.t. = geen gegevens of niet van toepassing (bijvoorbeeld geen marge bij een volledige telling).")
    if notes:
        parts.append('<p class="table-note">' + " ".join(_html.escape(n) for n in notes) + "</p>")
    if detail:
        det = out[[*keys, *detail]].rename(columns=headers)
        parts.append('<details class="detail"><summary>Detail voor onderzoekers: '
                     + _html.escape(", ".join(labels.column(c) for c in detail)) + "</summary>"
                     + _html_table(det, f"{caption} — detail") + "</details>")
    if csv:
        workbook = _workbook_url()  # none on pages whose tables are not in the workbook (directorate pages)
        parts.append(f'<p class="download"><a href="{_html.escape(_tables_url())}/{_html.escape(csv)}" download>'
                     "Download deze tabel (CSV)</a>"
                     + (f" · <a href=\"{_html.escape(workbook)}\">alle tabellen (Excel)</a>" if workbook else "") + "</p>")
    body = "".join(parts)
    if long:
        body = (f'<details class="long-table"><summary>Tabel tonen: {_html.escape(caption or "tabel")} '
                f"({len(df)} rijen)</summary>{body}</details>")
    return f'<div class="table-block">{body}</div>'


def _k() -> int:
    """The disclosure threshold of this run (config/report.yaml min_cell_size)."""
    import os
    if os.environ.get("INCLUSIEMONITOR_MIN_CELL_SIZE"):  # set by the report build
        return int(os.environ["INCLUSIEMONITOR_MIN_CELL_SIZE"])
    from pipeline.settings import load_settings
    return load_settings("config/report.yaml").min_cell_size


def _tables_url() -> str:
    import os
    return os.environ.get("INCLUSIEMONITOR_TABLES_URL", "tables")


def _workbook_url() -> str:
    import os
    return os.environ.get("INCLUSIEMONITOR_WORKBOOK_URL", "tabellen.xlsx")


def provenance(inputs: dict, parameters: dict) -> None:
    """Collapsed at the bottom of the page: for the researcher who must reproduce it, not the reader."""
    from pipeline.report.provenance import provenance_table
    t = table_html(unchecked(provenance_table(inputs, parameters), "input checksums, versions and parameters"),
                   "Herkomst", export=False, fold=False)
    display(HTML('<details class="provenance"><summary>Herkomst van dit hoofdstuk: controlegetallen van de invoer, '
                 f"codeversie, pakketversies en parameters</summary>{t}</details>"))


def chapter(ch) -> None:
    """Show a chapter's content (pipeline.chapters.Chapter) in order."""
    for kind, value in ch.blocks:
        if kind == "heading":
            heading(*value)
        elif kind == "text":
            text(value)
        elif kind == "detail":
            detail(*value)
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
    _export_reads(ch)


def _export_reads(ch) -> None:
    """The sections of report.yaml the chapter read (its settings, handed to it by provenance), when
    the report build asks for them: the chapter's cache key holds just those (pipeline.report.build)."""
    import json
    import os
    from pathlib import Path
    target = os.environ.get("INCLUSIEMONITOR_READS")
    settings = getattr(ch, "settings", None)
    if target and settings is not None:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).write_text(json.dumps(settings.reads))


def _export_results(rows: pd.DataFrame) -> None:
    """The chapter's rows of the results table, when the report build asks for them (it adds the
    chapter's name and gathers all chapters into reports/results.csv)."""
    import os
    from pathlib import Path
    target = os.environ.get("INCLUSIEMONITOR_RESULTS")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        rows.assign(chapter=Path(target).stem).to_parquet(target, index=False)

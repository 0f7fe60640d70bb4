"""Chapters as functions: each module's `build(settings, ...)` returns a `Chapter`, the ordered
headings, generated texts, published tables and figures of one report page.

Why: the notebooks are papermill's "notebook as a function" — parameters, one call to a chapter
function, and `show.chapter(...)`. Every loop, merge, test correction and text lives here, in tested
code; the disclosure policy comes from the settings (never from a notebook parameter), so a notebook
run by hand publishes exactly what `make report` publishes. A chapter never reads configuration itself:
the notebook loads the settings once (`pipeline.settings.load_settings`) and hands them to `build`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.disclosure.publish import Published, PublishedFigure


@dataclass
class Chapter:
    """The content of one page, in reading order. Tables and figures must be published."""

    blocks: list[tuple[str, Any]] = field(default_factory=list)
    settings: Any = field(default=None, repr=False)  # the chapter's settings (`provenance`), for its config key

    def heading(self, text: str, level: int = 2, anchor: str | None = None) -> None:
        """`anchor`: a fixed id, so other pages can link to the section (`<page>.html#<anchor>`)."""
        self.blocks.append(("heading", (text, level) if anchor is None else (text, level, anchor)))

    def text(self, md: str) -> None:
        self.blocks.append(("text", md))

    def detail(self, md: str, about: str = "methode") -> None:
        """Text for researchers (method, assumptions, estimators), collapsed under "Detail voor
        onderzoekers: <about>" so the main reading text stays short (B1) and one finding per sentence."""
        self.blocks.append(("detail", (md, about)))

    def table(self, table: Published, caption: str = "", **fmt) -> None:
        if not isinstance(table, Published):
            raise TypeError(f"Chapter.table('{caption}'): only published tables can be shown (got {type(table).__name__})")
        self.blocks.append(("table", (table, caption, fmt)))

    def figure(self, fig: PublishedFigure) -> None:
        if not isinstance(fig, PublishedFigure):
            raise TypeError(f"Chapter.figure: only figures drawn from published tables can be shown (got {type(fig).__name__})")
        self.blocks.append(("figure", fig))

    def record(self, published: dict[str, Published], **constants) -> None:
        """Every estimate of these published tables becomes a row of the results table (constants: source,
        waves, ...); tables without a `tidy` spec hold no estimates (provenance, classifications)."""
        from pipeline.results import tidy_rows
        for name, pub in published.items():
            if not isinstance(pub, Published):
                raise TypeError(f"Chapter.record('{name}'): only published tables")
            # a table whose rows fall in several families (`publish.Split`) names each row's family
            family = {} if "family" in pub.table else {"family": pub.family or ""}
            for spec in pub.tidy:
                rows = tidy_rows(pub.table, spec, table=name, **family, **constants)
                self.blocks.append(("results", rows))

    def results(self):
        """All results rows of this chapter (without the chapter name, which the report build adds)."""
        import pandas as pd
        from pipeline.results import COLUMNS
        rows = [b[1] for b in self.blocks if b[0] == "results" and len(b[1])]
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=COLUMNS)

    def provenance(self, inputs: dict, parameters: dict, settings=None) -> None:
        """Inputs and parameters at the bottom of the page; with the chapter's `settings`, their file and
        survey years too, and the sections it read become the chapter step's config key (pipeline.report.build)."""
        if settings is not None:
            self.settings = settings
            parameters = {**parameters, "survey_years": list(settings.years) if settings.years else None,
                          "config": settings.name}
        self.blocks.append(("provenance", (inputs, parameters)))

    def tables(self) -> list[tuple[str, Published]]:
        """(caption, table) of every table, for tests and exports."""
        return [(b[1][1], b[1][0]) for b in self.blocks if b[0] == "table"]

"""Chapter 00: the programme indicators at a glance (also shown on the index page)."""
from __future__ import annotations

import pandas as pd

from pipeline.analysis import dashboard
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import Policy, figure, publish
from pipeline.report import figures
from pipeline.report.index import save_dashboard
from pipeline.results import COLUMNS as COLUMNS_RESULTS
from pipeline.settings import load_settings

COLUMNS = ["indicator", "periode", "stand", "verandering", "ci_low", "ci_high", "p_bh", "significant", "richting"]


def build(config_path: str, *, uses=(), survey_years=None, save: bool = True) -> Chapter:
    """`uses`: the chapters of this run whose published results the dashboard shows; `save`: also write
    the dashboard figure and table for the index page (reports/_dashboard)."""
    settings = load_settings(config_path, years=survey_years)
    policy = Policy.from_settings(settings)
    parts = [settings.reports_dir / "results" / f"{c}.parquet" for c in uses or ()]
    frames = [pd.read_parquet(p) for p in parts if p.exists()]
    results = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame(columns=COLUMNS_RESULTS)
    dash = publish(dashboard.build(results, settings.indicators, settings.targets), policy).derive(dashboard.verdicts)
    fig = figure(figures.dashboard_figure, dash)
    if save:
        save_dashboard(dash.table, fig.fig, settings.reports_dir)

    ch = Chapter()
    ch.heading("Dashboard: de programma-indicatoren", 1)
    ch.text("Per indicator: de stand in de laatste meting, de verandering sinds de nulmeting, of die verandering "
            "significant is na correctie voor meervoudig toetsen (Benjamini–Hochberg, binnen het hoofdstuk waar de "
            "indicator vandaan komt), en of ze richting het doel gaat. "
            "Kloven zijn verschillen met de referentiegroep in schaalpunten; registercijfers zijn tellingen zonder marge.")
    ch.heading("Stand en verandering per indicator", 2)
    ch.figure(fig)
    ch.table(dash.view(columns=COLUMNS), "Programma-indicatoren", decimals=3)
    ch.provenance({f"{src} {w}": load_manifest(settings.processed_dir, src, w)["input"]
                   for src in sorted(settings.sources) for w in settings.waves(src)},
                  {"config_path": config_path, "min_cell_size": policy.k, "survey_years": survey_years})
    return ch

"""Chapter 00: the programme indicators at a glance (also shown on the index page)."""
from __future__ import annotations

from pipeline.analysis import dashboard
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import Policy, figure, publish
from pipeline.report import figures
from pipeline.report.index import save_dashboard
from pipeline.settings import load_settings

COLUMNS = ["indicator", "periode", "stand", "verandering", "ci_low", "ci_high", "p_bh", "significant", "richting"]


def build(config_path: str, *, survey_years=None, save: bool = True) -> Chapter:
    """`save`: also write the dashboard figure and table for the index page (reports/_dashboard)."""
    settings = load_settings(config_path, years=survey_years)
    policy = Policy.from_settings(settings)
    dash = publish(dashboard.build(settings, policy), policy).derive(dashboard.verdicts)
    fig = figure(figures.dashboard_figure, dash)
    if save:
        save_dashboard(dash.table, fig.fig, settings.reports_dir)

    ch = Chapter()
    ch.heading("Dashboard: de programma-indicatoren", 1)
    ch.text("Per indicator: de stand in de laatste meting, de verandering sinds de nulmeting, of die verandering "
            "significant is na correctie voor meervoudig toetsen (Benjamini–Hochberg), en of ze richting het doel gaat. "
            "Kloven zijn verschillen met de referentiegroep in schaalpunten; registercijfers zijn tellingen zonder marge.")
    ch.heading("Stand en verandering per indicator", 2)
    ch.figure(fig)
    ch.table(dash.view(columns=COLUMNS), "Programma-indicatoren", decimals=3)
    ch.provenance({f"{src} {w}": load_manifest(settings.processed_dir, src, w)["input"]
                   for src in sorted(settings.sources) for w in settings.waves(src)},
                  {"config_path": config_path, "min_cell_size": policy.k, "survey_years": survey_years})
    return ch

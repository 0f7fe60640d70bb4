"""Chapter 00: the programme indicators at a glance (also shown on the index page)."""
from __future__ import annotations

import pandas as pd

from pipeline.analysis import dashboard
from pipeline.analysis.families import with_primary
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, figure, publish
from pipeline.report import figures, headline
from pipeline.report.index import save_dashboard
from pipeline.results import COLUMNS as COLUMNS_RESULTS
from pipeline.settings import Settings



def with_scales(dash: pd.DataFrame, indicators) -> pd.DataFrame:
    """The answer scale (e.g. 1 to 5) of each survey indicator, so a gap can be read with its unit."""
    from pipeline import labels
    ranges = {i.label: labels.scale_range(i.source, i.construct) for i in indicators}
    out = dash.copy()
    out["schaal_van"] = [ranges.get(i, (None, None))[0] for i in out["indicator"]]
    out["schaal_tot"] = [ranges.get(i, (None, None))[1] for i in out["indicator"]]
    return out


def effect_summary(ch: Chapter, results: pd.DataFrame, spec: dict, policy: Policy) -> None:
    """Section "Effect van het programma": the verdicts of chapters 06/07 (their results rows) and, for
    each exposure, the event study of their outcomes (issue 31)."""
    from pipeline import labels
    from pipeline.chapters import effect_section
    said = effect_section.from_results(results, spec)
    if said.empty:
        return
    ch.heading("Effect van het programma", 2)
    ch.text("Directies die met het programma begonnen, vergelijken we met directies die nog niet begonnen. Zo zien we "
            "of een uitkomst daar na de start méér veranderde dan elders. De marges zijn berekend zoals bij de "
            "veranderingen: ze houden er rekening mee dat veel mensen aan meer dan één meting meedoen. "
            + ("Bij training tellen directies met een actieplan vanaf de start van hun plan niet mee. "
               if any(e.get("without") for e in spec["exposures"].values()) else "")
            + "Meer uitleg staat in de hoofdstukken over de verandering over de jaren.")
    for exposure, part in said.groupby("exposure", sort=False):
        word = effect_section.EXPOSURE_NL.get(exposure, exposure)
        ch.text(f"Blootstelling **{word}**:\n\n" + "\n".join(
            f"- **{labels.indicator(r.source, r.indicator)}**: {r.zin}." for r in part.itertuples()))
        ev = results[(results["statistic"] == "event_time") & (results["category"] == exposure)]
        if ev["estimate"].notna().any():
            rows = ev.assign(e=ev["group"].astype(int))[["source", "indicator", "e", "estimate", "ci_low", "ci_high"]]
            pub = publish(Result(rows.reset_index(drop=True), NoSmallCells("published results of the change chapters")),
                          policy)
            names = {r.indicator: labels.indicator(r.source, r.indicator) for r in rows.itertuples()}
            ch.figure(figure(figures.event_study, pub, names, f"Effect per jaar sinds de start ({word})",
                             shares=[o for src, outs in effect_section.SHARES.items() for o in outs],
                             alt=f"Effect van het programma ({word}) per jaar sinds de start, per uitkomst, met "
                                 "95%-intervallen; vóór de start hoort het effect rond 0 te liggen"))


INTRO = ("Per indicator ziet u de stand in de laatste meting en het streefcijfer, als er een is. "
         "Daarnaast ziet u de verandering sinds de nulmeting, en of die verandering aantoonbaar is. "
         "De kloven van de programma-indicatoren zijn vooraf gekozen als één groep toetsen. "
         "Alle andere vergelijkingen in het rapport zijn verkennend. "
         "Een *kloof* is het verschil in punten tussen een groep en de groep waarmee we vergelijken. "
         "Een kloof die kleiner wordt, gaat de goede kant op. "
         "Een streefcijfer staat in zijn eigen soort: een aandeel, of een stijging ten opzichte van het basisjaar. "
         "Cijfers uit het HR-register zijn volledige tellingen, zonder marge.")


def build(settings: Settings, *, uses=(), save: bool = True) -> Chapter:
    """`uses`: the chapters of this run whose published results the dashboard shows; `save`: also write
    the dashboard figure and table for the index page (reports/_dashboard)."""
    policy = Policy.from_settings(settings)
    parts = [settings.reports_dir / "results" / f"{c}.parquet" for c in uses or ()]
    frames = [pd.read_parquet(p) for p in parts if p.exists()]
    results = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame(columns=COLUMNS_RESULTS)
    results = with_primary(results, settings)  # the indicators' verdicts: the primary family only
    start = settings.programme.get("start")
    dash = publish(dashboard.build(results, settings.indicators, settings.targets, settings.references, start),
                   policy).derive(headline.words).derive(with_scales, settings.indicators)
    fig = figure(figures.dashboard_figure, dash, alt=headline.alt_text(dash.table))
    if save:
        save_dashboard(dash.table, fig.fig, settings.reports_dir, fig.alt)

    ch = Chapter()
    ch.heading("Dashboard: de programma-indicatoren", 1)
    ch.text(INTRO)
    ch.heading("Belangrijkste uitkomsten", 2)
    ch.text("\n".join(f"- {f}" for f in headline.findings(dash.table)))
    ch.text(headline.programme_note(dash.table, start))
    ch.heading("Stand en verandering per indicator", 2)
    ch.figure(fig)
    ch.table(dash.derive(headline.readable), "Programma-indicatoren: stand, streefcijfer en verandering sinds de nulmeting",
             sheet="Programma-indicatoren")
    effect_summary(ch, results, settings.effect, policy)
    ch.provenance({f"{src} {w}": load_manifest(settings.processed_dir, src, w)["input"]
                   for src in sorted(settings.sources) for w in settings.waves(src)},
                  {"min_cell_size": policy.k}, settings)
    return ch

"""Chapter 04: the workforce targets, in-, through- and outflow and the pay-scale pipeline (HR register)."""
from __future__ import annotations

import pandas as pd

from pipeline import labels
from pipeline.analysis import register as reg
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.config import classifications
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, figure, publish_all
from pipeline.report import figures
from pipeline.results import Tidy
from pipeline.settings import load_settings

CITY_COLUMNS = {"jaar": "jaar", "n": "aantal", "share_young": "aandeel < 35", "share_div_12_14": "aandeel divers 12–14",
                "share_div_12plus": "aandeel divers 12+"}
SHARE_NAMES = ["aandeel < 35", "aandeel divers 12–14", "aandeel divers 12+"]
DIRECTORATE_COLUMNS = {"directie_code": "directie", "n": "aantal", "share_young": "aandeel < 35",
                       "share_div_12_14": "aandeel divers 12–14", "share_div_12plus": "aandeel divers 12+",
                       "relative_change_12plus": "toename 12+"}


def with_city(table: pd.DataFrame, city: dict) -> pd.DataFrame:
    """Directorates sorted by the diverse share from scale 12 (hidden ones last), the whole
    organisation on top for comparison."""
    t = table.sort_values("aandeel divers 12+", ascending=False, na_position="last")
    top = pd.DataFrame([{**{c: city.get(c) for c in t.columns if c in city}, "directie": "Gemeente (totaal)"}])
    return pd.concat([top, t], ignore_index=True)


def build(config_path: str, *, years=None, baseline_year=None, classification=None, survey_years=None) -> Chapter:
    settings = load_settings(config_path, years=survey_years)
    policy = Policy.from_settings(settings)
    targets = dict(settings["targets"])
    if baseline_year:
        targets["baseline_year"] = int(baseline_year)
    years = [int(y) for y in (years or targets["years"]) if int(y) in settings.waves("register")]
    mon = settings["register_monitor"]
    classification = classification or mon["classification"]
    young = settings.young_cutoff
    snaps = {y: policy.merged(pd.read_parquet(settings.processed_dir / f"register_{y}.parquet")) for y in years}
    city = reg.target_status(reg.target_table(snaps, classification=classification, young_cutoff=young), targets)
    per_dir = reg.target_table(snaps, classification=classification, young_cutoff=young, by="directie_code")
    rates = reg.flow_rates(reg.flows(snaps, mon["flow_group"]), mon["flow_group"], mon["flow_reference"])
    col = "herkomst_oud" if classification == "old" else "herkomst_cbs"
    cw = classifications()["origin"]
    pub = publish_all({
        "city": Result(city, NoSmallCells("organisation-wide headcounts and shares (thousands of staff)"),
                       tidy=reg.target_tidy()),
        "dir": reg.by_directorate(per_dir),
        "rates": rates,
        "unknown": reg.unknown_origin(city, snaps, classification),
        "pipeline": reg.pipeline_representation(snaps, classification),
        "benchmark": Result(reg.benchmark_table(snaps[max(years)], settings["benchmark"], col), NoSmallCells(
            "shares of the whole workforce per origin group next to the labour force"),
            tidy=(Tidy("share", {"group": "groep", "estimate": "medewerkers"},
                       {"indicator": "workforce_share", "dimension": col, "waves": str(max(years))}),)),
        "crosswalk": Result(pd.DataFrame([{"herkomstgroep": v["label"], "oude indeling": labels.group("herkomst_oud", v["old"]),
                                           "CBS 2022": labels.group("herkomst_cbs", v["cbs_group"]),
                                           "werelddeel": v["cbs_continent"].capitalize()}
                                          for v in cw.values()]), NoSmallCells("a classification, no data")),
    }, policy)
    # distance to the targets follows from the published (suppressed) directorate counts only
    by_dir = pub["dir"].derive(reg.target_status, targets, key="directie_code")

    ch = Chapter()
    ch.record(pub, source="register")
    ch.heading("Streefcijfers personeelsbestand (HR-register)", 1)
    ch.text("Het HR-register is een volledige telling: de cijfers hebben geen steekproefmarge. Aantallen kleiner "
            f"dan {policy.k} worden niet getoond, ook niet via totalen (secundaire onderdrukking).")
    ch.heading("Samenvatting")
    ch.text(reg.summary_nl(city, targets, classification))
    ch.figure(figure(figures.target_trend, pub["city"], targets))
    ch.heading("Gemeente per jaar")
    base = targets["baseline_year"]
    ch.table(pub["city"].view(columns=[*CITY_COLUMNS, "relative_change_12plus", "needed_young", "needed_div_12_14",
                                       "needed_div_12plus"],
                              rename={**CITY_COLUMNS, "relative_change_12plus": f"toename 12+ t.o.v. {base}",
                                      "needed_young": "nodig: jongeren", "needed_div_12_14": "nodig: schaal 12–14",
                                      "needed_div_12plus": "nodig: 12+"}),
             "Stand en benodigde netto-instroom (bij gelijke omvang)",
             percent=[*SHARE_NAMES, f"toename 12+ t.o.v. {base}"])
    if pub["unknown"].table["aantal"].fillna(1).gt(0).any():
        ch.text("Medewerkers van wie de herkomst onbekend is, tellen niet mee in de aandelen met een migratieachtergrond "
                "(ook niet als 'geen migratieachtergrond'); de benodigde instroom is berekend op wie een bekende "
                "herkomst heeft.")
        ch.table(pub["unknown"], "Medewerkers met onbekende herkomst", percent=["aandeel"])
    ch.heading("Per directie (laatste jaar)")
    names = snaps[max(years)].groupby("directie_code", observed=True)["directie"].first()
    ch.text("Directies van hoog naar laag aandeel met een niet-westerse migratieachtergrond vanaf schaal 12, met "
            "bovenaan de hele gemeente. Een volledige telling: elk verschil met de gemeente is echt, maar in kleine "
            "directies kan één persoon meer of minder het aandeel al flink veranderen.")
    latest = pub["city"].table[pub["city"].table["jaar"] == max(years)].iloc[0]
    ch.table(by_dir.view(rows=by_dir.table["jaar"] == max(years), columns=list(DIRECTORATE_COLUMNS),
                         map={"directie_code": lambda c: names.get(c, c)}, rename=DIRECTORATE_COLUMNS).derive(
                 with_city, {DIRECTORATE_COLUMNS.get(k, k): latest[k] for k in DIRECTORATE_COLUMNS if k in latest}),
             f"Streefcijfers per directie, {max(years)}", percent=[*SHARE_NAMES, "toename 12+"])
    ch.heading("In-, door- en uitstroom")
    ch.text("Instroom en uitstroom als aandeel van het personeel aan het begin van de periode; doorstroom als "
            "aandeel van de blijvers dat naar een hogere schaalgroep ging. Intervallen: exact (Clopper–Pearson); "
            "p: Fisher-toets tegen de referentiegroep.")
    if len(pub["rates"]) == 0:
        ch.text("Voor stroomcijfers zijn twee opeenvolgende peildata nodig; die zijn hier niet geconfigureerd.")
    else:
        group_labels = labels.groups(mon["flow_group"])
        ch.figure(figure(figures.flow_rates_plot, pub["rates"], mon["flow_group"], group_labels,
                         alt=f"In-, door- en uitstroom per jaar naar {labels.dimension(mon['flow_group']).lower()}, "
                             "met 95%-intervallen"))
        ch.table(pub["rates"].view(map={mon["flow_group"]: lambda v: labels.group(mon["flow_group"], v)}),
                 "Stroomcijfers per groep", percent=["rate", "ci_low", "ci_high"])
    ch.heading("De pijplijn: aandeel per schaalgroep")
    ch.figure(figure(figures.pipeline_bars, pub["pipeline"], alt="Aandeel medewerkers met een niet-westerse "
                     "migratieachtergrond per salarisschaalgroep (schaal ≤ 9 tot 15+), per jaar"))
    ch.heading("Vergelijking met de Amsterdamse beroepsbevolking")
    ch.text(f"Bron beroepsbevolking: {settings['benchmark']['source']}.")
    ch.table(pub["benchmark"].view(map={"groep": lambda v: labels.group(col, v)}), f"Samenstelling {max(years)}",
             percent=["medewerkers", "beroepsbevolking"], points=["verschil"])
    ch.heading("Indeling migratieachtergrond (oude en nieuwe CBS-indeling)")
    ch.table(pub["crosswalk"], "Kruistabel van de indelingen")
    ch.provenance({f"register {y}": load_manifest(settings.processed_dir, "register", y)["input"] for y in years},
                  {"years": years, "baseline_year": targets["baseline_year"], "classification": classification,
                   "min_cell_size": policy.k, "survey_years": survey_years, "config_path": config_path})
    return ch

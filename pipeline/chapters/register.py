"""Chapter 04: the workforce targets, in-, through- and outflow and the pay-scale pipeline (HR register)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from pipeline import labels
from pipeline.analysis import gender_scale as G
from pipeline.analysis import register as reg
from pipeline.analysis import targets as T
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.config import classifications
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, figure, publish_all
from pipeline.disclosure.suppress import round_register
from pipeline.report import figures
from pipeline.results import Tidy
from pipeline.settings import Settings

CITY_COLUMNS = {"jaar": "jaar", "n": "aantal", "share_young": "aandeel < 35", "share_div_12_14": "aandeel divers 12–14",
                "share_div_12plus": "aandeel divers 12+"}
CITY_SHARES = ("share_young", "share_div_12_14", "share_div_12plus")
PROGRESS_COLUMNS = {"doel": "streefcijfer", "basisjaar": "basisjaar", "basis": "waarde basisjaar", "jaar": "jaar",
                    "huidig": "waarde", "doeljaar": "doeljaar", "streefwaarde": "doel", "pad": "pad", "oordeel": "oordeel",
                    "uitstroom_groep": "vertrek doelgroep per jaar",
                    "uitstroom_overig": "vertrek anderen per jaar", "vacatures_per_jaar": "vrijkomende plaatsen per jaar",
                    **T.INTAKE_COLUMNS}


def _wide_shares(table: pd.DataFrame, year: str, target_labels: dict, names) -> pd.DataFrame:
    """Directorate x target: the published share of each organisation target in `year`."""
    sub = table[table["jaar"] == year]
    wide = sub.pivot(index="eenheid", columns="target", values="aandeel").reindex(columns=list(target_labels))
    wide.index = [names.get(c, c) for c in wide.index]
    wide.columns.name = None
    wide = wide.sort_values(list(wide.columns[:1]), ascending=False, na_position="last")
    return wide.rename(columns=target_labels).rename_axis("directie").reset_index()


def with_city(table: pd.DataFrame, city: dict) -> pd.DataFrame:
    """Directorates sorted by the diverse share from scale 12 (hidden ones last), the whole
    organisation on top for comparison."""
    t = table.sort_values("aandeel divers 12+", ascending=False, na_position="last")
    top = pd.DataFrame([{**{c: city.get(c) for c in t.columns if c in city}, "directie": "Gemeente (totaal)"}])
    return pd.concat([top, t], ignore_index=True)


def build(settings: Settings, *, years=None, baseline_year=None, classification=None) -> Chapter:
    policy = Policy.from_settings(settings)
    declared = settings.targets
    if baseline_year:
        declared = [replace(t, baseline_year=int(baseline_year)) for t in declared]
    org_targets = [t for t in declared if t.organisation]
    years = [int(y) for y in (years or settings["targets"]["years"]) if int(y) in settings.waves("register")]
    mon = settings["register_monitor"]
    classification = classification or mon["classification"]
    young = settings.young_cutoff
    snaps = {y: policy.merged(pd.read_parquet(settings.processed_dir / f"register_{y}.parquet")) for y in years}
    city = T.share_table(snaps, classification=classification, young_cutoff=young)
    # the flow tests of this chapter are one Benjamini–Hochberg family (they describe a process, see the text)
    rates = replace(reg.flow_rates(reg.flows(snaps, mon["flow_group"]), mon["flow_group"], mon["flow_reference"]),
                    family="stroomtoetsen", p="p_vs_referentie")
    col = "herkomst_oud" if classification == "old" else "herkomst_cbs"
    cw = classifications()["origin"]
    pub = publish_all({
        # thousands of staff, so no small cells; rounded as the directorate table (counts to base 5,
        # shares to whole percentages), else city minus the other directorates' counts is exact
        "city": Result(round_register(city, reg.DIRECTORATE_COUNTS, CITY_SHARES),
                       NoSmallCells("organisation-wide headcounts and shares (thousands of staff)"),
                       tidy=T.share_tidy()),
        **T.count_results(T.counts(snaps, org_targets, young)),
        **T.outflow_results(T.outflow(snaps, org_targets, young)),
        **G.results(G.counts(snaps, young)),
        "rates": rates,
        "unknown": reg.unknown_origin(city, snaps, classification),
        "pipeline": reg.pipeline_representation(snaps, classification),
        "benchmark": Result(reg.benchmark_table(snaps[max(years)], settings["benchmark"], col,
                                                         decimals=policy.rounding["register_shares"]), NoSmallCells(
            "shares of the whole workforce per origin group next to the labour force"),
            tidy=(Tidy("share", {"group": "groep", "estimate": "medewerkers"},
                       {"indicator": "workforce_share", "dimension": col, "waves": str(max(years))}),)),
        "crosswalk": Result(pd.DataFrame([{"herkomstgroep": v["label"], "oude indeling": labels.group("herkomst_oud", v["old"]),
                                           "CBS 2022": labels.group("herkomst_cbs", v["cbs_group"]),
                                           "werelddeel": v["cbs_continent"].capitalize()}
                                          for v in cw.values()]), NoSmallCells("a classification, no data")),
    }, policy)
    pub["gender_dir"] = G.protect(pub["gender_dir"])  # the bands' identities within a directorate
    # progress follows from the published (suppressed) counts only
    outflow = pd.concat([pub["outflow_org"].table, pub["outflow_dir"].table], ignore_index=True)
    prog = pub["targets_org"].derive(T.progress, outflow, org_targets)
    labels_t = {t.name: t.label for t in org_targets}

    ch = Chapter()
    ch.record({k: v for k, v in pub.items() if k != "targets_dir"}, source="register")
    ch.record({"progress": prog.with_tidy(T.PROGRESS_TIDY)}, source="register")
    ch.heading("Streefcijfers personeelsbestand (HR-register)", 1)
    ch.text("Het HR-register is een volledige telling: de stand per jaar (aantallen en aandelen) heeft geen "
            "steekproefmarge en wordt zonder interval getoond. Aantallen kleiner "
            f"dan {policy.k} worden niet getoond, ook niet via totalen (secundaire onderdrukking).")
    ch.heading("Samenvatting")
    ch.text(T.summary_nl(prog.table, org_targets, T.ORGANISATION, "de gemeente"))
    ch.figure(figure(figures.target_trend, pub["targets_org"], {t.name: (t.label, t.kind, t.value, t.baseline_year)
                                                                 for t in org_targets},
                     alt="Streefcijfers van de gemeente per jaar, met het streefcijfer als stippellijn"))
    ch.heading("Voortgang per streefcijfer")
    ch.text("Pad: de waarde die het cijfer in het laatste jaar zou hebben op een rechte lijn van het basisjaar naar "
            "het doel. Nodig per jaar: hoeveel mensen uit de doelgroep er elk jaar bij moeten komen om het doel in het "
            "doeljaar te halen. Dat kan door instroom van buiten of doorstroom van binnen.")
    ch.detail(T.INTAKE_NL, "hoe ‘nodig per jaar’ is berekend")
    ch.table(prog.derive(T.shown_progress, org_targets).view(columns=list(PROGRESS_COLUMNS), rename=PROGRESS_COLUMNS),
             "Voortgang per streefcijfer")
    ch.heading("Gemeente per jaar")
    ch.table(pub["city"].view(columns=list(CITY_COLUMNS), rename=CITY_COLUMNS), "Aandelen per jaar",
             percent=[v for k, v in CITY_COLUMNS.items() if k.startswith("share")], integers=["aantal"])
    if pub["unknown"].table["aantal"].fillna(1).gt(0).any():
        ch.text("Medewerkers van wie de herkomst onbekend is, tellen niet mee in de aandelen met een migratieachtergrond. "
                "Ze tellen ook niet als 'geen migratieachtergrond'. De benodigde instroom is berekend op wie een "
                "bekende herkomst heeft.")
        ch.table(pub["unknown"], "Medewerkers met onbekende herkomst", percent=["aandeel"], sheet="Onbekende herkomst")
    ch.heading("Per directie (laatste jaar)")
    names = snaps[max(years)].groupby("directie_code", observed=True)["directie"].first()
    ch.text("Directies van hoog naar laag aandeel op het eerste streefcijfer. Een volledige telling: elk verschil "
            "met de gemeente is echt, maar in kleine directies kan één persoon meer of minder het aandeel al flink "
            "veranderen.")
    per_dir = pub["targets_dir"].derive(_wide_shares, str(max(years)), labels_t, names)
    ch.table(per_dir, f"Streefcijfers per directie, {max(years)}",
             percent=[labels_t[t.name] for t in org_targets if t.kind != "count"])
    ch.heading("In-, door- en uitstroom")
    ch.text("Instroom en uitstroom zijn een aandeel van het personeel aan het begin van de periode. Doorstroom is het "
            "aandeel van de blijvers dat naar een hogere schaalgroep ging. Het HR-register telt iedereen. Toch staan "
            "er marges bij: ze zeggen of een verschil tussen groepen groter is dan toeval.")
    ch.detail("Intervallen: exact (Clopper–Pearson); "
            "p: Fisher-toets tegen de referentiegroep; *p (BH)*: na correctie voor de vele vergelijkingen (alle "
            "stroomtoetsen van dit hoofdstuk, één Benjamini–Hochberg-familie).\n\n"
            "**Waarom intervallen bij een volledige telling?** Het aantal dat in een jaar vertrekt of doorstroomt is "
            "bekend, zonder steekproefmarge. De intervallen en toetsen gaan over iets anders: over het *proces* "
            "achter die stromen. Ze beantwoorden de vraag of een verschil tussen groepen groter is dan wat toeval in "
            "wie er toevallig vertrekt of bevorderd wordt zou geven (elke medewerker als een trekking met een "
            "eigen kans; inferentiekader: modelmatig). Geen aantoonbaar verschil betekent dus niet dat de "
            "getelde aantallen gelijk zijn, maar dat ze ook bij een gelijke kans hadden kunnen ontstaan.",
              "intervallen bij een volledige telling")
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
    # after the existing sections: their tables keep their numbers
    ch.heading("Vrouwen per salarisschaal")
    ch.text("Het aandeel vrouwen per schaalgroep en vanaf schaal 12, per jaar: van de gemeente en per directie. "
            "Medewerkers van wie het geslacht onbekend is, tellen niet mee. Aantallen zijn afgerond op vijftallen en "
            "aandelen op hele procenten, zoals bij de streefcijfers per directie.")
    band_labels = G.column_labels()
    ch.figure(figure(figures.women_by_scale, {"Gemeente": pub["gender_org"]}, band_labels,
                     alt="Aandeel vrouwen per salarisschaalgroep, per jaar, voor de gemeente"))
    ch.table(pub["gender_org"].derive(G.wide_org, policy.rounding["register_shares"]), "Aandeel vrouwen per schaalgroep, per jaar",
             percent=list(band_labels.values()), sheet="Vrouwen per schaalgroep")
    ch.table(pub["gender_dir"].derive(G.wide_units, str(max(years)), names),
             f"Aandeel vrouwen per schaalgroep per directie, {max(years)}", percent=list(band_labels.values()),
             sheet=f"Vrouwen per schaal directie {max(years)}")
    ch.provenance({f"register {y}": load_manifest(settings.processed_dir, "register", y)["input"] for y in years},
                  {"years": years, "baseline_year": baseline_year, "targets": [t.name for t in org_targets],
                   "classification": classification,
                   "min_cell_size": policy.k}, settings)
    return ch

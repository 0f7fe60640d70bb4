"""Chapter: inclusive leadership in the MTO — staff's rating per group and directorate, reliability,
and the intention-experience gap (managers' self-image against their staff's experience)."""
from __future__ import annotations

import pandas as pd

from pipeline import labels
from pipeline.analysis import leadership as lead
from pipeline.analysis.gaps import directorate_table, gap_table, level_table
from pipeline.analysis.load import survey_design
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, publish_all
from pipeline.results import Tidy
from pipeline.clean.run import scale_ranges
from pipeline.clean.scales import reliability
from pipeline.settings import Settings
from pipeline.weight import margin_words, weighting_warnings

CONSTRUCT = "inclusive_leadership"
GAP_COLUMNS = {"zelfbeeld": "zelfbeeld leidinggevenden", "oordeel_medewerkers": "oordeel medewerkers",
               "difference": "verschil", "ci_low": "95%-interval laag", "ci_high": "95%-interval hoog",
               "p_bh": "p (BH)", "n": "n leidinggevenden", "n_ref": "n medewerkers"}
COUNTS = [GAP_COLUMNS["n"], GAP_COLUMNS["n_ref"]]  # renamed, so named as counts: whole numbers on the page


def _nl(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def build(settings: Settings, *, source: str = "mto", wave=None, dimensions=None) -> Chapter:
    policy = Policy.from_settings(settings)
    groups = settings["groups"]
    dims = dimensions or groups["dimensions"]
    design, weighting, wave = survey_design(settings, source, wave)
    cb = settings.codebook(source, wave)
    names = pd.read_parquet(settings.processed_dir / f"register_{wave}.parquet").groupby(
        "directie_code", observed=True)["directie"].first().to_dict()
    m = load_manifest(settings.processed_dir, source, wave)
    scales = [CONSTRUCT, "self_leadership"]
    # weighted, on the respondents the levels use (the design's sample: careless rule applied)
    rel = reliability(design.data.assign(_gewicht=design.weights.to_numpy()),
                      {s: cb.scales[s] for s in scales if s in cb.scales}, scale_ranges(cb), weights="_gewicht")
    results = {
        "levels": level_table(design, [CONSTRUCT], dims),
        "gaps": gap_table(design, [CONSTRUCT], dims, groups["reference"], [], family="leiderschap_groepen"),
        "dir": directorate_table(design, CONSTRUCT, names),
        "gap": lead.intention_gap(design),
        "gap_dir": lead.intention_gap_by(design, "directie_code"),
        "reliability": Result(rel, NoSmallCells("reliability coefficients over all respondents of the wave"),
                              tidy=tuple(Tidy(f"reliability_{c}", {"indicator": "schaal", "group": "groep", "estimate": c})
                                         for c in ("alpha", "omega"))),
    }
    pub = publish_all(results, policy)
    label = labels.indicator(source, CONSTRUCT, wave)
    items = {n: cb.variables[n]["label"] for n in [f"il{i}" for i in range(1, 6)]}
    items[CONSTRUCT] = "Schaal (gemiddelde van de vijf vragen)"
    ch = Chapter()
    ch.record(pub, source=source, waves=str(wave))
    ch.heading("Inclusief leiderschap", 1)
    ch.text("Medewerkers beoordelen hun leidinggevende op vijf punten, op een schaal van 1 tot 5. Die punten zijn: "
            "eerlijke behandeling, openstaan voor andere ideeën, verschillen waarderen, iedereen aan bod laten komen "
            "en ingrijpen bij uitsluiting. "
            "Leidinggevenden beoordelen zichzelf op dezelfde vijf punten. Het verschil tussen die twee is de kloof "
            "tussen intentie en ervaring: zien leidinggevenden zichzelf inclusiever dan hun medewerkers hen ervaren?")
    g = pub["gap"].table
    scale_row = g[g["item"] == "inclusive_leadership"]
    ch.heading(f"Samenvatting (MTO {wave})")
    if len(scale_row) and pd.notna(scale_row["difference"].iloc[0]):
        r = scale_row.iloc[0]
        ch.text(f"Leidinggevenden geven zichzelf gemiddeld {_nl(r['zelfbeeld'])}; medewerkers geven hun leidinggevende "
                f"{_nl(r['oordeel_medewerkers'])}. Het verschil is {_nl(r['difference'])} punt (95%-interval "
                f"{_nl(r['ci_low'])} tot {_nl(r['ci_high'])}), gewogen en met een standaardfout die rekening houdt met "
                "het steekproefontwerp.")
    n_resp, n_pop = (f"{weighting[k]:,}".replace(",", ".") for k in ("respondents", "population"))
    ch.text(f"Gebaseerd op {n_resp} respondenten van {n_pop} medewerkers, gewogen naar directie, "
            f"{margin_words(weighting)}.")
    for line in weighting_warnings(weighting, f"MTO {wave}"):
        ch.text(line)
    ch.heading("Betrouwbaarheid van de schalen")
    ch.table(pub["reliability"].view(map={"schaal": lambda s: labels.indicator(source, s, wave)}),
             "Cronbachs alfa en McDonalds omega (zelfbeeld: alleen leidinggevenden; gewogen)", decimals=2,
             sheet="Betrouwbaarheid zelfbeeld")
    ch.heading("Kloof tussen intentie en ervaring")
    ch.text("Zelfbeeld van leidinggevenden min het oordeel van medewerkers (die zelf geen leiding geven), per vraag "
            "en voor de schaal. *p (BH)*: na correctie voor de vele vergelijkingen (alle toetsen op de kloof in dit "
            "hoofdstuk).")
    ch.table(pub["gap"].view(columns=["item", *GAP_COLUMNS], rename=GAP_COLUMNS,
                             map={"item": lambda x: items.get(x, x)}), "Kloof per vraag", decimals=2,
             integers=COUNTS)
    ch.heading("Kloof per directie")
    ch.text(f"Alleen directies met minstens {policy.k} leidinggevenden en {policy.k} medewerkers die de vragen "
            "beantwoordden; bij de overige is de kloof niet te tonen.")
    gd = pub["gap_dir"]
    ch.table(gd.view(rows=gd.table["difference"].notna(), columns=["directie_code", *GAP_COLUMNS],
                     map={"directie_code": lambda c: names.get(c, c)}, rename={"directie_code": "directie", **GAP_COLUMNS}),
             "Kloof tussen intentie en ervaring per directie (schaal)", decimals=2, sheet="Kloof per directie",
             integers=COUNTS)
    ch.text(f"{int(gd.table['difference'].isna().sum())} directie(s) met te weinig leidinggevenden of medewerkers "
            "niet getoond.")
    ch.heading("Oordeel van medewerkers per groep")
    lv = pub["levels"]
    ch.table(lv.view(columns=[c for c in lv.table.columns if c not in ("construct", "group")]),
             f"{label}: gewogen gemiddelde met 95%-interval", decimals=2, sheet="Oordeel groepen")
    ch.table(pub["gaps"].view(columns=["group_label", "reference", "difference", "ci_low", "ci_high", "p_bh", "n"]),
             f"{label}: verschil met de referentiegroep", decimals=3, sheet="Oordeel kloven")
    ch.heading("Oordeel van medewerkers per directie")
    d = pub["dir"]
    ch.table(d.view(columns=["group_label", "estimate", "ci_low", "ci_high", "n", "onderdrukt"]),
             f"{label} per directie", decimals=2, sheet="Oordeel directies")
    ch.provenance({f"{source} {wave}": m["input"]},
                  {"source": source, "wave": wave, "dimensions": dims, "min_cell_size": policy.k},
                  settings)
    return ch

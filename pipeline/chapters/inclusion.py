"""Chapters 02 and 03: levels and group differences of a survey's constructs (NIM inclusion, MTO safety)."""
from __future__ import annotations

import pandas as pd

from pipeline.analysis.gaps import directorate_table, gap_table, level_table, likert_shares, summary_nl
from pipeline import labels
from pipeline.analysis.load import survey_design
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import Policy, figure, publish_all
from pipeline.report import figures
from pipeline.settings import load_settings

GAP_COLUMNS = ["group_label", "reference", "difference", "ci_low", "ci_high", "p_bh", "cohens_d", "adj_difference",
               "adj_p", "n"]


def build(config_path: str, *, source: str, constructs: list[str], title: str, intro: str, wave=None,
          dimensions=None, intersections=None, survey_years=None) -> Chapter:
    settings = load_settings(config_path, years=survey_years)
    policy = Policy.from_settings(settings)
    groups = settings["groups"]
    dims = dimensions or groups["dimensions"]
    inter = intersections if intersections is not None else groups["intersections"]
    design, weighting, wave = survey_design(settings, source, wave)
    cb = settings.codebook(source, wave)
    scale_items = {c: cb.scales[c]["items"] for c in constructs if c in cb.scales}
    first = next(iter(scale_items.values()), [None])[0]
    likert_dims = dims[:3] if first else []
    reg_names = pd.read_parquet(settings.processed_dir / f"register_{wave}.parquet").groupby(
        "directie_code", observed=True)["directie"].first().to_dict()
    LABELS = {c: labels.indicator(source, c, wave) for c in constructs}
    results = {"gaps": gap_table(design, constructs, dims, groups["reference"], inter,
                                 adjust_for=lambda dim: settings.covariates("adjusted_gap", dim)),
               "levels": level_table(design, constructs, dims)}
    results |= {f"likert:{c}": likert_shares(design, items) for c, items in scale_items.items()}
    results |= {f"likert_by:{dim}": likert_shares(design, [first], by=dim) for dim in likert_dims}
    results |= {f"dir:{c}": directorate_table(design, c, reg_names) for c in constructs}
    pub = publish_all(results, policy)
    gaps, levels = pub["gaps"], pub["levels"]
    ch = Chapter()
    ch.record(pub, source=source, waves=str(wave))

    ch.heading(title, 1)
    ch.text(intro + " Dit hoofdstuk laat zien of groepen medewerkers dit anders ervaren dan hun referentiegroep, "
            "hoe groot dat verschil is, en hoe groot het blijft bij gelijke salarisschaal, leeftijd, dienstjaren en directie.")
    ch.heading(f"Samenvatting ({source.upper()} {wave})")
    ch.text(summary_nl(gaps.table, LABELS))
    n_resp, n_pop = (f"{weighting[k]:,}".replace(",", ".") for k in ("respondents", "population"))
    ch.text(f"Gebaseerd op {n_resp} respondenten van {n_pop} medewerkers (respons {weighting['response_rate']:.0%}). "
            "Gewogen naar directie, gender, leeftijd en salarisschaal.")
    for c in constructs:
        ch.figure(figure(figures.forest, gaps, c, f"{LABELS[c]} ({source.upper()} {wave})"))
    ch.heading("Niveau per groep")
    for c in constructs:
        ch.table(levels.view(rows=levels.table["construct"] == c, columns=[
            x for x in levels.table.columns if x not in ("construct", "group")]),
            f"{LABELS[c]} per groep: gewogen gemiddelde met 95%-interval")
    ch.heading("Verschillen met de referentiegroep")
    ch.text("Ruw verschil: gewogen verschil in gemiddelde met een toets die rekening houdt met het "
            "steekproefontwerp; *p (BH)* is gecorrigeerd voor het aantal toetsen in dit hoofdstuk. "
            "Gecorrigeerd verschil: hetzelfde verschil bij gelijke salarisschaal, leeftijd, dienstjaren en directie.")
    for c in constructs:
        ch.table(gaps.view(rows=gaps.table["construct"] == c, columns=GAP_COLUMNS), f"{LABELS[c]}: verschillen",
                 decimals=3)
    ch.heading("Antwoorden per vraag")
    item_labels = {n: v.get("label", n) for n, v in cb.variables.items()}
    for c, items in scale_items.items():
        vl = cb.variables[items[0]].get("value_labels", {})
        ch.figure(figure(figures.likert_bars, pub[f"likert:{c}"], item_labels, vl,
                         f"{LABELS[c]}: antwoorden per vraag ({wave})"))
    for dim in likert_dims:
        vl = cb.variables[first].get("value_labels", {})
        ch.figure(figure(figures.likert_bars, pub[f"likert_by:{dim}"], item_labels, vl,
                         f"'{item_labels[first]}' naar {labels.dimension(dim).lower()}", by_group=True))
    ch.heading("Per directie")
    for c in constructs:
        d = pub[f"dir:{c}"]
        ch.table(d.view(columns=["group_label", "estimate", "ci_low", "ci_high", "n", "onderdrukt"]),
                 f"{LABELS[c]} per directie: gewogen gemiddelde met 95%-interval", decimals=2)
    m = load_manifest(settings.processed_dir, source, wave)
    ch.provenance({f"{source} {wave}": m["input"]},
                  {"source": source, "wave": wave, "constructs": constructs, "dimensions": dims,
                   "intersections": inter, "min_cell_size": policy.k, "survey_years": survey_years,
                   "config_path": config_path})
    return ch

"""Chapters 06 and 07: effect measurement over the waves — levels, changes, gap changes, trend, power."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import labels
from pipeline.analysis import linkage
from pipeline.analysis import trend as T
from pipeline.analysis.load import frame_text, in_frame, survey_design
from pipeline.analysis.response import R_TEXT, representativeness_tables
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, figure, publish_all
from pipeline.report import figures
from pipeline.report import numbers as num
from pipeline.results import Tidy
from pipeline.settings import load_settings
from pipeline.weight import MARGIN_TEXT, margin_table
from pipeline.survey import stack

FAMILY = "effectmeting"  # changes and gap changes of one chapter are one Benjamini–Hochberg family


def _concat(results: list[Result]) -> Result:
    first = results[0]
    return Result(pd.concat([r.table for r in results], ignore_index=True), first.rule, first.family, first.p, first.tidy)


NEWCOMER_FAMILY = "nieuwkomers"
NOT_AN_EFFECT = "Of dit door het programma komt, laat deze vergelijking niet zien."  # until an effect analysis exists


def summary_nl(gaps: pd.DataFrame, waves: list[int], indicator=None, scale=None) -> str:
    """Plain-Dutch summary of the gap changes that are demonstrable after correction for the number of
    comparisons (BH), in the report's reader words. `indicator`: code -> label (which scale a gap is
    on); `scale`: code -> (low, high), for "op een schaal van 1 tot 5"."""
    sig = gaps[(gaps["p_bh"] < 0.05)]
    if not len(sig):
        return ("Geen van de kloven is aantoonbaar veranderd, na correctie voor de vele vergelijkingen. De "
                "veranderingen kunnen toeval zijn. " + NOT_AN_EFFECT)
    first, last = waves[0], waves[-1]
    name = indicator or str
    lines = []
    for i, g in sig.groupby("indicator", sort=False) if "indicator" in sig else [(None, sig)]:
        lo, hi = scale(i) if scale and i is not None else (None, None)
        unit = f", op een schaal van {num.integer(lo)} tot {num.integer(hi)}" if lo is not None and hi is not None else ""
        lines.append(f"- **{name(i)}**{unit}:" if i is not None else "")
        lines += [f"    - {r.group_label} t.o.v. {r.reference}: kloof {_signed(r[f'gap_{first}'])} punt in {first} → "
                  f"{_signed(r[f'gap_{last}'])} in {last}. De kloof is "
                  + ("kleiner" if r["did"] * r[f"gap_{first}"] < 0 else "groter")
                  + f" geworden ({_signed(r['did'])}; 95%-interval {_signed(r['ci_low'])} tot {_signed(r['ci_high'])})."
                  for _, r in g.iterrows()]
    return (f"{len(sig)} van de {int(gaps['p_bh'].notna().sum())} kloven zijn aantoonbaar veranderd, na correctie "
            "voor de vele vergelijkingen:\n\n" + "\n".join(l for l in lines if l) + "\n\n" + NOT_AN_EFFECT)


def _signed(x: float) -> str:
    return num.decimal(x, 2, sign=True)


def mapped(published, maps: dict) -> dict:
    """The label maps for the columns this table has."""
    return {c: f for c, f in maps.items() if c in published.table.columns}


def needed_words(rate: float) -> str:
    """A response rate a reader can use: "16 %", or "niet haalbaar" when even everyone answering (100 %)
    would not be enough (never "132,5 %" or "inf%")."""
    return num.percent(rate, 0) if np.isfinite(rate) and rate <= 1 else "niet haalbaar (meer dan 100 % nodig)"


def build(config_path: str, *, source: str, indicators: list[str], dimensions=None, response_rates=(0.2, 0.25, 0.3, 0.4, 0.5),
          detect_change: float = 0.10, alpha: float = 0.05, power: float = 0.8, survey_years=None) -> Chapter:
    settings = load_settings(config_path, years=survey_years)
    policy = Policy.from_settings(settings)
    dims = dimensions or settings["groups"]["dimensions"]
    refs = settings["groups"]["reference"]
    waves = [w for w in settings.waves(source) if w in settings.waves("register")]
    designs, reports = {}, {}
    for w in waves:
        designs[w], reports[w], _ = survey_design(settings, source, w)
    stacked = stack(designs)
    linked, link = linkage.stack_for_change(designs)
    # gap changes and trends: on the linked stack (person as PSU, no FPC) when waves carry a person key,
    # otherwise in the inference frame of models
    model = linked if link.linked else in_frame(stacked, settings.frame("models"))
    results = {f"levels:{i}": T.levels(stacked, i, dims) for i in indicators}
    if len(waves) > 1:
        results["changes"] = _concat([T.changes(linked, i, waves, dims=dims, family=FAMILY) for i in indicators])
        results["gaps"] = _concat([T.gap_changes(stacked, i, dims, refs, waves, family=FAMILY,
                                                   covariates=settings.covariates("gap_change"), model=model)
                                   for i in indicators])
    newcomers = settings["groups"].get("newcomers")
    if newcomers and newcomers in stacked.data and len(waves) > 1:  # first year of service: a family of its own
        results["nieuw:levels"] = _concat([T.levels(stacked, i, [newcomers]) for i in indicators])
        results["nieuw:gaps"] = _concat([T.gap_changes(stacked, i, [newcomers], refs, waves, family=NEWCOMER_FAMILY,
                                                       covariates=settings.covariates("gap_change", newcomers),
                                                       model=model) for i in indicators])
    reps = [representativeness_tables(settings, source, w) for w in waves]
    results["r_indicator"] = Result(pd.concat([r[0].table for r in reps], ignore_index=True), reps[0][0].rule,
                                    tidy=reps[0][0].tidy)
    results |= {f"margins:{w}": margin_table(reports[w]) for w in waves}
    if len(waves) >= 3:
        results["trend"] = Result(pd.DataFrame([{"indicator": i, **T.trend_test(model, i)} for i in indicators]),
                                  NoSmallCells("slopes over all respondents of every wave"),
                                  tidy=(Tidy("trend_slope", {"estimate": "slope"},
                                             {"waves": f"{waves[0]}-{waves[-1]}", "p_bh": float("nan")}),))
    pub = publish_all(results, policy)

    ch = Chapter()
    ch.record({k: v for k, v in pub.items() if not k.startswith("margins:")}, source=source)
    for w in waves:
        ch.record({f"margins:{w}": pub[f"margins:{w}"]}, source=source, waves=str(w))
    ch.heading(f"Verandering over de jaren: {source.upper()} {', '.join(map(str, waves))}", 1)
    ch.text("De **kloof** is het verschil tussen een groep en haar referentiegroep. De **verandering van de kloof** "
            "zegt of dat verschil tussen de metingen kleiner of groter werd.")
    ch.detail("De metingen zijn gestapeld, elke meting gewogen naar het register van dat jaar (voor de niveaus per "
              "meting: strata = meting × directie). De verandering van de kloof (verschil-in-verschillen) is de "
              "interactie meting × groep in een gewogen regressie: ruw, bij gelijke schaal, leeftijd en directie, "
              "en direct gestandaardiseerd naar de samenstelling van de nulmeting."
              + (" " + linkage.method_nl(link) if len(waves) > 1 else ""), "hoe de metingen zijn vergeleken")
    gaps = pub.get("gaps")
    if gaps is not None and len(gaps):
        ch.heading("Samenvatting")
        ch.text(summary_nl(gaps.table, waves, indicator=lambda i: labels.indicator(source, i),
                           scale=lambda i: labels.scale_range(source, i)))
    named = {"indicator": lambda i: labels.indicator(source, i), "dimension": labels.dimension}
    for i in indicators:
        name = labels.indicator(source, i)
        lo, hi = labels.scale_range(source, i)
        scale = f" (schaal {lo} tot {hi})" if lo is not None else ""
        own = gaps.view(rows=gaps.table["indicator"] == i) if gaps is not None and len(gaps) else None
        ch.figure(figure(figures.gap_trends, pub[f"levels:{i}"], dims, f"{name} per meting en groep{scale}",
                         gaps=own, scale=(lo, hi),
                         alt=f"{name}: gemiddelde per meting voor elke groep, één paneel per indeling "
                             f"({', '.join(labels.dimension(d).lower() for d in dims)}), met 95%-intervallen"))
    chg = pub.get("changes")
    if chg is not None and len(chg):
        ch.heading("Verandering sinds de nulmeting en sinds de vorige meting")
        ch.text("Hoeveel het gemiddelde veranderde, voor alle medewerkers en per groep. " + NOT_AN_EFFECT)
        shown = [c for c in chg.table.columns if c not in ("se", "group")]
        overall = chg.table["dimension"] == "totaal"
        ch.table(chg.view(rows=overall, columns=[c for c in shown if c != "dimension"], map=mapped(chg, named)),
                 "Verandering, alle medewerkers", decimals=3, integers=["n_van", "n_naar"])
        ch.table(chg.view(rows=~overall, columns=shown, map=mapped(chg, named)), "Verandering per groep", decimals=3,
                 integers=["n_van", "n_naar"])
        if "trend" in pub:
            ch.table(pub["trend"].view(map=mapped(pub["trend"], named)), "Lineaire trend per jaar (gewogen regressie, 3 of meer metingen)",
                     decimals=4)
    if gaps is not None and len(gaps):
        ch.heading("Verandering van de kloof (verschil-in-verschillen)")
        ch.text("Per groep: de kloof met de referentiegroep in elke meting, en hoeveel die veranderde. "
                "Een positieve verandering bij een negatieve kloof betekent: de kloof werd kleiner. " + NOT_AN_EFFECT)
        cols = ["indicator", "group_label", "reference", *[f"gap_{w}" for w in waves], "did", "ci_low", "ci_high",
                "p_bh", "did_adjusted", "did_standardised"]
        ch.table(gaps.view(columns=cols, map=mapped(gaps, named)), f"Kloof per meting en verandering {waves[0]}–{waves[-1]}",
                 decimals=3, sheet=f"Kloof {waves[0]}–{waves[-1]}")
        ch.heading("Wat kan de volgende meting aantonen?")
        last = waves[-1]
        pop, resp = reports[last]["population"], reports[last]["respondents"]
        shown_gaps = gaps.view(rows=~gaps.table["onderdrukt"].astype(bool))
        mdc = shown_gaps.derive(T.mdc_table, pop, resp, list(response_rates), alpha, power)
        ch.text(f"Hoe groot moet een verandering van een kloof zijn om bij de volgende meting aantoonbaar te zijn? "
                "De figuren laten dat zien voor verschillende responspercentages. Hoe meer mensen meedoen, hoe "
                "kleiner de verandering die we kunnen aantonen.")
        ch.detail(f"Kleinste aantoonbare verandering van elke kloof tussen {last} en de volgende meting "
                  f"(α = {num.decimal(alpha, 2)}, onderscheidend vermogen {num.percent(power, 0)}), bij de "
                  f"ontwerpeffecten van {last}. De berekening gaat uit van een volgende meting als onafhankelijke "
                  "steekproef; antwoorden veel dezelfde medewerkers opnieuw (gekoppeld via de persoonssleutel), dan is "
                  "een verandering preciezer te meten en zijn deze waarden conservatief (te groot).",
                  "kleinste aantoonbare verandering")
        for i in dict.fromkeys(mdc.table["indicator"]) if "indicator" in mdc.table else [None]:
            # one chart per indicator: a line per group must not run through several indicators' values
            own = mdc.view(rows=mdc.table["indicator"] == i) if i is not None else mdc
            ch.figure(figure(figures.mdc_plot, own, "Kleinste aantoonbare verandering naar respons"
                             + (f": {labels.indicator(source, i)}" if i is not None else "")))
        need = shown_gaps.derive(lambda t: pd.DataFrame({"group_label": t["group_label"], "respons nodig": [
            needed_words(T.response_needed(se, resp, pop, detect_change, alpha, power)) for se in t["se_gap_last"]]}))
        ch.table(need, f"Benodigde respons om een verandering van {num.decimal(detect_change, 2)} punt aan te tonen")
    if "nieuw:gaps" in pub:  # after the existing sections: their tables keep their numbers
        ch.heading("Nieuwe medewerkers per meting")
        ch.text("Medewerkers in hun eerste jaar in dienst, naast wie langer in dienst is: het gemiddelde per meting, de "
                "kloof per meting en hoeveel die veranderde. Deze toetsen zijn een eigen familie ('nieuwkomers') en "
                "verkennend. " + NOT_AN_EFFECT)
        lv = pub["nieuw:levels"]
        ch.table(lv.view(rows=lv.table["dimension"] == newcomers,
                         columns=[c for c in lv.table.columns if c not in ("se", "group", "dimension", "df", "deff", "note")],
                         map=mapped(lv, named)), "Nieuwe medewerkers: gemiddelde per meting", decimals=2,
                 sheet="Nieuwe medewerkers")
        ng = pub["nieuw:gaps"]
        ch.table(ng.view(columns=["indicator", "group_label", "reference", *[f"gap_{w}" for w in waves], "did", "ci_low",
                                  "ci_high", "p_bh", "did_adjusted"], map=mapped(ng, named)),
                 f"Nieuwe medewerkers: kloof per meting en verandering {waves[0]}–{waves[-1]}", decimals=3,
                 sheet="Nieuwe medewerkers kloof")
    ch.heading("Methode: vergelijkbaarheid van de metingen, weging en inferentiekader")
    ch.text("Hieronder staat hoe goed de metingen te vergelijken zijn en hoe de antwoorden zijn gewogen. Dit deel is "
            "vooral voor onderzoekers.")
    ch.detail(R_TEXT, "respons en R-indicator")
    r = pub["r_indicator"]
    ch.table(r.view(columns=[c for c in r.table.columns if c not in ("bron", "cellen", "niet geplaatst")]),
             "Respons en R-indicator per meting (95%-interval), met partiële R-indicatoren per kenmerk", decimals=3,
             sheet="Respons en R-indicator",
             percent=["respons"])
    ch.detail(MARGIN_TEXT, "weging")
    for w in waves:
        ch.table(pub[f"margins:{w}"].view(columns=["kenmerk", "categorie", "register", "respondenten ongewogen",
                                                   "respondenten gewogen"]),
                 f"Wat de weging herstelt, {source.upper()} {w}", sheet=f"Weging {source.upper()} {w}",
                 percent=["register", "respondenten ongewogen", "respondenten gewogen"], fold=True)
    ch.detail(frame_text(settings) + " In dit hoofdstuk: de niveaus per meting zijn beschrijvend (met "
            "eindige-populatiecorrectie per meting), de veranderingen van niveaus ook, behalve waar de metingen via de "
            "persoonssleutel gekoppeld zijn (dan met de persoon als eenheid, zonder eindige-populatiecorrectie, zie "
            "hierboven); de veranderingen van een kloof (verschil-in-verschillen), de varianten bij gelijke schaal enz. en "
            "gestandaardiseerde varianten en de trend per jaar zijn modelmatig (zonder eindige-populatiecorrectie). "
            "Benjamini–Hochberg: één familie per hoofdstuk ('effectmeting': alle veranderingen en kloofveranderingen).",
              "inferentiekader")
    ch.provenance({f"{source} {w}": load_manifest(settings.processed_dir, source, w)["input"] for w in waves},
                  {"source": source, "indicators": indicators, "dimensions": dims, "response_rates": list(response_rates),
                   "alpha": alpha, "power": power, "min_cell_size": policy.k, "survey_years": survey_years})
    return ch

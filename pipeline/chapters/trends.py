"""Chapters 06 and 07: effect measurement over the waves — levels, changes, gap changes, trend, power."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline import labels
from pipeline.analysis import families, linkage
from pipeline.analysis import power as PW
from pipeline.analysis import trend as T
from pipeline.analysis.load import change_designs, frame_text, survey_design
from pipeline.analysis.response import R_TEXT, representativeness_tables
from pipeline.chapters import Chapter, effect_section
from pipeline.chapters.adjusted import exceptions_nl
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, figure, publish_all
from pipeline.report import figures
from pipeline.report import numbers as num
from pipeline.results import Tidy
from pipeline.settings import Settings
from pipeline.weight import MARGIN_TEXT, margin_table, weighting_warnings
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


def _family_alphas(shown: pd.DataFrame, pub: dict, settings, source: str, alpha: float) -> pd.DataFrame:
    """Per shown gap change: the family its verdict comes from and that family's per-test threshold
    (`power.family_alpha`). A programme indicator's gap change is in the primary family (config
    `multiplicity`; the dashboard's verdict): its threshold as the family's only discovery. Every other
    gap change is in this chapter's family (Benjamini–Hochberg over its changes and gap changes): the
    threshold a next discovery meets given the discoveries it has now."""
    rule = families.rule(settings)
    primary = {(i.construct, i.dimension, str(i.group)) for i in settings.indicators if i.source == source}
    m_primary = 2 * len(settings.indicators)

    def fam(t):
        return t["family"] if "family" in t else pd.Series(FAMILY, index=t.index)
    tests = pd.concat([pd.DataFrame({"family": fam(pub[k].table), "p_bh": pub[k].table["p_bh"]})
                       for k in ("changes", "gaps") if k in pub], ignore_index=True).dropna(subset=["p_bh"])
    size, found = tests.groupby("family").size(), tests[tests["p_bh"] < alpha].groupby("family").size()
    rows = []
    for key, f in zip(zip(shown["indicator"], shown["dimension"], shown["group"].astype(str)), fam(shown)):
        if key in primary:
            rows.append({"alpha": PW.family_alpha(alpha, m_primary, rule["primary"]),
                         "familie": f"primair ({m_primary} toetsen, {METHOD_NL[rule['primary']]})"})
        else:
            m = int(size.get(f, 1))
            rows.append({"alpha": PW.family_alpha(alpha, m, "bh", int(found.get(f, 0))),
                         "familie": f"verkennend: {f} ({m} toetsen, {METHOD_NL['bh']})"})
    return pd.DataFrame(rows, index=shown.index)


METHOD_NL = {"bh": "Benjamini–Hochberg", "holm": "Holm"}


def power_text(last, plans: dict, tests: pd.DataFrame, fpc: bool, alpha: float, power: float, name) -> str:
    """Method text of the power section: the test it predicts, with its own numbers."""
    parts = []
    for i, (now, plan) in plans.items():
        linked = (f"gekoppeld via de persoonssleutel: naar verwachting deed {num.percent(plan.overlap, 0)} van de "
                  f"respondenten ook in {last} mee, met een samenhang van {num.decimal(plan.rho, 2)} tussen hun "
                  "antwoorden in twee metingen") if plan.rho else "als onafhankelijke steekproeven (geen persoonssleutel)"
        parts.append(f"{name(i)}: {linked}")
    alphas = "; ".join(f"{f}: α per toets {num.decimal(a, 4)}" for f, a in
                       tests.drop_duplicates("familie").set_index("familie")["alpha"].items())
    return (f"Kleinste aantoonbare verandering van elke kloof tussen {last} en de volgende meting, voor de toets die het "
            "oordeel werkelijk geeft: dezelfde schatter van de verandering van de kloof, met "
            + ("" if fpc else "net als die toets geen ") + "eindige-populatiecorrectie, en de drempel van de familie waarin "
            f"het oordeel valt (onderscheidend vermogen {num.percent(power, 0)}). De standaardfout van de volgende "
            f"verandering komt uit de standaardfout van de toets op de huidige metingen, herschaald naar het aantal "
            "respondenten en de overlap tussen de metingen (Kish, partiële overlap). De metingen zijn "
            + "; ".join(parts) + f". Familie en drempel (α = {num.decimal(alpha, 2)} na correctie): {alphas}. Bij "
            "Benjamini–Hochberg wordt de drempel ruimer als meer kloven tegelijk veranderen; het onderscheidend "
            "vermogen is dan hoger dan hier staat.")


def build(settings: Settings, *, source: str, indicators: list[str], dimensions=None, response_rates=(0.2, 0.25, 0.3, 0.4, 0.5),
          detect_change: float = 0.10, alpha: float = 0.05, power: float = 0.8) -> Chapter:
    policy = Policy.from_settings(settings)
    dims = dimensions or settings["groups"]["dimensions"]
    refs = settings["groups"]["reference"]
    waves = [w for w in settings.waves(source) if w in settings.waves("register")]
    designs, reports = {}, {}
    for w in waves:
        designs[w], reports[w], _ = survey_design(settings, source, w)
    stacked = stack(designs)
    # changes, raw gap changes and trends in the frame of the levels (the linked-panel estimator when
    # the waves carry a person key); the covariate-adjusted gap change in the frame of models
    linked, model, link = change_designs(settings, designs)
    results = {f"levels:{i}": T.levels(stacked, i, dims) for i in indicators}
    if len(waves) > 1:
        # a total and its subscales are not independent tests: the subscales get a family of their own
        split = families.subscale_split(settings.codebook(source, waves[-1]), indicators, "indicator", FAMILY)
        results["changes"] = replace(_concat([T.changes(linked, i, waves, dims=dims, family=FAMILY) for i in indicators]),
                                     split=split)
        results["gaps"] = replace(_concat([T.gap_changes(stacked, i, dims, refs, waves, family=FAMILY,
                                                           covariates=lambda dim: settings.covariates("gap_change", dim),
                                                           model=linked,
                                                           adjusted_model=model)
                                           for i in indicators]), split=split)
    newcomers = settings["groups"].get("newcomers")
    if newcomers and newcomers in stacked.data and len(waves) > 1:  # first year of service: a family of its own
        results["nieuw:levels"] = _concat([T.levels(stacked, i, [newcomers]) for i in indicators])
        results["nieuw:gaps"] = _concat([T.gap_changes(stacked, i, [newcomers], refs, waves, family=NEWCOMER_FAMILY,
                                                       covariates=settings.covariates("gap_change", newcomers),
                                                       model=linked, adjusted_model=model) for i in indicators])
    reps = [representativeness_tables(settings, source, w) for w in waves]
    results["r_indicator"] = Result(pd.concat([r[0].table for r in reps], ignore_index=True), reps[0][0].rule,
                                    tidy=reps[0][0].tidy)
    results |= {f"margins:{w}": margin_table(reports[w]) for w in waves}
    if len(waves) >= 3:
        results["trend"] = Result(pd.DataFrame([{"indicator": i, **T.trend_test(linked, i)} for i in indicators]),
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
              "interactie meting × groep in een gewogen regressie: ruw, bij gelijke schaal, leeftijd en directie "
              "(modelmatig), en direct gestandaardiseerd naar de samenstelling van de nulmeting."
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
        shown = [c for c in chg.table.columns if c not in ("se", "group", "family")]
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
        if note := exceptions_nl(settings, "gap_change", dims, "de verandering van de kloof"):
            ch.text(note)
        cols = ["indicator", "group_label", "reference", *[f"gap_{w}" for w in waves], "did", "ci_low", "ci_high",
                "p_bh", "did_adjusted", "did_standardised"]
        ch.table(gaps.view(columns=cols, map=mapped(gaps, named)), f"Kloof per meting en verandering {waves[0]}–{waves[-1]}",
                 decimals=3, sheet=f"Kloof {waves[0]}–{waves[-1]}")
        ch.heading("Wat kan de volgende meting aantonen?")
        last = waves[-1]
        pop = reports[last]["population"]
        shown_gaps = gaps.view(rows=~gaps.table["onderdrukt"].astype(bool))
        tests = _family_alphas(shown_gaps.table, pub, settings, source, alpha)
        fpc = PW.uses_fpc(model)
        plans = {i: PW.next_wave_plan(designs, link, i, waves, fpc, pop) for i in indicators}

        def mdc_rows(t):
            return pd.concat([PW.mdc_table(t[t["indicator"] == i].assign(alpha=tests.loc[t.index[t["indicator"] == i], "alpha"]),
                                           *plans[i], list(response_rates), power) for i in indicators], ignore_index=True)
        mdc = shown_gaps.derive(mdc_rows)
        ch.text(f"Hoe groot moet een verandering van een kloof zijn om bij de volgende meting aantoonbaar te zijn? "
                "De figuren laten dat zien voor verschillende responspercentages. Hoe meer mensen meedoen, hoe "
                "kleiner de verandering die we kunnen aantonen.")
        ch.detail(power_text(last, plans, tests, fpc, alpha, power, lambda i: labels.indicator(source, i)),
                  "kleinste aantoonbare verandering")
        for i in dict.fromkeys(mdc.table["indicator"]) if "indicator" in mdc.table else [None]:
            # one chart per indicator: a line per group must not run through several indicators' values
            own = mdc.view(rows=mdc.table["indicator"] == i) if i is not None else mdc
            ch.figure(figure(figures.mdc_plot, own, "Kleinste aantoonbare verandering naar respons"
                             + (f": {labels.indicator(source, i)}" if i is not None else "")))
        need = shown_gaps.derive(lambda t: pd.DataFrame({
            "indicator": [labels.indicator(source, i) for i in t["indicator"]], "group_label": t["group_label"],
            "respons nodig": [needed_words(PW.response_needed(se, *plans[i], detect_change, a, power))
                              for se, i, a in zip(t["se"], t["indicator"], tests.loc[t.index, "alpha"])],
            "toets": tests.loc[t.index, "familie"].to_numpy()}))
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
    for w in waves:
        for line in weighting_warnings(reports[w], f"{source.upper()} {w}"):
            ch.text(line)
    ch.detail(MARGIN_TEXT, "weging")
    for w in waves:
        ch.table(pub[f"margins:{w}"].view(columns=["kenmerk", "categorie", "register", "respondenten ongewogen",
                                                   "respondenten gewogen"]),
                 f"Wat de weging herstelt, {source.upper()} {w}", sheet=f"Weging {source.upper()} {w}",
                 percent=["register", "respondenten ongewogen", "respondenten gewogen"], fold=True)
    ch.detail(frame_text(settings) + " In dit hoofdstuk: de niveaus per meting zijn beschrijvend (met "
            "eindige-populatiecorrectie per meting); de veranderingen van niveaus, de veranderingen van een kloof "
            "(verschil-in-verschillen) en de trend per jaar ook, in hetzelfde kader als de niveaus (zie hierboven). "
            "Modelmatig (zonder eindige-populatiecorrectie) zijn alleen de kloofverandering bij gelijke schaal, "
            "leeftijd en directie (een regressiecoëfficiënt; in de tabel 'modelmatig') en de gestandaardiseerde "
            "variant (alleen een puntschatting). "
            "Benjamini–Hochberg: één familie per hoofdstuk ('effectmeting': alle veranderingen en kloofveranderingen); "
            "deelschalen van een totaalschaal die ook getoetst wordt (bij de NIM: erbij horen en authenticiteit) zijn "
            "geen aparte toetsen van hetzelfde en vormen een eigen familie ('effectmeting/subschalen').",
              "inferentiekader")
    if len(waves) > 1:  # the programme's effect (issue 31): directorates with the programme against the others
        # (after the method tables, so their numbering stays as it was)
        names = pd.read_parquet(settings.processed_dir / f"register_{waves[-1]}.parquet", columns=["directie_code", "directie"])
        effect_section.add(ch, settings, policy, source, designs,
                           dict(zip(names["directie_code"].astype(str), names["directie"].astype(str))), linked)
    ch.provenance({f"{source} {w}": load_manifest(settings.processed_dir, source, w)["input"] for w in waves},
                  {"source": source, "indicators": indicators, "dimensions": dims, "response_rates": list(response_rates),
                   "alpha": alpha, "power": power, "min_cell_size": policy.k},
                  settings)
    return ch

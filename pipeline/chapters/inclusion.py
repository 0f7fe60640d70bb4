"""Chapters 02 and 03: levels and group differences of a survey's constructs (NIM inclusion, MTO safety)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.analysis import families, small_area
from pipeline.analysis.decompose import COVARIATE_NL, decomposition_table
from pipeline.analysis.gaps import directorate_table, gap_table, level_table, likert_shares, summary_nl
from pipeline import labels
from pipeline.analysis.load import frame_text, in_frame, survey_design
from pipeline.analysis.response import population_frame
from pipeline.chapters import Chapter, invariance_note
from pipeline.chapters.adjusted import exceptions_nl
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import ABSENT, ROWS_KEPT, Policy, figure, publish_all
from pipeline.report import figures
from pipeline.settings import Settings
from pipeline.weight import MARGIN_TEXT, margin_table, weighting_warnings

GAP_COLUMNS = ["group_label", "reference", "difference", "ci_low", "ci_high", "p_bh", "cohens_d", "n", "adj_difference",
               "adj_ci_low", "adj_ci_high", "adj_p_bh", "adj_n"]
ADJUSTED_TEXT = (
    "**Het ruwe verschil en het verschil bij gelijke schaal, leeftijd, dienstjaren en directie.** Het *ruwe "
    "verschil* is het verschil zoals het op de werkvloer bestaat: het totale verschil tussen de groep en haar "
    "referentiegroep. Het verschil *bij gelijke schaal, leeftijd, dienstjaren en directie* (in eerdere uitgaven "
    "heette dit het 'gecorrigeerde verschil') is de coëfficiënt van de groep in een gewogen regressie met die "
    "kenmerken (bij 'jonger dan 35' zonder leeftijd). Het is niet 'het echte verschil': salarisschaal ligt zelf op "
    "de weg van bijvoorbeeld migratieachtergrond naar inclusie (wie minder doorstroomt, zit lager en voelt zich "
    "daardoor mogelijk minder gezien). Rekening houden met zo'n tussenliggende factor haalt dat deel van het "
    "verschil weg. Het is het deel dat *niet verklaard* wordt door verschillen in salarisschaal, leeftijd, "
    "dienstjaren of directie; het zegt niets over oorzaak en gevolg. Hoeveel van een kloof *verklaard* wordt door "
    "die kenmerken, met marge, staat in de ontleding verderop. Het model gebruikt de respondenten van wie alle "
    "kenmerken bekend zijn (*n bij gelijke schaal enz.*); het ruwe verschil iedereen die de groep en de schaal "
    "invulde (*n*). Alle toetsen van dit hoofdstuk, ruw en bij gelijke schaal enz., vormen samen één "
    "Benjamini–Hochberg-familie ('groepsverschillen'); het *oordeel* leest de toets van het ruwe verschil. "
    "Deelschalen van een totaalschaal die ook getoetst wordt (bij de NIM: erbij horen en authenticiteit, samen "
    "ervaren inclusie) zijn geen aparte toetsen van hetzelfde: de totaalschaal is de uitkomst die telt, de "
    "deelschalen zijn verkennend en vormen een eigen familie ('groepsverschillen/subschalen'). De "
    "p-waarden (ook na correctie voor de vele vergelijkingen, *BH*) en de effectgrootte (Cohens d) staan in de "
    "tabel hieronder en in de CSV.")
AVERAGE = "Gemeente (gemiddelde)"
DECOMPOSITION_TEXT = (
    "Een kloof is te splitsen in twee delen. Het ene deel wordt *verklaard* door verschillen in salarisschaal, "
    "leeftijd, dienstjaren en directie tussen de groep en de referentiegroep. Het andere deel wordt *niet verklaard* "
    "door deze kenmerken. *Verklaard* betekent alleen dat het verschil samengaat met die kenmerken, niet dat zij de "
    "oorzaak zijn.")
DECOMPOSITION_DETAIL = (
    "Twee-delige Oaxaca–Blinder-ontleding op dezelfde respondenten. De twee delen tellen op tot de kloof. Die kan iets "
    "afwijken van de kloof hierboven: hier tellen alleen respondenten van wie alle kenmerken bekend zijn. Marges: "
    "modelmatig (zonder eindige-populatiecorrectie); de toetsen zijn verkennend (familie 'ontleding').")


DIRECTORATE_FAMILY = "directies"  # every directorate against the rest: its own family (p_bh over it)
TOO_UNSURE = "te onzeker om te tonen"


def max_half_width(settings, source: str, construct: str) -> float | None:
    """The widest 95% half-width at which a directorate's level is shown (config
    `directorates.max_half_width`, a share of the answer scale's range); None: no precision rule."""
    share = (settings.raw.get("directorates") or {}).get("max_half_width")
    lo, hi = labels.scale_range(source, construct)
    return None if share is None or lo is None else float(share) * (hi - lo)


def versus_average(table: pd.DataFrame, average: float) -> pd.DataFrame:
    """Directorates sorted from highest to lowest, the organisation's average on top, and the verdict
    of each directorate against the REST of the organisation (BH within the directorates' family);
    a directorate whose interval is too wide is not shown. Suppressed directorates go last."""
    t = table.copy()
    higher = (t["p_bh"] < 0.05) & (t["verschil"] > 0)
    lower = (t["p_bh"] < 0.05) & (t["verschil"] < 0)
    unsure = t["te_onzeker"].fillna(False).astype(bool) if "te_onzeker" in t else pd.Series(False, index=t.index)
    absent = t[ABSENT].fillna("").astype(str).ne("") if ABSENT in t else pd.Series(False, index=t.index)
    t["vergeleken"] = np.where(unsure, TOO_UNSURE, np.where(absent, "", np.where(t["estimate"].isna(), "–", np.where(
        higher, "▲ hoger dan de rest", np.where(lower, "▼ lager dan de rest", "● geen aantoonbaar verschil")))))
    t = t.sort_values("estimate", ascending=False, na_position="last")
    if ABSENT not in t:
        t[ABSENT] = ""
    # the average is compared with nothing and has no interval or n here: not applicable, never hidden
    top = pd.DataFrame([{"group_label": AVERAGE, "estimate": average, "vergeleken": np.nan, ABSENT: "n.v.t."}],
                       index=[AVERAGE])
    # every directorate keeps its row's label, so its cells keep their status (a level too uncertain to
    # show is not applicable, not hidden by disclosure control; see Published.derive)
    out = pd.concat([top, t.drop(columns=[c for c in ("te_onzeker", "verschil", "p_bh") if c in t])])
    out.attrs[ROWS_KEPT] = True
    return out


MODEL_COLUMNS = ["modelschatting", "modelschatting_laag", "modelschatting_hoog", "modelschatting_se", "gewicht"]
MODEL_TEXT = (
    "De *modelschatting* is een tweede schatting per directie. Ze gebruikt ook cijfers uit het personeelsregister "
    "over de directie. Het gaat om het aandeel jonge medewerkers en het aandeel met een niet-westerse "
    "migratieachtergrond. En om het aandeel in schaal 12 of hoger en het aandeel korter dan 5 jaar in dienst. Hoe "
    "minder respondenten, hoe meer de schatting op het register leunt. Heeft een directie minder dan {k} "
    "respondenten, of is haar eigen cijfer niet te tonen? Dan komt de modelschatting helemaal uit het register en de "
    "andere directies.")
MODEL_DETAIL = (
    "Fay–Herriot-model op directieniveau (Fay & Herriot 1979; Rao & Molina 2015): de directe schattingen met hun "
    "steekproefvariantie, regressie op de registerkenmerken van de directie en een toevalseffect per directie (REML). "
    "De modelschatting (EBLUP) weegt de eigen schatting met gewicht τ/(τ + steekproefvariantie) en de "
    "regressievoorspelling met de rest (kolom *gewicht*); τ = σ² + S²/N, met S² de spreiding tussen medewerkers "
    "binnen directies en N het aantal medewerkers van de directie (het doel is het gemiddelde van háár medewerkers). "
    "Marge: ±1,96 × de wortel uit de MSE volgens Prasad–Rao met de REML-term van Datta & Lahiri. Directies zonder "
    "getoond eigen cijfer doen niet mee aan de schatting van het model; hun modelschatting is de "
    "regressievoorspelling (gewicht 0, of ten hoogste `small_area.max_direct_weight`). Aannames: de "
    "steekproefvarianties zijn bekend, de regressie is lineair en de directie-effecten zijn normaal verdeeld.")


def model_estimates(settings, policy, design, source: str, constructs: list[str], register: pd.DataFrame,
                    names: dict, pub: dict) -> dict:
    """The Fay–Herriot estimate of every directorate per construct (config `small_area`; none when the
    section is absent), published like any estimate: `sae:<construct>`, results rows `sae_level`. The
    direct estimates and their design variances are those of the directorate table (`design.mean` by
    directorate); which of them may carry weight follows that table as published."""
    declared = small_area.declared(settings.raw)
    if declared is None:
        return {}
    aux = small_area.auxiliaries(register, declared["auxiliaries"])
    sizes = register["directie_code"].astype(str).value_counts()
    data = design.data[design.domain]
    out = {}
    for c in constructs:
        lo, hi = labels.scale_range(source, c)
        direct = design.mean(c, by="directie_code")
        try:
            out[f"sae:{c}"] = small_area.directorate_result(
                direct.assign(group=direct["directie_code"].astype(str)), pub[f"dir:{c}"].table, aux, k=policy.k,
                indicator=c, names=names, max_direct_weight=declared["max_direct_weight"],
                bounds=None if lo is None else (lo, hi),
                within=small_area.within_variance(data[c], data["directie_code"]),
                sizes=sizes)
        except small_area.TooFewAreas:
            continue  # too few directorates with a published level (e.g. a pilot): no model estimates
    return publish_all(out, policy)


def with_model(table: pd.DataFrame, model: pd.DataFrame) -> pd.DataFrame:
    """The directorate table with each directorate's model estimate beside its direct estimate."""
    m = model.assign(group=model["group"].astype(str)).set_index("group")
    out = table.copy()
    key = out["group"].astype(str)
    from pipeline.results import SURVEY_DECIMALS
    for col, src in zip(MODEL_COLUMNS, ("estimate", "ci_low", "ci_high", "se", "gewicht")):
        # one precision in every file: results.csv's (issue 25 A4: full floats here, 4 decimals there)
        out[col] = key.map(m[src]).astype(float).round(SURVEY_DECIMALS)
    return out


NEWCOMER_FAMILY = "nieuwkomers"


def _newcomer_section(ch, pub, constructs, names, dim, reference) -> None:
    """Newcomers (first year of service) and the others: their levels and the gap, raw and at equal pay
    scale, age and directorate (tenure left out: it is what the groups differ in)."""
    lv, gp = pub["nieuw:levels"], pub["nieuw:gaps"]
    ch.heading("Nieuwe medewerkers")
    ch.text(f"{labels.group(dim, 'ja')}: medewerkers die korter dan een jaar in dienst zijn. Hier staat hoe zij het "
            f"ervaren, naast de medewerkers die {labels.group(dim, reference).lower()} zijn. Het verschil is ook "
            "getoond bij gelijke schaal, leeftijd en directie. Deze toetsen zijn een eigen familie voor de correctie "
            "voor de vele vergelijkingen ('nieuwkomers'), en verkennend.")
    ch.table(lv.view(rows=lv.table["dimension"] == dim, columns=[x for x in lv.table.columns if x not in ("group",)],
                     map={"construct": lambda c: names.get(c, c), "dimension": labels.dimension}),
             "Nieuwe medewerkers: gewogen gemiddelde met 95%-interval", decimals=2, sheet="Nieuwe medewerkers")
    ch.table(gp.view(columns=["construct", *GAP_COLUMNS], map={"construct": lambda c: names.get(c, c)},
                     rename={"adj_difference": "verschil bij gelijke schaal, leeftijd en directie"}),
             "Nieuwe medewerkers: verschil met wie langer in dienst is", decimals=3, integers=["adj_n"],
             sheet="Nieuwe medewerkers kloof")


def scale_words(source: str, construct: str) -> str:
    lo, hi = labels.scale_range(source, construct)
    return f" (schaal {lo} tot {hi})" if lo is not None else ""



def _sheet(label: str, rest: str) -> str:
    """The scale's name, short enough that "<nn> <name><rest>" fits a workbook sheet name."""
    from pipeline.report.export import MAX_SHEET, shorten
    return shorten(label, MAX_SHEET - 3 - len(rest))

def build(settings: Settings, *, source: str, constructs: list[str], title: str, intro: str, wave=None,
          dimensions=None, intersections=None, uses=()) -> Chapter:
    """`uses`: chapters of this run whose published results the page reads (chapter 01's measurement
    invariance: a gap on a scale that does not measure the same in every group says so)."""
    policy = Policy.from_settings(settings)
    groups = settings["groups"]
    dims = dimensions or groups["dimensions"]
    inter = intersections if intersections is not None else groups["intersections"]
    design, weighting, wave = survey_design(settings, source, wave)
    cb = settings.codebook(source, wave)
    scale_items = {c: cb.scales[c]["items"] for c in constructs if c in cb.scales}
    first = next(iter(scale_items.values()), [None])[0]
    likert_dims = dims[:3] if first else []
    register = pd.read_parquet(settings.processed_dir / f"register_{wave}.parquet")
    reg_names = register.groupby("directie_code", observed=True)["directie"].first().to_dict()
    # the survey's own population per directorate (the frame of the response table, so "geen respondenten"
    # follows its attribute rule): a directorate without respondents keeps its row
    population = population_frame(settings, source, wave)
    frame = population["directie_code"].astype(str).value_counts() if population is not None else None
    LABELS = {c: labels.indicator(source, c, wave) for c in constructs}
    gaps = gap_table(design, constructs, dims, groups["reference"], inter,
                     adjust_for=lambda dim: settings.covariates("adjusted_gap", dim),
                     model=in_frame(design, settings.frame("models")))
    # a total and its subscales are not independent tests: the subscales get a family of their own
    subs = families.subscales(cb, constructs)
    results = {"gaps": replace(gaps, split=families.subscale_split(cb, constructs, "construct", gaps.family)),
               "levels": level_table(design, constructs, dims),
               "margins": margin_table(weighting)}
    results |= {f"likert:{c}": likert_shares(design, items) for c, items in scale_items.items()}
    results |= {f"likert_by:{dim}": likert_shares(design, [first], by=dim) for dim in likert_dims}
    results |= {f"dir:{c}": directorate_table(design, c, reg_names, family=DIRECTORATE_FAMILY
                                              + (f"/{families.SUBSCALES}" if c in subs else ""),
                                              max_half_width=max_half_width(settings, source, c),
                                              frame=frame, wave=wave)
                for c in constructs}
    decomposed = list(dict.fromkeys(i.construct for i in settings.indicators if i.source == source and i.construct in constructs)) \
        or constructs[:1]   # the programme's constructs (keeps the chapter within its time budget)
    newcomers = groups.get("newcomers")
    if newcomers:  # staff in their first year of service against the others: a family of its own
        results["nieuw:levels"] = level_table(design, constructs, [newcomers])
        results["nieuw:gaps"] = gap_table(design, constructs, [newcomers], groups["reference"], [],
                                          adjust_for=lambda dim: settings.covariates("adjusted_gap", dim),
                                          model=in_frame(design, settings.frame("models")), family=NEWCOMER_FAMILY)
    results["decomposition"] = decomposition_table(
        in_frame(design, settings.frame("models")), decomposed, dims, groups["reference"],
        lambda dim: settings.covariates("adjusted_gap", dim))
    pub = publish_all(results, policy)
    pub |= model_estimates(settings, policy, design, source, constructs, register, reg_names, pub)
    gaps, levels = pub["gaps"], pub["levels"]
    ch = Chapter()
    ch.record(pub, source=source, waves=str(wave))

    ch.heading(title, 1)
    ch.text(intro + " Dit hoofdstuk laat zien of groepen medewerkers dit anders ervaren dan hun referentiegroep. "
            "Ook ziet u hoe groot dat verschil is. En hoe groot het blijft bij gelijke schaal, leeftijd, dienstjaren "
            "en directie.")
    ch.heading(f"Samenvatting ({source.upper()} {wave})")
    ch.text(summary_nl(gaps.table, LABELS, scales={c: labels.scale_range(source, c, wave) for c in constructs}))
    n_resp, n_pop = (f"{weighting[k]:,}".replace(",", ".") for k in ("respondents", "population"))
    ch.text(f"Gebaseerd op {n_resp} respondenten van {n_pop} medewerkers (respons {weighting['response_rate']:.0%}). "
            "De antwoorden zijn gewogen, zodat ze lijken op het hele personeel (zie Methode).")
    for c in constructs:
        ch.figure(figure(figures.forest, gaps, c, f"{LABELS[c]} ({source.upper()} {wave})"))
    ch.heading("Niveau per groep")
    for c in constructs:
        ch.table(levels.view(rows=levels.table["construct"] == c, columns=[
            x for x in levels.table.columns if x not in ("construct", "group")], map={"dimension": labels.dimension}),
            f"{LABELS[c]} per groep: gewogen gemiddelde met 95%-interval{scale_words(source, c)}",
            sheet=f"{_sheet(LABELS[c], ' groepen')} groepen")
    ch.heading("Verschillen met de referentiegroep")
    ch.text("*Verschil*: hoeveel punten de groep hoger of lager scoort dan haar referentiegroep. Een min-teken "
            "betekent: lager dan de referentiegroep. *Oordeel*: of het verschil aantoonbaar is (zie ‘Zo leest u "
            "dit’). *Bij gelijke schaal, leeftijd, dienstjaren en directie*: het verschil dat overblijft als beide "
            "groepen even vaak in elke schaal, leeftijd, dienstjaren en directie zitten.")
    ch.detail(ADJUSTED_TEXT, "ruw verschil en verschil bij gelijke schaal enz.")
    if note := exceptions_nl(settings, "adjusted_gap", dims):
        ch.text(note)
    unequal = invariance_note.failures(invariance_note.read(settings.reports_dir / "results" / f"{u}.parquet"
                                                            for u in uses or ()), source, wave, constructs)
    for c in constructs:
        ch.table(gaps.view(rows=gaps.table["construct"] == c, columns=GAP_COLUMNS), f"{LABELS[c]}: verschillen",
                 decimals=3, integers=["adj_n"], sheet=f"{_sheet(LABELS[c], ' kloven')} kloven")
        for dim, level in unequal.get(c, []):
            if dim in set(gaps.table.loc[gaps.table["construct"] == c, "dimension"].astype(str)):
                ch.text(invariance_note.note_nl(LABELS[c], labels.dimension(dim), level))
    ch.heading("Verklaard en niet verklaard door kenmerken")
    ch.text(DECOMPOSITION_TEXT)
    ch.detail(DECOMPOSITION_DETAIL, "hoe de kloof is gesplitst")
    dec = pub["decomposition"]
    for c in dict.fromkeys(dec.table["construct"]) if len(dec.table) else []:
        parts = [k for k in dec.table.columns if k.startswith("deel:")]
        ch.table(dec.view(rows=dec.table["construct"] == c, columns=[
            "group_label", "reference", "kloof", "verklaard", "verklaard_laag", "verklaard_hoog", *parts,
            "niet_verklaard", "niet_verklaard_laag", "niet_verklaard_hoog", "p_niet_verklaard_bh", "n", "n_ref"],
            rename={k: f"verklaard door {COVARIATE_NL.get(k[5:], k[5:])}" for k in parts}), f"{LABELS[c]}: kloof verklaard en niet verklaard door salarisschaal, leeftijd, dienstjaren en directie",
            decimals=3, sheet=f"{_sheet(LABELS[c], ' ontleding')} ontleding")
    ch.heading("Antwoorden per vraag")
    item_labels = {n: v.get("label", n) for n, v in cb.variables.items()}
    for c, items in scale_items.items():
        vl = cb.variables[items[0]].get("value_labels", {})
        ch.figure(figure(figures.likert_bars, pub[f"likert:{c}"], item_labels, vl,
                         f"{LABELS[c]}: antwoorden per vraag ({wave})", reversed_items=cb.scales[c].get("reverse", [])))
    for dim in likert_dims:
        vl = cb.variables[first].get("value_labels", {})
        ch.figure(figure(figures.likert_bars, pub[f"likert_by:{dim}"], item_labels, vl,
                         f"'{item_labels[first]}' naar {labels.dimension(dim).lower()}", by_group=True,
                         reversed_items=[i for c in scale_items for i in cb.scales[c].get("reverse", [])]))
    ch.heading("Per directie")
    ch.text("Directies van hoog naar laag, met bovenaan het gemiddelde van de hele gemeente. *Hoger* of *lager dan "
            "de rest* betekent: de directie verschilt aantoonbaar van alle andere medewerkers samen. "
            "De directie zelf telt in die vergelijking niet mee. "
            "Is de marge van een directie te breed, dan staat er *te onzeker om te tonen* in plaats van een getal.")
    ch.detail("Elke directie is vergeleken met de rest van de gemeente (een contrast op het steekproefontwerp). "
              "Alle directies samen vormen één familie toetsen met Benjamini–Hochberg-correctie ('directies'; "
              "bij deelschalen van een totaalschaal een eigen familie, 'directies/subschalen'); "
              "deze toetsen zijn verkennend.", "hoe de directies zijn vergeleken")
    modelled = any(f"sae:{c}" in pub for c in constructs)
    if modelled:
        ch.text(MODEL_TEXT.format(k=policy.k))
        ch.detail(MODEL_DETAIL, "hoe de modelschatting werkt")
    total = levels.table[levels.table["dimension"] == "totaal"].set_index("construct")["estimate"]
    for c in constructs:
        d = pub[f"dir:{c}"]
        model = pub.get(f"sae:{c}")
        if model is not None:
            d = d.derive(with_model, model.table)
        ch.table(d.view(columns=["group_label", "estimate", "ci_low", "ci_high", "n", "onderdrukt", "te_onzeker",
                                 "verschil", "p_bh", *([ABSENT] if ABSENT in d.table else []),
                                 *(MODEL_COLUMNS if model is not None else [])]).derive(
            versus_average, float(total.get(c, np.nan))),
                 f"{LABELS[c]} per directie: gewogen gemiddelde met 95%-interval{scale_words(source, c)}", decimals=2,
                 sheet=f"{_sheet(LABELS[c], ' directies')} directies")
    if newcomers:  # after the existing sections: their tables keep their numbers
        _newcomer_section(ch, pub, constructs, LABELS, newcomers, groups["reference"][newcomers])
    ch.heading("Methode: weging en inferentiekader")
    for line in weighting_warnings(weighting, f"{source.upper()} {wave}"):
        ch.text(line)
    ch.detail(MARGIN_TEXT, "weging")
    ch.table(pub["margins"].view(columns=["kenmerk", "categorie", "register", "respondenten ongewogen",
                                          "respondenten gewogen"]),
             f"Wat de weging herstelt ({source.upper()} {wave}): aandeel in register en onder respondenten",
             sheet=f"Weging {source.upper()} {wave}",
             percent=["register", "respondenten ongewogen", "respondenten gewogen"])
    ch.detail(frame_text(settings) + " In dit hoofdstuk: niveaus, ruwe verschillen en de tabellen per directie zijn "
            "beschrijvend; de verschillen bij gelijke schaal enz. zijn regressiecoëfficiënten (modelmatig).", "inferentiekader")
    m = load_manifest(settings.processed_dir, source, wave)
    ch.provenance({f"{source} {wave}": m["input"]},
                  {"source": source, "wave": wave, "constructs": constructs, "dimensions": dims,
                   "intersections": inter, "min_cell_size": policy.k}, settings)
    return ch

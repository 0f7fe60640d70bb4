"""Chapter 01: records in and out per source and wave, missing answers, distributions, reliability."""
from __future__ import annotations

import pandas as pd

from pipeline import labels
from pipeline.chapters import Chapter, invariance_note
from pipeline.clean.report import distribution, flow_table, load_manifest, missingness
from pipeline.analysis.careless import COLUMNS, sensitivity_rows, sensitivity_table
from pipeline.clean.careless import FLAG, careful
from pipeline.clean.run import scale_ranges
from pipeline.clean.scales import reliability
from pipeline.analysis.response import R_TEXT, auxiliaries_known, population_frame, representativeness_tables
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, publish_all
from pipeline.results import Tidy
from pipeline.settings import Settings
from pipeline.weight import weighting_warnings

SOURCE_ORDER = ("register", "nim", "mto", "discrimination")  # the rest follow in the catalogue's order
SHEET_NAMES = {"register": "Register", "nim": "NIM", "mto": "MTO", "discrimination": "Discr.", "exit": "Exit",
               "training": "Training"}
DISTRIBUTIONS = ("geslacht", "leeftijdsband", "schaalband", "herkomst_oud", "herkomst_cbs")
RELIABILITY_GROUPS = ("herkomst_oud", "beperking", "lhbtiq")
MIN_RELIABILITY_N = 30  # a reliability coefficient needs at least this many complete answers
RELIABILITY = tuple(Tidy(f"reliability_{c}", {"indicator": "schaal", "group": "groep", "estimate": c})
                    for c in ("alpha", "omega"))
# per group: the dimension too (else 'ja' of disability and of LGBTIQ+ share one results key)
RELIABILITY_BY_GROUP = tuple(Tidy(f"reliability_{c}", {"indicator": "schaal", "dimension": "indeling", "group": "groep",
                                                       "estimate": c}) for c in ("alpha", "omega"))



def _lower_first(text: str) -> str:
    """"Gender" -> "gender", "herkomst CBS" unchanged: a label inside a sheet name."""
    return text[:1].lower() + text[1:]

def careless_text(rule: dict) -> str:
    """Dutch method note on the declared careless-responding rule (config `careless`)."""
    signals = []
    if rule.get("longstring"):
        signals.append("een lange reeks gelijke antwoorden achter elkaar (rechte lijn)")
    if rule.get("speed"):
        signals.append(f"invullen in minder dan {rule['speed']['min_minutes']:g} minuten")
    if rule.get("mahalanobis"):
        signals.append("een antwoordpatroon dat sterk afwijkt van dat van de anderen (Mahalanobis-afstand)")
    what = ("Zij tellen in geen enkele uitkomst mee." if rule["action"] == "exclude"
            else "Zij tellen wel mee in alle uitkomsten.")
    found = (" Signalen: " + "; ".join(signals) + "." if signals else " Er is geen signaal ingesteld.")
    return ("**Onzorgvuldig invullen.** Eén regel voor alle schalen, ook schalen zonder omgekeerde vragen. "
            "Een respondent wordt gemarkeerd bij één van deze signalen." + found +
            f" {what} De tabel laat per schaal het niveau met en zonder de gemarkeerde respondenten zien, en het "
            "verschil met zijn marge. Instelling: `careless` in config/report.yaml.")


WEIGHT = "_gewicht"


def weighted_sample(settings, src: str, wave: int, cb, reports: dict | None = None):
    """The respondents the levels use (careless rule applied) with their raked weight in column WEIGHT;
    None for a source that is not weighted to the staff of its year (or has no register snapshot).
    The wave's weighting report goes into `reports` when given."""
    from pipeline.analysis.load import survey_design
    if cb.role != "survey" or cb.population != "staff" or not cb.scales:
        return None
    if not (settings.processed_dir / f"register_{wave}.parquet").exists():
        return None
    design, report, _ = survey_design(settings, src, wave)
    if reports is not None:
        reports[(src, wave)] = report
    return design.data.assign(**{WEIGHT: design.weights.to_numpy()})


def invariance_section(ch: Chapter, settings, policy, measured: dict) -> None:
    """Measurement invariance of every scale by group and between waves (issue 28)."""
    from pipeline.analysis import invariance as inv
    ch.heading(invariance_note.SECTION, 2, anchor=invariance_note.ANCHOR)  # chapters 02/03 link here
    ch.text(INVARIANCE_TEXT)
    ch.detail(INVARIANCE_DETAIL.format(min_n=inv.MIN_GROUP_N), "meetinvariantie")
    min_n = max(inv.MIN_GROUP_N, policy.k)
    for src, waves in measured.items():
        cb = settings.codebook(src, max(waves))
        items = {v: f"{v} (‘{spec.get('label', v)}’)" for v, spec in cb.variables.items()}
        fits, verdicts, diffs = inv.comparisons(waves, cb.scales, scale_ranges(cb), RELIABILITY_GROUPS, WEIGHT,
                                                min_n, settings.references, item_labels=items)
        if not len(verdicts):
            continue
        why = f"fitted only on groups with at least max({inv.MIN_GROUP_N}, k) complete answers; no group counts shown"
        pub = publish_all({
            "invariance_fit": Result(fits, NoSmallCells(why), tidy=tuple(
                Tidy(f"invariance_{c}", {"indicator": "schaal", "dimension": "indeling", "waves": "metingen",
                                         "category": "stap", "estimate": c}) for c in ("chisq", "cfi", "rmsea", "srmr"))),
            "invariance_verdict": Result(verdicts, NoSmallCells(why), tidy=(
                Tidy("invariance_level", {"indicator": "schaal", "dimension": "indeling", "waves": "metingen",
                                          "category": "niveau", "estimate": "niveau_code"}),)),
            "invariance_latent": Result(diffs, NoSmallCells(why), tidy=(
                Tidy("latent_mean_difference", {"indicator": "schaal", "dimension": "indeling", "waves": "metingen",
                                                "group": "groep", "reference": "referentie", "category": "factor",
                                                "estimate": "verschil_sd"}),)),
        }, policy)
        ch.record(pub, source=src)
        name = src.upper()
        short = SHEET_NAMES.get(src, src[:6])
        scale = lambda s, src=src: labels.indicator(src, s, max(waves))  # noqa: E731
        where = lambda d: "metingen" if d == "golf" else labels.dimension(d)  # noqa: E731
        ch.heading(name, 3)
        for line in invariance_findings(pub["invariance_verdict"].table, scale, where, items):
            ch.text(line)
        ch.table(pub["invariance_verdict"].view(
            columns=["schaal", "indeling", "metingen", "oordeel", "afwijkende_vragen"],
            rename={"indeling": "vergelijking", "afwijkende_vragen": "vragen die anders werken"},
            map={"schaal": scale, "indeling": where}),
            f"{name}: meten de schalen in elke groep en meting hetzelfde?", fold=False,
            sheet=f"{short} meetinvariantie")
        ch.table(pub["invariance_fit"].view(map={"schaal": scale, "indeling": where, "stap": STEP_NL},
                                            rename={"indeling": "vergelijking", "delta_cfi": "ΔCFI",
                                                    "delta_rmsea": "ΔRMSEA", "houdt": "houdt (Chen)"}),
                 f"{name}: modelfit per stap (configuraal, metrisch, scalair)", decimals=3,
                 integers=["df", "groepen"], fold=True, sheet=f"{short} invariantie fit")
        if len(pub["invariance_latent"].table):
            ch.table(pub["invariance_latent"].view(
                columns=["schaal", "indeling", "metingen", "factor", "groep", "referentie", "verschil_sd", "model"],
                map={"schaal": scale, "indeling": where, "factor": scale, "model": STEP_NL},
                rename={"indeling": "vergelijking", "verschil_sd": "verschil (sd)"}),
                f"{name}: verschil in de gemeten eigenschap tegen de referentiegroep, in standaarddeviaties "
                "(uit het model dat past)", decimals=2, fold=True, sheet=f"{short} latente verschillen")


INVARIANCE_TEXT = (
    "Het rapport vergelijkt groepen op het gemiddelde van een schaal. Dat is alleen eerlijk als de vragen in elke "
    "groep hetzelfde meten. Daarom toetsen we per schaal of de vragen in elke groep even sterk met de schaal "
    "samenhangen en even hoog beginnen. Dat heet meetinvariantie. We doen dit per groepsindeling en tussen twee "
    "opeenvolgende metingen. Werkt één vraag in een groep anders, dan noemen we die vraag. Vergelijk de groepen dan "
    "op de andere vragen of per vraag.")
INVARIANCE_DETAIL = (
    "Meerdere-groepen confirmatieve factoranalyse (maximum likelihood, lavaans definities; gewogen met de "
    "rakingsgewichten van de niveaus, lavaans sampling.weights; respondenten na de regel voor onzorgvuldig invullen, "
    "volledige antwoorden). Drie stappen: configuraal (zelfde structuur), metrisch (gelijke ladingen), scalair "
    "(gelijke ladingen en intercepten) (Meredith 1993; Putnick & Bornstein 2016). Een stap houdt als de CFI met "
    "hoogstens 0,010 daalt en de RMSEA met hoogstens 0,015 stijgt tegen de stap ervoor (Chen 2007). Houdt de "
    "scalaire stap niet, dan worden intercepten één voor één vrijgelaten, steeds de vraag die de chi-kwadraat het "
    "meest verlaagt, tot het model weer houdt (partiële invariantie; Byrne, Shavelson & Muthén 1989). De tabel met "
    "verschillen geeft dan de verschillen in factorgemiddelde uit dat partiële model, in standaarddeviaties van "
    "de referentiegroep. Een groep telt mee met minstens {min_n} volledige antwoorden (en minstens de minimale "
    "celgrootte). Metingen worden als onafhankelijke groepen vergeleken; dat respondenten vaker meedoen, telt niet "
    "mee. Inclusie (totaal) is gefit met twee factoren: erbij horen en authenticiteit. Zelf narekenen: "
    "`python -m pipeline.measurement invariance`.")


STEP_NL = {"configural": "configuraal", "metric": "metrisch", "scalar": "scalair", "partial_scalar": "partieel scalair"}


def invariance_findings(verdicts: pd.DataFrame, scale, where, items: dict) -> list[str]:
    """One short sentence per comparison that is not fully invariant, else one sentence for all."""
    odd = verdicts[verdicts["niveau"] != "scalar"]
    if not len(odd):
        return ["Alle schalen meten in alle groepen en metingen hetzelfde. De gemiddelden zijn vergelijkbaar."]
    out = []
    for _, r in odd.iterrows():
        freed = [items.get(i, i) for i in r["afwijkende_vragen"].split(", ") if i]
        what = (f"vraag {freed[0]} werkt anders" if len(freed) == 1
                else f"de vragen {', '.join(freed)} werken anders" if freed else "vergelijk per vraag")
        out.append(f"{scale(r['schaal'])}, {where(r['indeling']).lower()} {r['metingen']}: {what}.")
    return out


def _link_rates(ch: Chapter, settings, policy) -> None:
    """Every join across sources and waves with its link rate (pipeline.analysis.linkrates): the build
    stopped before this chapter if one was far below its minimum."""
    from pipeline.analysis import linkrates
    rates = linkrates.measure(linkrates.joins(settings), settings.processed_dir, settings.link_minimums)
    if not len(rates):
        return
    pub = publish_all({"link_rates": linkrates.table(rates)}, policy)
    ch.record(pub)
    ch.heading("Koppelingen tussen bronnen en metingen", 2)
    ch.text("De analyses koppelen bestanden op gepseudonimiseerde nummers: de exitvragenlijst en de trainingen aan "
            "het HR-register, het register van het ene jaar aan dat van het volgende, en metingen van een enquête aan "
            "elkaar via de persoonssleutel van het onderzoeksbureau. Per koppeling staat hieronder welk deel van de "
            "records gekoppeld is, tegen de ondergrens die het ontwerp vraagt; een koppeling onder die grens "
            "(bijvoorbeeld door een andere sleutel of een ander jaar) houdt het rapport tegen.")
    ch.table(pub["link_rates"].view(columns=["koppeling", "metingen", "records", "aandeel", "minimum"],
                                    rename={"aandeel": "gekoppeld", "minimum": "ondergrens"}),
             "Koppelingen: aandeel gekoppelde records per koppeling", decimals=0,
             percent=["gekoppeld", "ondergrens"], fold=True, sheet="Koppelingen")


def build(settings: Settings) -> Chapter:
    policy = Policy.from_settings(settings)
    ch = Chapter()
    ch.heading("Opschoning en kwaliteit van de bronnen", 1)
    ch.text("Dit hoofdstuk laat per bron en meting zien hoeveel records zijn ingelezen en waarom records zijn\n"
            "verwijderd. Ook ziet u hoeveel antwoorden ontbreken en hoe betrouwbaar de schalen zijn. Alle aantallen zijn\n"
            "geaggregeerd; groepen kleiner dan de minimale celgrootte worden niet getoond.")
    ch.text("Per meting ziet u hoeveel records zijn ingelezen en hoeveel er zijn gebruikt. De betrouwbaarheid van de "
            "schalen, de ontbrekende antwoorden en de verdeling van de achtergrondkenmerken staan ingeklapt. Klik om "
            "ze te openen. Ze staan ook in de Excel-werkmap.")
    inputs = {}
    measured: dict = {}  # source -> wave -> weighted respondents (for the invariance checks)
    shown_r_text = False
    careless_rows = []
    weighting: dict = {}  # (source, wave) -> weighting report of the weights this chapter uses
    from pipeline import sources
    rest = [s for s in sources.known(settings.codebooks_dir) if s not in SOURCE_ORDER]
    for src in [*SOURCE_ORDER, *rest, *sorted(set(settings.sources) - set(SOURCE_ORDER) - set(rest))]:
        if settings.waves(src):
            ch.heading(settings.codebook(src, settings.waves(src)[0]).label, 2)
        for w in settings.waves(src):
            m = load_manifest(settings.processed_dir, src, w)
            inputs[f"{src} {w}"] = m["input"]
            full = pd.read_parquet(settings.processed_dir / f"{src}_{w}.parquet")
            df = careful(full, settings.careless)
            results = {"flow": flow_table(m)}
            cb = settings.codebook(src, w)
            scaled = bool(cb.scales)  # the one source of alpha and omega: computed here, not in the manifest
            weighted = weighted_sample(settings, src, w, cb, weighting) if scaled else None
            if weighted is not None and cb.scales:
                measured.setdefault(src, {})[w] = weighted
            rel_df, rel_w = (df, None) if weighted is None else (weighted, WEIGHT)
            if scaled:
                whole = reliability(rel_df, cb.scales, scale_ranges(cb), weights=rel_w)
                results["reliability"] = Result(whole, NoSmallCells(
                    "reliability coefficients of whole scales over all respondents of the wave"), tidy=RELIABILITY)
                by_group = [reliability(rel_df, cb.scales, scale_ranges(cb), by=g, weights=rel_w,
                                        min_n=max(MIN_RELIABILITY_N, policy.k)).assign(indeling=g)
                            for g in RELIABILITY_GROUPS if g in rel_df]
                by_group = pd.concat(by_group, ignore_index=True) if by_group else pd.DataFrame()
                results["reliability_by_group"] = Result(by_group, NoSmallCells(
                    f"groups with fewer than max({MIN_RELIABILITY_N}, k) complete answers are left out"),
                    tidy=RELIABILITY_BY_GROUP if len(by_group) else ())
            results["missing"] = Result(missingness(df, src, w, cb).head(8), NoSmallCells(
                "item non-response shares over all respondents of the wave"),
                tidy=(Tidy("missing_share", {"indicator": "variabele", "estimate": "ontbrekend"}),))
            for col in (c for c in DISTRIBUTIONS if c in df):
                results[f"dist:{col}"] = distribution(df, col, register=cb.role == "register")
            # each survey against its own population: the staff of its year, or the year's leavers
            frame = population_frame(settings, src, w) if cb.role == "survey" else None
            representative = frame is not None and auxiliaries_known(settings, df)
            if representative:
                results["r_indicator"], results["response"] = representativeness_tables(settings, src, w, frame)
            if representative and cb.scales and FLAG in full:
                careless_rows.append(sensitivity_rows(settings, full, frame, cb, w))
            pub = publish_all(results, policy)
            ch.record(pub, source=src, waves=str(w))

            name = f"{src.upper()} {w}"
            short = f"{SHEET_NAMES.get(src, src[:6])} {w}"  # for the workbook's 31-character sheet names
            ch.heading(name, 3)
            ch.text(f"Codeboek `{m['codebook']}` (versie {m['codebook_version']}); invoerbestand sha256 "
                    f"`{m['input_sha256'][:16]}…`.")
            ch.table(pub["flow"], f"{name}: van ingelezen records naar analysebestand (verwijderd per reden)",
                     decimals=0, fold=False, sheet=f"{short} records")
            for line in weighting_warnings(weighting[(src, w)], name) if (src, w) in weighting else ():
                ch.text(line)  # the weights of this wave's reliability, invariance and later chapters
            if "reliability" in pub:
                how = "gewogen, " if weighted is not None else ""
                ch.table(pub["reliability"], f"{name}: betrouwbaarheid van de schalen (Cronbachs alfa, McDonalds "
                         f"omega; {how}zonder onzorgvuldige invullers)", fold=True, sheet=f"{short} betrouwbaarheid")
                if len(pub["reliability_by_group"]):
                    ch.table(pub["reliability_by_group"].view(map={"indeling": labels.dimension}),
                             f"{name}: betrouwbaarheid per groep (groepen met minder dan 30 volledige antwoorden "
                             "weggelaten)", fold=True, sheet=f"{short} betrouwb. groep")
            ch.table(pub["missing"], f"{name}: variabelen met de meeste ontbrekende waarden", percent=["ontbrekend"],
                     fold=True, sheet=f"{short} ontbrekend")
            for col in (c for c in DISTRIBUTIONS if c in df):
                ch.table(pub[f"dist:{col}"].view(map={"waarde": lambda v, col=col: labels.group(col, v)}),
                         f"{name}: verdeling {labels.dimension(col).lower()}", decimals=0, percent=["aandeel"],
                         fold=True, sheet=f"{short} {_lower_first(labels.dimension_short(col))}")
            if representative:
                ch.text("De R-indicator zegt hoe gelijk de groepen meededen. Bij 1 deden alle groepen even vaak mee."
                        if not shown_r_text else "Representativiteit: zie de uitleg bij de eerste meting hierboven.")
                if not shown_r_text:
                    ch.detail(R_TEXT, "respons en R-indicator")
                shown_r_text = True
                ch.table(pub["r_indicator"].view(columns=[c for c in pub["r_indicator"].table.columns if c != "bron"]),
                         f"R-indicator {src.upper()} {w} (95%-interval) en partiële R-indicatoren", decimals=3,
                         percent=["respons"], integers=["cellen", "niet geplaatst"], sheet=f"{short} R-indicator")
                resp = pub["response"]
                ch.table(resp.view(columns=["kenmerk", "categorie", "aantal", "noemer", "rate", "partial", "partial_se"],
                                   rename={"aantal": "respondenten", "noemer": "medewerkers", "rate": "respons",
                                           "partial": "partiële R", "partial_se": "se partiële R"}
                                   if cb.population == "staff" else
                                   {"aantal": "respondenten", "noemer": "vertrekkers", "rate": "respons",
                                    "partial": "partiële R", "partial_se": "se partiële R"}),
                         f"Respons per directie en groep, {src.upper()} {w}", decimals=3, percent=["respons"],
                         integers=["respondenten", "medewerkers", "vertrekkers"],
                         fold=True, sheet=f"{short} respons")
    if careless_rows:
        pub = publish_all({"careless": sensitivity_table(careless_rows)}, policy)
        ch.record(pub)
        ch.heading("Onzorgvuldig invullen", 2)
        ch.text(careless_text(settings.careless))
        table = pub["careless"]
        table = table.view(columns=["bron", "meting", "schaal_label", *COLUMNS[3:]],
                           rename={"schaal_label": "schaal", "met": "niveau met gemarkeerden",
                                                    "zonder": "niveau zonder", "verschil": "verschil (zonder − met)",
                                                    "n": "respondenten", "n_gemarkeerd": "gemarkeerd"},
                           map={"bron": str.upper})
        ch.table(table, "Gevoeligheid voor onzorgvuldig invullen: niveau per schaal en meting met en zonder "
                 "gemarkeerde respondenten", decimals=3, integers=["respondenten", "n_zonder", "gemarkeerd"],
                 fold=True, sheet="Onzorgvuldig invullen")
    _link_rates(ch, settings, policy)
    if measured:  # after the link rates, so that earlier tables keep their numbers (file names)
        invariance_section(ch, settings, policy, measured)
    ch.provenance(inputs, {"min_cell_size": policy.k}, settings)
    return ch

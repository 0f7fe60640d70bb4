"""Chapter 05: experienced discrimination and unwanted behaviour, the baseline study and its repeat."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from pipeline import labels
from pipeline.analysis import discrimination as D
from pipeline.analysis import linkage
from pipeline.analysis import small_area
from pipeline.analysis.load import change_designs, frame_text, survey_design
from pipeline.chapters import Chapter, effect_section
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import ABSENT, Policy, Result, figure, publish_all
from pipeline.report import figures
from pipeline.settings import Settings
from pipeline.weight import MARGIN_TEXT, margin_table, weighting_warnings


def designs(settings, waves, reports: dict | None = None) -> dict:
    """The raked design of each wave with the derived population-level indicators added (each
    wave's weighting report goes into `reports` when given)."""
    out = {}
    for w in sorted(set(waves)):
        d, rep, _ = survey_design(settings, "discrimination", w)
        out[w] = D.with_derived(d)
        if reports is not None:
            reports[w] = rep
    return out


def _pairs(waves: list[int], baseline: int, repeat: int) -> list[tuple[int, int]]:
    """The changes shown: baseline -> repeat first (the programme's comparison), then baseline -> every
    other wave and each wave -> the next."""
    out = [(baseline, repeat)] if repeat != baseline else []
    for a, b in [*((baseline, w) for w in waves if baseline < w < repeat), *zip(waves[:-1], waves[1:])]:
        if (a, b) not in out:
            out.append((a, b))
    return out


def _change_name(a: int, b: int, baseline: int, repeat: int) -> str:
    return "change" if (a, b) == (baseline, repeat) else f"change:{a}-{b}"


def model_estimate(settings, policy, design, wave: int, published) -> dict:
    """The Fay–Herriot estimate of experienced discrimination per directorate (config `small_area`),
    for the directorate pages: results rows `sae_level` beside the direct shares (`dir:`)."""
    declared = small_area.declared(settings.raw)
    if declared is None:
        return {}
    register = pd.read_parquet(settings.processed_dir / f"register_{wave}.parquet")
    aux = small_area.auxiliaries(register, declared["auxiliaries"])
    direct = design.proportion("ervaren_discriminatie", "directie_code", method="xlogit")
    data = design.data[design.domain]
    try:
        result = small_area.directorate_result(
            direct.assign(group=direct["directie_code"].astype(str)), published.table, aux, k=policy.k,
            indicator="ervaren_discriminatie", max_direct_weight=declared["max_direct_weight"], bounds=(0.0, 1.0),
            within=small_area.within_variance(data["ervaren_discriminatie"], data["directie_code"]),
            sizes=register["directie_code"].astype(str).value_counts())
    except small_area.TooFewAreas:
        return {}   # too few directorates with a published share: no model estimates
    return publish_all({"sae:ervaren_discriminatie": result}, policy)


def with_not_measured(result: Result, missing: dict) -> Result:
    """`result` (changes between two waves) with a row for every item one of the waves did not ask
    (`missing`: wave -> items): "niet gemeten in <wave>" (publish.ABSENT), no numbers, n 0. So the
    table keeps the item's place and says why it has no change, instead of leaving it out (issue 27);
    "–" would say "fewer than k", and the questionnaire's content is public."""
    rows = [{"indicator": i, "dimension": "totaal", "group": "totaal", "group_label": "Alle medewerkers",
             "n_baseline": 0, "n_repeat": 0, ABSENT: f"niet gemeten in {w}"} for w, items in missing.items() for i in items]
    if not rows:
        return result
    t = pd.concat([result.table.assign(**{ABSENT: ""}), pd.DataFrame(rows)], ignore_index=True)
    return replace(result, table=t)


def build(settings: Settings, *, baseline_wave=None, repeat_wave=None, dimensions=None) -> Chapter:
    policy = Policy.from_settings(settings)
    dims = dimensions or settings["groups"]["dimensions"]
    waves = settings.waves("discrimination")
    baseline_wave = int(baseline_wave or waves[0])
    repeat_wave = int(repeat_wave or waves[-1])
    reports: dict = {}
    # every wave from the baseline to the repeat: the repeated measurement keeps all of them
    ds = designs(settings, {baseline_wave, repeat_wave, *(w for w in waves if baseline_wave < w < repeat_wave)}, reports)
    labs = D.labels(repeat_wave)
    population = [*D.PREVALENCE, *[f"discr_{g}" for g in D.GROUNDS], "funnel_gemeld", "funnel_tevreden", *D.KNOWLEDGE]
    asked = {w: [i for i in population if D.measured(d, i)] for w, d in ds.items()}
    not_measured = {w: [i for i in population if i not in asked[w]] for w in ds}
    results = {f"prev:{w}": D.population_shares(d, asked[w], dims) for w, d in ds.items()}
    results["follow"] = D.prevalence(ds[repeat_wave], [i for i in [*D.GROUNDS, *D.SOURCES, *D.REPORTING, *D.REASONS]
                                                       if D.measured(ds[repeat_wave], i)], [])
    # per directorate, for the directorate pages (results rows only; suppressed as every group estimate)
    results["dir:ervaren_discriminatie"] = D.prevalence(ds[repeat_wave], ["ervaren_discriminatie"], ["directie_code"])
    if D.measured(ds[repeat_wave], "kent_routekaart"):  # awareness of the Routekaart, for the directorate pages
        results["dir:kent_routekaart"] = D.prevalence(ds[repeat_wave], ["kent_routekaart"], ["directie_code"])
    pairs = _pairs(sorted(ds), baseline_wave, repeat_wave)
    links, stacks = {}, {}
    for a, b in pairs:  # baseline -> the repeat as `change`; baseline -> every other wave, and wave to wave
        # the change in the frame of the levels (linked-panel estimator); the composition-adjusted
        # change, a regression coefficient, in the frame of models
        linked, model, links[a, b] = change_designs(settings, {a: ds[a], b: ds[b]})
        stacks[a, b] = linked
        both = [i for i in [*D.PREVALENCE, *D.KNOWLEDGE, "tevreden_afhandeling"]
                if D.measured(ds[a], i) and D.measured(ds[b], i)]
        results[_change_name(a, b, baseline_wave, repeat_wave)] = with_not_measured(D.change(
            linked, both, dims, a, b, controls=settings.covariates("composition_change"), model=model),
            {w: [i for i in [*D.PREVALENCE, *D.KNOWLEDGE, "tevreden_afhandeling"]
                 if not D.measured(ds[w], i) and D.measured(ds[a if w == b else b], i)] for w in (a, b)})
    all_waves = sorted(ds)
    if len(all_waves) >= 3:  # a linear trend over every wave, in the same frame as the changes
        linked_all, _, _ = change_designs(settings, {w: ds[w] for w in all_waves})
        results["trend"] = D.trend(linked_all, [i for i in D.PREVALENCE if all(D.measured(ds[w], i) for w in all_waves)],
                                   all_waves)
    if pairs:
        link = links[baseline_wave, repeat_wave]
        results["change_followup"] = D.chained_change(ds, ["funnel_gemeld"], baseline_wave, repeat_wave,
                                                      stacked=stacks[baseline_wave, repeat_wave])
    results |= {f"margins:{w}": margin_table(r) for w, r in reports.items()}
    pub = publish_all(results, policy)
    pub |= model_estimate(settings, policy, ds[repeat_wave], repeat_wave, pub["dir:ervaren_discriminatie"])
    prev = pub[f"prev:{repeat_wave}"]
    chg = pub.get("change")

    ch = Chapter()
    for w in ds:
        ch.record({f"prev:{w}": pub[f"prev:{w}"], f"margins:{w}": pub[f"margins:{w}"]}, source="discrimination",
                  waves=str(w))
    ch.record({"follow": pub["follow"], "dir:ervaren_discriminatie": pub["dir:ervaren_discriminatie"],
               **{k: pub[k] for k in ("sae:ervaren_discriminatie", "dir:kent_routekaart") if k in pub}},
              source="discrimination", waves=str(repeat_wave))
    if chg is not None:
        ch.record({"change": chg, "change_followup": pub["change_followup"]}, source="discrimination",
                  waves=f"{baseline_wave}-{repeat_wave}")
    for a, b in pairs[1:]:
        name = _change_name(a, b, baseline_wave, repeat_wave)
        ch.record({name: pub[name]}, source="discrimination", waves=f"{a}-{b}")
    if "trend" in pub:
        ch.record({"trend": pub["trend"]}, source="discrimination")
    ch.heading("Ervaren discriminatie en ongewenst gedrag op de werkvloer", 1)
    ch.text("Hoeveel medewerkers in de afgelopen 12 maanden ongewenst gedrag ervoeren of zagen. Het gaat om "
            "discriminatie, racisme, micro-agressie, pesten en (seksuele) intimidatie. Ook ziet u wie het deed, of "
            "het gemeld is en hoe de melding is afgehandeld. Alle aandelen gaan over alle medewerkers, tenzij er "
            "staat over wie wel.")
    ch.detail("De aandelen zijn gewogen schattingen met 95%-intervallen volgens Korn en Graubard: het exacte "
              "binomiale (Clopper–Pearson) interval bij de effectieve steekproefomvang, zoals statistische bureaus "
              "het voor aandelen uit een gewogen steekproef gebruiken. Het is nooit nul breed: waar een aandeel 0 of 1 "
              "is (niemand, of iedereen, in een groep) volgt het uit het aantal respondenten, zodat ook '0%' een "
              "bovengrens heeft.", "marges")
    ch.heading("Samenvatting")
    reported = D.reported_base(pub["follow"].table)
    ch.text(D.summary_nl(prev.table, chg.table if chg is not None else None, labs, repeat_wave, baseline_wave,
                         reported=reported))
    for w, items in not_measured.items():
        if items:
            ch.text(f"**Niet gemeten in {w}:** " + "; ".join(labs.get(i, i) for i in items) + ". Deze vragen zaten "
                    f"niet in de meting van {w}. Voor {w} staat er dus geen cijfer, en geen verandering van of naar {w}. "
                    "De andere metingen tonen ze wel.")
    ch.heading(f"Vóórkomen in {repeat_wave}")
    ch.figure(figure(figures.prevalence_bars, prev, [i for i in D.PREVALENCE if i in asked[repeat_wave]], labs,
                     f"Ervaren en gezien (12 maanden), {repeat_wave}"))
    ch.figure(figure(figures.prevalence_bars, prev, [f"discr_{g}" for g in D.GROUNDS if f"discr_{g}" in asked[repeat_wave]],
                     labs, f"Ervaren discriminatie per grond, {repeat_wave}"))
    shown = prev.table[(prev.table["indicator"] == "ervaren_discriminatie") & (prev.table["dimension"] != "totaal")]
    xmax = float(min(1.0, max(0.05, shown["ci_high"].max(skipna=True) * 1.1))) if shown["ci_high"].notna().any() else None
    for dim in dims:  # small multiples: one share axis from 0 to the same maximum
        ch.figure(figure(figures.prevalence_bars, prev, ["ervaren_discriminatie"], labs,
                         f"Ervaren discriminatie naar {labels.dimension(dim).lower()}", dimension=dim, xmax=xmax))
    ch.heading("Van wie, melden en afhandeling")
    ch.text("De tabel hieronder gaat alleen over medewerkers die discriminatie ervoeren. Zij konden meer dan één "
            "antwoord geven. De redenen om niet te melden gaan over wie niet meldde. *Tevreden over afhandeling "
            "melding* gaat over wie een melding deed"
            + (f" (ongeveer {reported} mensen)." if reported else "."))
    follow = pub["follow"]
    ch.table(follow.view(map={"indicator": labs}, columns=["indicator", "estimate", "ci_low", "ci_high", "n"],
                         rename={"indicator": "vraag"}), f"Vervolgvragen {repeat_wave}",
             percent=["estimate", "ci_low", "ci_high"])
    ch.detail("**Overgeslagen vervolgvragen.** Wie discriminatie ervoer maar de vervolgvraag (grond, of het gemeld is, "
            "tevredenheid) oversloeg, valt niet uit de noemer en telt ook niet als 'nee'. Het aandeel van alle "
            "medewerkers dat discriminatie ervoer op een grond is geschat als *aandeel dat discriminatie ervoer × "
            "aandeel dat die grond noemde onder wie de vraag beantwoordde*; de standaardfout volgt uit het "
            "steekproefontwerp (linearisatie van het product). Dit veronderstelt dat wie de vraag oversloeg lijkt op "
            "wie hem wel beantwoordde. Zonder deze correctie zou elk aandeel per grond te laag uitvallen, met "
            "ongeveer het aandeel dat oversloeg.", "overgeslagen vervolgvragen")
    skip = prev.view(rows=(prev.table["dimension"] == "totaal") & prev.table["chained"].astype(bool),
                     map={"indicator": labs}, columns=["indicator", "skipped", "n_followup"],
                     rename={"indicator": "indicator", "skipped": "vervolgvraag overgeslagen", "n_followup": "n gevraagd"})
    ch.table(skip, f"Aandeel dat de vervolgvraag oversloeg (gewogen), {repeat_wave}",
             sheet="Vervolgvraag overgeslagen", percent=["vervolgvraag overgeslagen"],
             integers=["n gevraagd"])
    ch.figure(figure(figures.funnel, {w: pub[f"prev:{w}"] for w in ds}, "Meldingstrechter: ervaren → gemeld → tevreden"))
    if chg is not None:
        ch.heading(f"Nulmeting {baseline_wave} en herhaling {repeat_wave}")
        ch.text("*Verandering*: het verschil tussen de twee metingen in procentpunten, met het 95%-interval. "
                "*Oordeel*: of de verandering aantoonbaar is (zie ‘Zo leest u dit’). *Bij gelijke samenstelling*: "
                "dezelfde verandering als er in beide jaren even veel mensen in elke salarisschaal, leeftijdsgroep, "
                "gender en herkomst zaten. " + D.NOT_AN_EFFECT)
        ch.text("*Tevreden over afhandeling melding* gaat alleen over wie een melding deed"
                + (f" (ongeveer {reported} mensen in {repeat_wave})." if reported else ".")
                + " De andere aandelen gaan over alle medewerkers.")
        ch.detail(linkage.method_nl(link) + " De p-waarden staan in de tabellen onder *Detail voor onderzoekers* en "
                  "in de CSV.", "intervallen van veranderingen")
        ch.figure(figure(figures.change_dots, chg, labs, f"{baseline_wave} en {repeat_wave}",
                         alt=f"Aandeel per indicator in de nulmeting {baseline_wave} en de herhaling {repeat_wave}, "
                             "alle medewerkers; aantoonbare veranderingen gemarkeerd"))
        named = {"indicator": lambda i: labs.get(i, i)}
        overall = chg.table["dimension"] == "totaal"
        shares = ["baseline", "repeat"]
        changes = ["change", "ci_low", "ci_high", "adj_change"]
        ch.table(chg.view(rows=overall, map=named, columns=["indicator", "baseline", "repeat", "change", "ci_low",
                                                            "ci_high", "p_bh", "adj_change", "p_raoscott",
                                                            *([ABSENT] if ABSENT in chg.table else [])]),
                 "Verandering, alle medewerkers", percent=shares, points=changes)
        ch.table(pub["change_followup"].view(map=named, columns=["indicator", "baseline", "repeat", "change", "ci_low",
                                                                 "ci_high", "p_bh"]),
                 "Verandering van 'ervaren én gemeld' (product van aandelen, zie boven)",
                 sheet="Verandering ervaren+gemeld", percent=shares, points=changes)
        ch.table(chg.view(rows=~overall, map=named, columns=["indicator", "group_label", "baseline", "repeat", "change",
                                                             "ci_low", "ci_high", "p_bh", "n_baseline", "n_repeat"]),
                 "Verandering per groep", percent=shares, points=changes, integers=["n_baseline", "n_repeat"])
    if len(pairs) > 1:
        ch.heading("Alle metingen: vanaf de nulmeting en van meting tot meting")
        ch.text(f"Hieronder ziet u de verandering van de nulmeting {baseline_wave} naar elke latere meting. Ook ziet u de "
                "verandering van elke meting naar de volgende. De methode is dezelfde als hierboven. "
                + D.NOT_AN_EFFECT)
        ch.detail(" ".join(linkage.method_nl(links[p]) for p in pairs[1:2]), "koppeling van de metingen")
        named = {"indicator": lambda i: labs.get(i, i)}
        for a, b in pairs[1:]:
            other = pub[_change_name(a, b, baseline_wave, repeat_wave)]
            total = other.table["dimension"] == "totaal"
            ch.table(other.view(rows=total, map=named, columns=["indicator", "baseline", "repeat", "change", "ci_low",
                                                                "ci_high", "p_bh", "adj_change", "p_raoscott",
                                                                *([ABSENT] if ABSENT in other.table else [])],
                                rename={"baseline": str(a), "repeat": str(b)}),
                     f"Verandering {a} → {b}, alle medewerkers", sheet=f"Verandering {a}-{b}",
                     percent=[str(a), str(b)], points=["change", "ci_low", "ci_high", "adj_change"])
            ch.table(other.view(rows=~total, map=named, columns=["indicator", "group_label", "baseline", "repeat",
                                                                 "change", "ci_low", "ci_high", "p_bh", "n_baseline",
                                                                 "n_repeat"],
                                rename={"baseline": str(a), "repeat": str(b)}),
                     f"Verandering {a} → {b} per groep", sheet=f"Verandering {a}-{b} groep",
                     percent=[str(a), str(b)], points=["change", "ci_low", "ci_high"],
                     integers=["n_baseline", "n_repeat"], fold=True)
    if "trend" in pub:
        ch.heading(f"Trend over alle metingen ({', '.join(map(str, sorted(ds)))})")
        ch.text("Of een aandeel over alle metingen samen steeg of daalde: de gemiddelde verandering per jaar, in "
                "procentpunten, met het 95%-interval. Zo telt elke meting mee, niet alleen de eerste en de laatste. "
                + D.NOT_AN_EFFECT)
        ch.table(pub["trend"].view(map={"indicator": lambda i: labs.get(i, i)},
                                   columns=["indicator", "slope", "ci_low", "ci_high", "p"],
                                   rename={"slope": "per jaar"}),
                 "Lineaire trend per jaar, alle medewerkers (gewogen regressie over alle metingen)",
                 sheet="Trend", points=["per jaar", "ci_low", "ci_high"])
    ch.heading("Methode: weging en inferentiekader")
    for w in ds:
        for line in weighting_warnings(reports[w], f"discriminatieonderzoek {w}"):
            ch.text(line)
    ch.detail(MARGIN_TEXT, "weging")
    for w in ds:
        ch.table(pub[f"margins:{w}"].view(columns=["kenmerk", "categorie", "register", "respondenten ongewogen",
                                                   "respondenten gewogen"]),
                 f"Wat de weging herstelt, {w}: aandeel in register en onder respondenten", sheet=f"Weging {w}", percent=[
                     "register", "respondenten ongewogen", "respondenten gewogen"], fold=True)
    ch.detail(frame_text(settings) + " In dit hoofdstuk: de aandelen zijn beschrijvend (met eindige-populatiecorrectie); "
            "de veranderingen en de trend ook, in hetzelfde kader als de aandelen (zie hierboven); alleen de voor "
            "samenstelling gecorrigeerde verandering is een regressiecoëfficiënt (modelmatig). Benjamini–Hochberg: één familie per hoofdstuk "
            "('verandering': alle veranderingstoetsen).", "inferentiekader")
    ch.heading("Alle cijfers per groep")
    ch.table(prev.view(rows=prev.table["dimension"] != "totaal", map={"indicator": lambda i: labs.get(i, i)},
                       columns=["indicator", "group_label", "estimate", "ci_low", "ci_high", "n"]),
             f"Aandelen per groep, {repeat_wave}", percent=["estimate", "ci_low", "ci_high"])
    if len(ds) > 1:  # the programme's effect (issue 31), after every other table (their numbering stays)
        names = pd.read_parquet(settings.processed_dir / f"register_{max(ds)}.parquet", columns=["directie_code", "directie"])
        every = linked_all if len(all_waves) >= 3 else stacks.get(tuple(all_waves))  # the change stack of all waves
        effect_section.add(ch, settings, policy, "discrimination", ds,
                           dict(zip(names["directie_code"].astype(str), names["directie"].astype(str))), every)
    ch.provenance({f"discrimination {w}": load_manifest(settings.processed_dir, "discrimination", w)["input"] for w in ds},
                  {"baseline_wave": baseline_wave, "repeat_wave": repeat_wave, "dimensions": dims,
                   "min_cell_size": policy.k}, settings)
    return ch

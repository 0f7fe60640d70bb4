"""Section "Effect van het programma" (issue 31) of the chapters that compare waves (06/07, 05).

Computes the staggered difference-in-differences of `pipeline.analysis.effect` for the chapter's
outcomes (config `effect.outcomes`) under every declared exposure (`effect.exposures`), publishes the
aggregate effect, the event study and the placebo (results.csv `programme_effect`, `event_time`,
`placebo`), and writes the design, the chart and the three-way verdict. Everything comes from the
`settings` the chapter already loaded.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import labels
from pipeline.analysis import effect as E
from pipeline.analysis import linkage
from pipeline.analysis.load import register
from pipeline.disclosure.publish import Estimates, Result, figure, publish_all
from pipeline.report import figures
from pipeline.report import numbers as num
from pipeline.results import Tidy

EXPOSURE_NL = {"plan": "actieplan", "training": "training"}
SHARES = {"discrimination": ("ervaren_discriminatie",)}  # outcomes that are shares (shown in percentage points)


def _span(t: pd.DataFrame):
    return (t["van"].astype(str) + "-" + t["tot"].astype(str)).to_numpy()


def cohorts(settings, policy, spec: dict) -> tuple[dict, dict]:
    """(exposure -> directorate -> first exposed year, exposure -> its doses table or None)."""
    out, doses = {}, {}
    for name, e in spec["exposures"].items():
        if e["kind"] == "plan":
            out[name], doses[name] = E.plan_cohorts(settings.targets), None
        elif e["kind"] == "training" and settings.waves("training"):
            years = [y for y in settings.waves("training") if y in settings.waves("register")]
            records = {y: pd.read_parquet(settings.processed_dir / f"training_{y}.parquet") for y in settings.waves("training")}
            snaps = {y: policy.merged(pd.read_parquet(settings.processed_dir / f"register_{y}.parquet",
                                                      columns=["pseudo_id", "directie_code", e["role"]]))
                     for y in years}
            d = E.training_doses(snaps, records, e["course"], e["role"])
            out[name], doses[name] = E.training_cohorts(d, float(e["threshold"])), d
    return out, doses


def change_stack(settings, designs: dict):
    """The chapter's change stack (`load.change_designs`' first part): the linked panel in the frame of
    the levels, for a chapter that did not build it for every wave."""
    overlap = linkage.frame_overlap({w: register(settings, w) for w in designs}, settings["weighting"]["strata"])
    return linkage.stack_for_change(designs, frame=settings.frame("levels"), frame_overlap=overlap)[0]


def analyse(settings, policy, source: str, designs: dict, linked=None) -> tuple[dict[str, Result], dict]:
    """Results to publish (effect:<exposure>, events:<exposure>, placebo:<exposure>) and, per exposure,
    the analyses (outcome -> `Effect`) with the cohorts; empty when the chapter has no effect outcomes.

    `linked`: the chapter's change stack of every wave in `designs` (the published changes' frame: the
    linked panel); built here when not given. The directorate means and their covariance come from it."""
    spec = settings.effect
    outcomes = [o for o in spec["outcomes"].get(source) or [] if all(o in d.data for d in designs.values())]
    if not outcomes or not spec["exposures"] or len(designs) < 2:
        return {}, {}
    if linked is None:
        linked = change_stack(settings, designs)
    panels = {o: E.linked_directorate_panel(linked, o, min_n=policy.k) for o in outcomes}
    coh, _ = cohorts(settings, policy, spec)
    waves = sorted(designs)
    results, fits = {}, {}
    fam = spec["family"]
    for name, c in coh.items():
        fits[name] = {"cohorts": c, "effects": {}}
        rows, events, placebo = [], [], []
        other = spec["exposures"][name].get("without")
        for o in outcomes:
            # training without the plan: the plan directorates' waves from their start are left out
            panel, cov = E.without(*panels[o], coh.get(other) or {}) if other else panels[o]
            f = E.analyse(panel, c, spec["control"], spec["alpha"], spec["power"], cov=cov)
            fits[name]["effects"][o] = f
            base = {"indicator": o, "exposure": name, "van": str(waves[0]), "tot": str(waves[-1])}
            if f.overall is not None:
                rows.append({**base, **f.overall, "mde": f.mde, "directies": len(f.treated),
                             "controles": len(f.controls), "twfe": E.twfe(panel, c)})
            events += [{**base, **r} for r in f.events.to_dict("records")]
            if f.placebo is not None:
                placebo.append({**base, **f.placebo})
        cols = ["indicator", "exposure", "van", "tot", "estimate", "se", "ci_low", "ci_high", "p", "n_min"]
        rule = Estimates(n=("n_min",))
        results[f"effect:{name}"] = Result(
            pd.DataFrame(rows, columns=[*cols, "mde", "directies", "controles", "twfe"]), rule, family=f"{fam}/{name}",
            tidy=(Tidy("programme_effect", {"category": "exposure", "n": "n_min", "waves": _span}),
                  # how many exposed directorates the effect rests on (the verdict needs at least min_treated)
                  Tidy("exposed_directorates", {"category": "exposure", "estimate": "directies", "waves": _span},
                       dict.fromkeys(("se", "ci_low", "ci_high", "p", "p_bh", "n"), np.nan))))
        results[f"events:{name}"] = Result(
            pd.DataFrame(events, columns=[*cols, "e", "n_treated"]), rule, family=f"{fam}/{name}/gebeurtenistijd",
            tidy=(Tidy("event_time", {"category": "exposure", "n": "n_min", "waves": _span,
                                      "group": lambda t: t["e"].astype(int).astype(str)}, {"dimension": "event_time"}),))
        results[f"placebo:{name}"] = Result(
            pd.DataFrame(placebo, columns=cols), rule, family=f"{fam}/{name}/placebo",
            tidy=(Tidy("placebo", {"category": "exposure", "n": "n_min", "waves": _span}),))
    return results, fits


def _effect_words(x: float, source: str) -> str:
    return (num.decimal(100 * x, 1, sign=True) + " procentpunt") if source == "discrimination" \
        else num.decimal(x, 2, sign=True) + " punt"


def _size_words(x: float, source: str) -> str:
    return (num.decimal(100 * x, 1) + " procentpunt") if source == "discrimination" else num.decimal(x, 2) + " punt"


def verdict_table(t: pd.DataFrame, source: str, spec: dict) -> pd.DataFrame:
    """The verdict per outcome and exposure in words. `t`: one row per outcome and exposure with
    indicator, exposure, estimate, se, ci_low, ci_high, p_bh, directies (exposed directorates entering
    the effect) and placebo_p — the chapter's published tables or the rows of results.csv."""
    rows = []
    for r in t.itertuples():
        has = pd.notna(r.estimate)
        code, reason = E.verdict(int(r.directies) if pd.notna(r.directies) else 0, has,
                                 float(r.placebo_p) if pd.notna(r.placebo_p) else np.nan,
                                 float(r.p_bh) if pd.notna(r.p_bh) else 1.0, spec["min_treated"], spec["alpha"])
        if code == E.PROVEN:
            words = (f"aantoonbaar effect: {_effect_words(r.estimate, source)} (95%-interval "
                     f"{_effect_words(r.ci_low, source)} tot {_effect_words(r.ci_high, source)})")
        elif code == E.NOT_PROVEN:
            x = E.mde(float(r.se), spec["alpha"], spec["power"])
            words = f"geen aantoonbaar effect (de meting kan een effect kleiner dan {_size_words(x, source)} niet zien)"
        else:
            words = f"nog niet te beoordelen ({reason})"
        rows.append({"exposure": r.exposure, "indicator": r.indicator, "oordeel": code, "zin": words})
    return pd.DataFrame(rows, columns=["exposure", "indicator", "oordeel", "zin"])


def verdicts(pub, fits: dict, spec: dict, source: str) -> pd.DataFrame:
    """Per exposure and outcome the verdict, from the published tables (p after BH)."""
    parts = []
    for name, fit in fits.items():
        eff = pub[f"effect:{name}"].table
        pl = pub[f"placebo:{name}"].table.set_index("indicator")["p"]
        t = pd.DataFrame({"indicator": list(fit["effects"]), "exposure": name})
        t = t.merge(eff[["indicator", "estimate", "se", "ci_low", "ci_high", "p_bh", "directies"]], on="indicator",
                    how="left")
        t["placebo_p"] = t["indicator"].map(pl)
        parts.append(verdict_table(t, source, spec))
    return pd.concat(parts, ignore_index=True)


def from_results(results: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """The verdicts of every chapter's effect rows in results.csv (statistic programme_effect, placebo,
    exposed_directorates), with source: what the dashboard shows."""
    r = results[results["statistic"].isin(["programme_effect", "placebo", "exposed_directorates"])]
    if r.empty:
        return pd.DataFrame(columns=["source", "exposure", "indicator", "oordeel", "zin"])
    key = ["source", "indicator", "category"]
    eff = r[r["statistic"] == "programme_effect"].set_index(key)
    parts = []
    for (src, ind, exp), e in eff.iterrows():
        pick = lambda stat, col: r.loc[(r["statistic"] == stat) & (r["source"] == src) & (r["indicator"] == ind)  # noqa: E731
                                       & (r["category"] == exp), col]
        pl, n = pick("placebo", "p"), pick("exposed_directorates", "estimate")
        t = pd.DataFrame([{"indicator": ind, "exposure": exp, **{c: e[c] for c in ("estimate", "se", "ci_low", "ci_high", "p_bh")},
                           "directies": n.iloc[0] if len(n) else np.nan, "placebo_p": pl.iloc[0] if len(pl) else np.nan}])
        parts.append(verdict_table(t, src, spec).assign(source=src))
    return pd.concat(parts, ignore_index=True)


def design_words(name: str, spec: dict, cohorts: dict, names: dict, waves: list[int]) -> str:
    """The design in two sentences: who started when, and what they are compared with."""
    groups: dict[int, list[str]] = {}
    for u, g in sorted(cohorts.items()):
        groups.setdefault(g, []).append(u)
    when = [f"{', '.join(names.get(u, u) for u in us)} (vanaf {g})" if spec["kind"] == "plan" else f"{len(us)} vanaf {g}"
            for g, us in sorted(groups.items())]
    listed = " en ".join([", ".join(when[:-1]), when[-1]] if len(when) > 1 else when) or "geen enkele directie"
    metingen = ", ".join(map(str, waves[:-1])) + f" en {waves[-1]}"
    if spec["kind"] == "plan":
        return (f"Een actieplan hebben: {listed}. Hun verandering na de start vergelijken we met die van directies "
                f"zonder (of nog zonder) actieplan, in de metingen {metingen}.")
    listed = listed.replace(" vanaf", " directies vanaf", 1) if groups else listed
    apart = (" Directies met een actieplan tellen vanaf de start van hun plan niet mee. Zo telt het effect van het "
             "actieplan niet als effect van de training.") if spec.get("without") else ""
    return (f"Ten minste {num.percent(spec['threshold'], 0)} van de leidinggevenden is getraind in {listed}. "
            f"Hun verandering na dat jaar vergelijken we met die van directies waar het nog niet zover was, in de "
            f"metingen {metingen}.{apart}")


METHOD_NL = (
    "Verschil-in-verschillen met gespreide start (Callaway & Sant'Anna 2021), zonder covariaten, per directie. "
    "Uitkomst: het gewogen directiegemiddelde per meting. Het kader is hetzelfde als bij de gepubliceerde "
    "veranderingen: elke meting met haar eigen strata, weging en eindige-populatiecorrectie, plus de samenhang "
    "tussen de antwoorden van wie aan twee metingen meedeed (het gekoppelde panel). Een directie met minder dan k "
    "antwoorden in een meting doet in die meting niet mee. Per startjaar g en meting t: de verandering sinds de laatste meting vóór g bij de directies die "
    "in g startten, min dezelfde verandering bij de directies die in beide metingen nog niet (of nooit) begonnen "
    "waren. Het totale effect is het gemiddelde over alle directie-metingen na de start; de metingen vóór de start "
    "(leads) geven de placebotoets. Standaardfout: de covariantiematrix van alle gebruikte directiegemiddelden in dat "
    "kader (dezelfde mensen in twee metingen maken de gemiddelden van een directie in die metingen samenhangend; de "
    "weging verbindt directies van één meting een beetje), plus een geschatte variantie van afwijkingen van "
    "parallelle paden per directie en meting (momentenschatter op de niet-blootgestelde directie-metingen). Met één "
    "directie met en één zonder programma en twee metingen is het effect precies de gepubliceerde verandering van "
    "het verschil tussen die twee directies, met dezelfde standaardfout. Blootstelling training: de metingen van "
    "directies met een actieplan tellen vanaf de start van dat plan niet mee, zodat het effect van het actieplan "
    "niet als effect van de training meetelt; wat een actieplan via training bereikt, hoort bij het effect van het "
    "actieplan. Kleinste aantoonbare "
    "effect: (z(1−α/2) + z(onderscheidend vermogen)) × standaardfout. Aannames: parallelle paden zonder programma, "
    "geen effect vóór de start, geen overloop naar andere directies. Een gewone regressie met directie- en "
    "meting-effecten (kolom twfe, alleen ter vergelijking) is bij gespreide start vertekend. Oordeel: 'nog niet te "
    "beoordelen' bij minder dan {min_treated} directies met een meting vóór én na de start of een mislukte "
    "placebotoets (p < α); anders 'aantoonbaar effect' als p na Benjamini–Hochberg (per blootstelling over de "
    "uitkomsten van dit hoofdstuk) onder α ligt.")


def add(ch, settings, policy, source: str, designs: dict, directorate_names: dict, linked=None) -> dict:
    """Append the section to chapter `ch`; returns the verdict rows (for tests and the dashboard).
    `linked`: the chapter's change stack of every wave in `designs`, when it has one."""
    results, fits = analyse(settings, policy, source, designs, linked)
    if not results:
        return {}
    spec = settings.effect
    pub = publish_all(results, policy)
    ch.record(pub, source=source)
    said = verdicts(pub, fits, spec, source)
    waves = sorted(designs)
    name_of = lambda o: labels.indicator(source, o)  # noqa: E731
    ch.heading("Effect van het programma")
    ch.text("Een verandering is nog geen effect. Hier vergelijken we directies die met het programma begonnen met "
            "directies die nog niet begonnen. Het oordeel kent drie uitkomsten: aantoonbaar effect, geen aantoonbaar "
            "effect, of nog niet te beoordelen. De marges zijn berekend op dezelfde manier als de veranderingen in dit "
            "hoofdstuk. Veel mensen doen aan meer dan één meting mee. Daar houden de marges rekening mee.")
    for name, fit in fits.items():
        e = spec["exposures"][name]
        ch.heading(f"Blootstelling: {EXPOSURE_NL.get(e['kind'], name)}", 3)
        ch.text(design_words(name, e, fit["cohorts"], directorate_names, waves))
        mine = said[said["exposure"] == name]
        ch.text("\n".join(f"- **{name_of(r.indicator)}**: {r.zin}." for r in mine.itertuples()))
        ev = pub[f"events:{name}"]
        if len(ev) and ev.table["estimate"].notna().any():
            ch.figure(figure(figures.event_study, ev, {o: name_of(o) for o in fits[name]["effects"]},
                             f"Effect per jaar sinds de start ({EXPOSURE_NL.get(e['kind'], name)})",
                             shares=SHARES.get(source, ()),
                             alt=f"Effect van het programma ({EXPOSURE_NL.get(e['kind'], name)}) per jaar sinds de start, "
                                 "per uitkomst, met 95%-intervallen; vóór de start hoort het effect rond 0 te liggen"))
        eff = pub[f"effect:{name}"]
        ch.table(eff.view(columns=["indicator", "estimate", "ci_low", "ci_high", "p_bh", "mde", "directies", "controles",
                                   "se", "p", "twfe"], map={"indicator": name_of}),
                 f"Effect van het programma ({EXPOSURE_NL.get(e['kind'], name)}), {waves[0]}–{waves[-1]}", decimals=3,
                 integers=["directies", "controles"], sheet=f"Effect {EXPOSURE_NL.get(e['kind'], name)}")
        evc = [c for c in ("indicator", "e", "estimate", "ci_low", "ci_high", "p", "n_treated") if c in ev.table]
        ch.table(ev.view(columns=evc, map={"indicator": name_of}),
                 f"Effect per jaar sinds de start ({EXPOSURE_NL.get(e['kind'], name)})", decimals=3,
                 integers=["e", "n_treated"], fold=True, sheet=f"Effect per jaar {EXPOSURE_NL.get(e['kind'], name)}")
        pl = pub[f"placebo:{name}"]
        if len(pl):
            ch.table(pl.view(columns=["indicator", "estimate", "ci_low", "ci_high", "p"], map={"indicator": name_of}),
                     f"Placebotoets: effect vóór de start ({EXPOSURE_NL.get(e['kind'], name)})", decimals=3,
                     sheet=f"Placebo {EXPOSURE_NL.get(e['kind'], name)}")
    ch.detail(METHOD_NL.format(min_treated=spec["min_treated"]), "hoe het effect is geschat")
    return said

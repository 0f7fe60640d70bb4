"""A page per directorate: its action plan's targets and progress, its flows and its survey indicators,
each against the organisation (reports/directies/<code>.html).

Why: directorates run the programme through their own action plans; their HR adviser and works
council need one page with their own numbers next to the organisation's. Everything is computed once
for all directorates (`prepare`), so the disclosure rules see every directorate at the same time:
a count hidden on one page cannot be recovered from the organisation page minus the other pages.
Survey indicators are not re-estimated: the page shows the per-directorate levels the survey chapters
published (their suppression included), so a page and its chapter never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import labels
from pipeline.analysis import gender_scale as G
from pipeline.analysis import targets as T
from pipeline.analysis import unit_flows as F
from pipeline.chapters import Chapter
# what a page shows of which chapter, and who has a page: page_sources (the build reads it without pandas)
from pipeline.page_sources import EXIT, SURVEY, USES, plans  # noqa: F401
from pipeline.disclosure.model import load_archive, protect_flows
from pipeline.disclosure.publish import ABSENT, Estimates, Policy, Published, Result, figure, publish, publish_all
from pipeline.results import SURVEY_DECIMALS
from pipeline.settings import Settings

# chapters whose directorate table holds every directorate of the wave's register (gaps.directorate_table
# with its frame): a directorate with no row there was not in that year's register, which is public
FRAMED = ("02_inclusie", "03_veiligheid")
# the answer scale of each indicator's axis (None: a share, drawn from 0)
RANGES = {"Ervaren inclusie (NIM, 1–5)": (1, 5), "Psychologische veiligheid (MTO, 1–7)": (1, 7),
          "Sociale veiligheid (MTO, 1–5)": (1, 5), "Ervaren discriminatie, 12 maanden (aandeel)": None,
          "Kent de Routekaart Discriminatie (aandeel)": None}
FEW = "te weinig respondenten"
MODEL = ("modelschatting", "modelschatting_laag", "modelschatting_hoog")
# a page's survey rows: a directorate with fewer than k respondents loses its own numbers; the
# organisation's and the model estimate (published by its chapter, resting on the register) stay
SURVEY_RULE = Estimates(n=("n",), keys=("meting", "gemeente", "gemeente_laag", "gemeente_hoog", *MODEL))
TOO_UNSURE = "te onzeker om te tonen"

PROGRESS_COLUMNS = {"doel": "streefcijfer", "basis": "waarde basisjaar", "huidig": "waarde", "jaar": "jaar",
                    "streefwaarde": "doel", "doeljaar": "doeljaar", "pad": "pad", "oordeel": "oordeel",
                    "uitstroom_groep": "vertrek doelgroep per jaar",
                    "uitstroom_overig": "vertrek anderen per jaar", "vacatures_per_jaar": "vrijkomende plaatsen per jaar",
                    **T.INTAKE_COLUMNS}


@dataclass
class Shared:
    """What every page draws on, published once for all directorates."""
    targets: list
    names: dict
    pub: dict
    progress: Published
    survey: pd.DataFrame
    group: str
    k: int
    years: list
    exit_labels: dict | None = None  # exit reason -> its Dutch label (the exit codebook)


def pages(settings: Settings, codes) -> list[str]:
    """The directorates that get a page under config `directorate_pages`."""
    mode = settings.directorate_pages
    if mode == "none":
        return []
    own = plans(settings.targets)
    return sorted(c for c in codes if mode == "all" or c in own)


def prepare(settings: Settings, survey_results: pd.DataFrame) -> Shared:
    """Count, publish and derive everything the pages show, for all directorates at once."""
    policy = Policy.from_settings(settings)
    declared = settings.targets
    years = [int(y) for y in settings["targets"]["years"] if int(y) in settings.waves("register")]
    snaps = {y: policy.merged(pd.read_parquet(settings.processed_dir / f"register_{y}.parquet")) for y in years}
    names = snaps[max(years)].groupby("directie_code", observed=True)["directie"].first().astype(str).to_dict()
    young = settings.young_cutoff
    group = settings["register_monitor"]["flow_group"]
    fl = F.flows(snaps, group)
    pub = publish_all({**T.count_results(T.counts(snaps, declared, young)),
                       **T.outflow_results(T.outflow(snaps, declared, young)),
                       **F.flow_results(fl, group), **G.results(G.counts(snaps, young))}, policy)
    pub["gender_dir"] = G.protect(pub["gender_dir"])  # the bands' identities within a directorate
    # the release audit across periods: stock + inflow - outflow = next stock, per unit and group
    # and the earlier releases in the archive (config disclosure.audit.archive, data/archief/<year>/)
    archive = load_archive(settings.archive_dir, before=max(years), base=policy.rounding["register_counts"],
                           rate_decimals=policy.rounding["register_rates"])
    truth = fl
    if archive:  # the identities between this release and the archived ones, checked on their registers
        first = min(int(k[1][:4]) for a in archive for k in a.cells)
        more = [y for y in settings.waves("register") if first <= y < min(years)]
        truth = F.flows({**{y: policy.merged(pd.read_parquet(settings.processed_dir / f"register_{y}.parquet"))
                            for y in more}, **snaps}, group)
    # audited once per build (the page steps share it), findings recorded, an unprotected cell stops
    pub["flows_org"], pub["flows_dir"], _, _ = protect_flows(pub["flows_org"], pub["flows_dir"], truth, policy,
                                                             archive=archive, reports=settings.reports_dir)
    counts = pd.concat([pub["targets_org"].table, pub["targets_dir"].table], ignore_index=True)
    outflow = pd.concat([pub["outflow_org"].table, pub["outflow_dir"].table], ignore_index=True)
    units = {t.name: [T.ORGANISATION, *names] if t.organisation else list(t.scope) for t in declared}
    progress = pub["targets_dir"].derive(lambda _: T.progress(counts, outflow, declared, units))
    exits = settings.waves("exit") if "exit" in settings.sources else []
    exit_labels = {n: v.get("label", n).removeprefix("Reden vertrek: ") for n, v in
                   settings.codebook("exit", max(exits)).variables.items() if n.startswith("reden_")} if exits else {}
    return Shared(declared, names, pub, progress.with_tidy(T.PROGRESS_TIDY), survey_results, group, policy.k, years,
                  exit_labels)


def survey_table(results: pd.DataFrame, code: str) -> pd.DataFrame:
    """Per survey indicator: the directorate's published level and the organisation's, with intervals
    (rows the chapters suppressed come with no numbers)."""
    rows = []
    results = results.reindex(columns=list(dict.fromkeys([*results.columns, "statistic", "suppressed", "p_bh"])))
    for chapter, table, overall, ind, label in SURVEY:
        r = results[(results["chapter"] == chapter) & (results["indicator"] == ind)]
        mine = r[(r["table"] == table) & (r["group"] == code)]
        own = mine[mine["statistic"].isin(["level", "share"]) | mine["statistic"].isna()]
        rest = mine[mine["statistic"] == "directorate_vs_rest"]
        model = r[(r["table"] == f"sae:{ind}") & (r["group"] == code) & (r["statistic"] == "sae_level")]
        m = model.iloc[0] if len(model) else None
        org = r[(r["table"] == overall) & (r["dimension"] == "totaal")] if overall else \
            r[r["table"].str.startswith("prev:") & (r["dimension"] == "totaal")]
        if org.empty and own.empty:
            continue
        if overall is None and not org.empty:  # the wave of the directorate table
            org = org[org["waves"] == (own["waves"].iloc[0] if len(own) else org["waves"].max())]
        o = org.iloc[0] if len(org) else None
        d = own.iloc[0] if len(own) else None
        rows.append({"indicator": label, "meting": (d if d is not None else o)["waves"],
                     "directie": d["estimate"] if d is not None else np.nan,
                     "directie_laag": d["ci_low"] if d is not None else np.nan,
                     "directie_hoog": d["ci_high"] if d is not None else np.nan,
                     "n": d["n"] if d is not None else np.nan,
                     "gemeente": o["estimate"] if o is not None else np.nan,
                     "gemeente_laag": o["ci_low"] if o is not None else np.nan,
                     "gemeente_hoog": o["ci_high"] if o is not None else np.nan,
                     "verschil_rest": rest["estimate"].iloc[0] if len(rest) else np.nan,
                     "p_bh_rest": rest["p_bh"].iloc[0] if len(rest) else np.nan,
                     # the chapter's model estimate (Fay–Herriot, published there as `sae_level`)
                     # at results.csv's precision, as in the chapter (one cell, one precision)
                     "modelschatting": round(float(m["estimate"]), SURVEY_DECIMALS) if m is not None else np.nan,
                     "modelschatting_laag": round(float(m["ci_low"]), SURVEY_DECIMALS) if m is not None else np.nan,
                     "modelschatting_hoog": round(float(m["ci_high"]), SURVEY_DECIMALS) if m is not None else np.nan,
                     "getoetst": len(rest) > 0,
                     "onderdrukt_bron": d is None or bool(d["suppressed"]) is True,
                     # published by the chapter as a row without respondents (publish.ABSENT): said so
                     ABSENT: _absent(d, o, chapter)})
    out = pd.DataFrame(rows, columns=["indicator", "meting", "directie", "directie_laag", "directie_hoog", "n",
                                      "gemeente", "gemeente_laag", "gemeente_hoog", "verschil_rest", "p_bh_rest",
                                      *MODEL, "getoetst", "onderdrukt_bron", ABSENT])
    out["vergelijking"] = [_compare(r) for r in out.itertuples()]
    out["vergelijking"] = out["vergelijking"].where(out[ABSENT].eq(""), "")
    return out if out[ABSENT].ne("").any() else out.drop(columns=[ABSENT])


def exit_table(results: pd.DataFrame, code: str, reasons: dict) -> pd.DataFrame:
    """Per reason for leaving: the share of the directorate's leavers who named it (weighted, with
    interval, as chapter 09 published it per directorate) beside the organisation's. Where the
    directorate has too few respondents its cells are empty and the row says the organisation's figure
    stands alone (`cijfer`)."""
    chapter, table, overall = EXIT
    results = results.reindex(columns=list(dict.fromkeys([*results.columns, "suppressed", "estimate", "ci_low",
                                                          "ci_high", "n", "waves", "table", "group", "dimension"])))
    r = results[(results["chapter"] == chapter) & results["indicator"].isin(list(reasons))]
    mine = r[(r["table"] == table) & (r["group"] == code)].set_index("indicator")
    org = r[(r["table"] == overall) & (r["dimension"] == "totaal")].set_index("indicator")
    rows = []
    for reason in org.sort_values("estimate", ascending=False).index:
        o = org.loc[reason]
        d = mine.loc[reason] if reason in mine.index else None
        own = d is not None and not bool(d["suppressed"]) and pd.notna(d["estimate"])
        rows.append({"reden": reasons.get(reason, reason), "meting": o["waves"],
                     "directie": d["estimate"] if own else np.nan, "directie_laag": d["ci_low"] if own else np.nan,
                     "directie_hoog": d["ci_high"] if own else np.nan, "n": d["n"] if own else np.nan,
                     "gemeente": o["estimate"], "gemeente_laag": o["ci_low"], "gemeente_hoog": o["ci_high"],
                     "cijfer": "directie en gemeente" if own else
                     "alleen gemeente (te weinig vertrekkers van de directie om te tonen)"})
    return pd.DataFrame(rows, columns=["reden", "meting", "directie", "directie_laag", "directie_hoog", "n", "gemeente",
                                       "gemeente_laag", "gemeente_hoog", "cijfer"])


def _absent(d, o, chapter: str) -> str:
    """The public reason a directorate has no number for an indicator (publish.ABSENT), "" for none: the
    chapter published its row without respondents (n 0, not suppressed), or a chapter that lists every
    directorate of the wave's register has no row for it (it was not in that year's register)."""
    if d is not None:
        return f"geen respondenten in {d['waves']}" if not bool(d["suppressed"]) and d["n"] == 0 else ""
    return f"geen respondenten in {o['waves']}" if o is not None and chapter in FRAMED else ""


def _compare(r) -> str:
    """Words for the comparison. Chapters 02/03: the directorate against the REST of the organisation,
    BH within the directorates' family; a level whose interval is too wide is not shown. Other
    indicators (no such test): only where the intervals do not overlap is a difference called clear."""
    if r.getoetst:
        if pd.isna(r.directie):
            return FEW if r.onderdrukt_bron else TOO_UNSURE
        if r.p_bh_rest < 0.05:
            return "hoger dan de rest van de gemeente" if r.verschil_rest > 0 else "lager dan de rest van de gemeente"
        return "geen duidelijk verschil"
    if pd.isna(r.directie) or pd.isna(r.n):
        return FEW
    if r.directie_laag > r.gemeente_hoog:
        return "hoger dan de gemeente"
    if r.directie_hoog < r.gemeente_laag:
        return "lager dan de gemeente"
    return "geen duidelijk verschil"


def results(shared: Shared, codes: list[str]) -> pd.DataFrame:
    """The results rows of the pages of `codes` (what they show of the register: each directorate's own
    targets and the organisation's), in one pass."""
    ch = Chapter()
    pub = shared.pub
    shown = {(t.name, c) for c in codes for t in shared.targets if t.organisation or c in t.scope}

    def mine(d: pd.DataFrame) -> pd.Series:
        return pd.Series([(t, u) in shown for t, u in zip(d["target"], d["eenheid"])], index=d.index, dtype=bool)
    ch.record({"targets_dir": pub["targets_dir"].view(rows=mine),
               "progress": shared.progress.view(rows=mine),
               "flows_dir": pub["flows_dir"].view(rows=lambda d: d["eenheid"].isin(codes)),
               "gender_dir": pub["gender_dir"].view(rows=lambda d: d["eenheid"].isin(codes))}, source="register")
    return ch.results()


def page_inputs(shared: Shared, code: str) -> dict:
    """Everything one page shows, as published tables: its key decides whether the page is rebuilt."""
    pub = shared.pub
    own_targets = [t for t in shared.targets if not t.organisation and code in t.scope]
    org_targets = [t for t in shared.targets if t.organisation]
    prog = shared.progress
    own = prog.view(rows=lambda d: (d["eenheid"] == code) & d["target"].isin([t.name for t in own_targets]))
    org = prog.view(rows=lambda d: d["eenheid"].isin([code, T.ORGANISATION])
                    & d["target"].isin([t.name for t in org_targets]))
    shown = [t.name for t in own_targets + org_targets]
    trend = {"dir": pub["targets_dir"].view(rows=lambda d: (d["eenheid"] == code) & d["target"].isin(shown)),
             "org": pub["targets_org"].view(rows=lambda d: d["target"].isin(shown))}
    flows = {"dir": pub["flows_dir"].view(rows=lambda d: d["eenheid"] == code),
             "org": pub["flows_org"]}
    gender = {"dir": pub["gender_dir"].view(rows=lambda d: d["eenheid"] == code), "org": pub["gender_org"]}
    survey = publish(Result(survey_table(shared.survey, code), SURVEY_RULE), Policy(k=shared.k))
    exits = publish(Result(exit_table(shared.survey, code, shared.exit_labels or {}), Estimates(
        n=("n",), keys=("reden", "meting", "gemeente", "gemeente_laag", "gemeente_hoog", "cijfer"))), Policy(k=shared.k))
    return {"code": code, "name": shared.names.get(code, code), "own": own, "org": org, "trend": trend,
            "flows": flows, "gender": gender, "survey": survey, "exit": exits, "own_targets": own_targets, "org_targets": org_targets,
            "group": shared.group, "k": shared.k}


def key_material(inputs: dict) -> list:
    """The page's content as plain values, for its rebuild key."""
    out = []
    for v in inputs.values():
        if isinstance(v, Published):
            out.append(v.table.to_csv(index=False))
        elif isinstance(v, dict):
            out.append({k: x.table.to_csv(index=False) for k, x in v.items()})
        else:
            out.append(repr(v))
    return out


def _flow_table(flows: dict, group: str) -> Published:
    """Directorate rate next to the organisation's, per period, flow and group."""
    org = flows["org"].table.set_index(["periode", "stroom", "groep"])["rate"]

    def join(d: pd.DataFrame) -> pd.DataFrame:
        out = d.copy()
        out["gemeente"] = [org.get((p, s, g), np.nan) for p, s, g in zip(d["periode"], d["stroom"], d["groep"])]
        out["groep"] = out["groep"].map(lambda g: labels.group(group, g))
        return out
    return flows["dir"].derive(join).view(columns=["periode", "stroom", "groep", "aantal", "noemer", "rate", "gemeente"],
                                          rename={"rate": "directie (aandeel)", "gemeente": "gemeente (aandeel)"})


def _trend_table(own: pd.DataFrame, org: pd.DataFrame, targets) -> pd.DataFrame:
    """Per target and year the directorate's value (with its count and population) and the organisation's."""
    kinds = {t.name: t for t in targets}
    org_value = {(r.target, r.jaar): (r.aantal if kinds[r.target].kind == "count" else r.aandeel)
                 for r in org.itertuples()}
    rows = []
    for r in own[own["target"].isin(list(kinds))].itertuples():
        t = kinds[r.target]
        count = t.kind == "count"
        rows.append({"streefcijfer": t.label, "jaar": r.jaar, "aantal": r.aantal, "noemer": r.noemer,
                     "directie": T.show_value(r.aantal if count else r.aandeel, count),
                     "gemeente": T.show_value(org_value.get((r.target, r.jaar), np.nan), count)})
    return pd.DataFrame(rows, columns=["streefcijfer", "jaar", "aantal", "noemer", "directie", "gemeente"])


def same_group(a, b) -> bool:
    """Whether two targets count the same group in the same pay scales (an organisation target and a
    directorate's own target for that group, each with its own deadline)."""
    return repr(a.counted) == repr(b.counted) and a.scale == b.scale


def _deadlines(targets) -> str:
    """The target years of the goals with a number (a monitored goal has none)."""
    years = sorted({t.target_year for t in targets if not t.monitored})
    return " en ".join(str(y) for y in years)


def _own_goals_nl(name: str, own) -> str:
    """How a directorate's own goals are set: with a number and a deadline, followed without a number,
    or both (an action plan that names what it follows but states no target says so, never a deadline)."""
    numbered = [t for t in own if not t.monitored]
    if not numbered:
        return (f"{name} noemt in een actieplan wat het wil volgen, zonder streefwaarden. Hier staat waar de "
                "directie staat en hoe het cijfer bewoog sinds het begin.")
    text = f"{name} heeft eigen streefcijfers in een actieplan, met doeljaar {_deadlines(numbered)}."
    if len(numbered) < len(own):
        text += " Andere doelen volgt het zonder streefwaarde: daar staat alleen hoe het cijfer bewoog."
    return text


def _summary(inputs: dict) -> str:
    """Own goals first (their own deadline), then the organisation's goals (the organisation's
    deadline), each said apart, so a page never mixes two deadlines in one verdict."""
    name, code = inputs["name"], inputs["code"]
    prog = pd.concat([inputs["own"].table, inputs["org"].table], ignore_index=True)
    parts = []
    if inputs["own_targets"]:
        parts.append(f"**Eigen doelen.** {_own_goals_nl(name, inputs['own_targets'])}")
        parts.append(T.summary_nl(prog, inputs["own_targets"], code, name))
    else:
        parts.append(f"{name} heeft (nog) geen eigen streefcijfers vastgelegd; deze pagina toont de directie op de "
                     "streefcijfers van de gemeente.")
    org = prog[prog["eenheid"] == code]
    lines = []
    for t in inputs["org_targets"]:
        r = org[org["target"] == t.name]
        g = prog[(prog["eenheid"] == T.ORGANISATION) & (prog["target"] == t.name)]
        if r.empty or g.empty or pd.isna(r["huidig"].iloc[0]):
            lines.append(f"- {t.label}: voor deze directie niet te tonen (te weinig medewerkers).")
            continue
        fmt = (lambda v: f"{int(v)}") if t.kind == "count" else T.pct
        now, org_now = r["huidig"].iloc[0], g["huidig"].iloc[0]
        rel = "hoger dan" if now > org_now else "lager dan" if now < org_now else "gelijk aan"
        line = f"- {t.label}: {fmt(now)} in {r['jaar'].iloc[0]}, {rel} de gemeente ({fmt(org_now)})."
        own = [o for o in inputs["own_targets"] if same_group(o, t)]
        if own:
            line += f" Voor deze groep geldt voor {name} het eigen doel: {own[0].describe()}."
        lines.append(line)
    parts.append(f"**Doelen van de gemeente** (doeljaar {_deadlines(inputs['org_targets'])}):\n" + "\n".join(lines))
    surv = inputs["survey"].table
    clear = surv[surv["vergelijking"].isin(["hoger dan de gemeente", "lager dan de gemeente",
                                            "hoger dan de rest van de gemeente", "lager dan de rest van de gemeente"])]
    few = surv[surv["vergelijking"] == FEW]
    none = surv[ABSENT].fillna("").ne("") if ABSENT in surv else pd.Series(False, index=surv.index)
    if len(surv):
        s = ("In de medewerkersonderzoeken verschilt de directie niet duidelijk van de gemeente"
             if clear.empty else "In de medewerkersonderzoeken: " + "; ".join(
                 f"{r.indicator.split(' (')[0].lower()} {r.vergelijking}" for r in clear.itertuples()))
        if len(few):
            s += f" (voor {len(few)} indicator(en) te weinig respondenten om iets te zeggen)"
        if none.any():
            s += " (" + "; ".join(f"{r.indicator.split(' (')[0].lower()}: {getattr(r, ABSENT)}"
                                  for r in surv[none].itertuples()) + ")"
        parts.append(s + ".")
    return "\n\n".join(parts)


def build_page(inputs: dict) -> Chapter:
    """The page of one directorate, in reading order."""
    from pipeline.report import figures  # here: planning the report's steps reads this module, not pyplot
    name, code, k = inputs["name"], inputs["code"], inputs["k"]
    specs = {t.name: (t.label, t.kind, t.value, t.baseline_year) for t in inputs["own_targets"] + inputs["org_targets"]}
    ch = Chapter()
    ch.heading(f"Directie {name}", 1)
    ch.text(f"Directiecode {code}. Cijfers uit het HR-register (volledige telling, geen steekproefmarge) en uit de "
            f"medewerkersonderzoeken. Aantallen kleiner dan {k} worden niet getoond, ook niet via de gemeente of "
            "andere directies (secundaire onderdrukking); een streepje (–) markeert zo'n cel.")
    ch.heading("Samenvatting")
    ch.text(_summary(inputs))
    ch.heading("Streefcijfers en voortgang")
    if inputs["own_targets"]:
        ch.heading(f"Eigen doelen van {name}", 3)
        sources = sorted({t.source for t in inputs["own_targets"] if t.source})
        ch.text(_own_goals_nl(name, inputs["own_targets"])
                + (" Een oordeel gaat over het eigen doeljaar." if _deadlines(inputs["own_targets"]) else "")
                + (f" Bron: {'; '.join(sources)}." if sources else ""))
        ch.table(inputs["own"].derive(T.shown_progress, inputs["own_targets"]).view(
            columns=list(PROGRESS_COLUMNS), rename=PROGRESS_COLUMNS), f"Streefcijfers uit het actieplan van {name}")
    ch.heading("Doelen van de gemeente", 3)
    shared_groups = [t.label for t in inputs["org_targets"] if any(same_group(o, t) for o in inputs["own_targets"])]
    ch.text(f"De gemeente heeft eigen doelen, met doeljaar {_deadlines(inputs['org_targets'])}. Hier staan de "
            f"directie en de gemeente op die doelen. Het oordeel gaat over het doeljaar van de gemeente."
            + (f" Voor {'; '.join(shared_groups).lower()} heeft {name} ook een eigen doel (zie hierboven)."
               if shared_groups else ""))
    org = inputs["org"].derive(T.shown_progress, inputs["org_targets"]).view(
        columns=["eenheid", *PROGRESS_COLUMNS], map={"eenheid": lambda u: "gemeente" if u == T.ORGANISATION else name},
        rename={"eenheid": "voor", **PROGRESS_COLUMNS})
    ch.table(org, "Streefcijfers van de gemeente: de directie en de gemeente")
    ch.text("Pad: de waarde op een rechte lijn van het basisjaar naar het doel in het doeljaar. " + T.INTAKE_NL)
    ch.table(inputs["trend"]["dir"].derive(_trend_table, inputs["trend"]["org"].table, inputs["own_targets"]
                                           + inputs["org_targets"]),
             "Streefcijfers per jaar: directie en gemeente")
    ch.heading("In-, door- en uitstroom")
    ch.text("Instroom: nieuw in de directie (ook vanuit een andere directie); uitstroom: uit de directie vertrokken; "
            "doorstroom: gebleven en naar een hogere schaalgroep. Alle drie als aandeel van de groep aan het begin "
            "van de periode, naast hetzelfde cijfer voor de gemeente. Aantallen uit het HR-register zijn afgerond op "
            "vijftallen (1 en 2 als 5), zoals overal in het rapport; het aandeel is berekend uit de afgeronde aantallen.")
    ch.figure(figure(figures.unit_flows, inputs["flows"]["dir"], inputs["flows"]["org"], inputs["group"], name))
    ch.table(_flow_table(inputs["flows"], inputs["group"]), f"Stromen per {labels.dimension(inputs['group']).lower()}",
             decimals=3)
    ch.heading("Medewerkersonderzoeken")
    ch.text("Gewogen gemiddelde (ervaren discriminatie en bekendheid van de Routekaart Discriminatie: aandeel) met 95%-interval, naast de gemeente. Een verschil "
            f"heet duidelijk als de intervallen elkaar niet overlappen. Bij minder dan {k} respondenten: "
            f"'{FEW}' (geen cijfer).")
    modelled = inputs["survey"].table.reindex(columns=list(MODEL)).notna().any().any()
    if modelled:
        ch.text("De *modelschatting* staat naast het eigen cijfer. Ze gebruikt ook wat het personeelsregister over de "
                "directie weet, en leunt daar meer op naarmate er minder respondenten zijn. Bij minder dan "
                f"{k} respondenten, of als het eigen cijfer niet te tonen is, komt ze alleen uit het register en de "
                "andere directies.")
    surv = inputs["survey"].view(columns=["indicator", "meting", "directie", "directie_laag", "directie_hoog", "n",
                                          *(MODEL if modelled else ()),
                                          "gemeente", "gemeente_laag", "gemeente_hoog", "vergelijking",
                                          *([ABSENT] if ABSENT in inputs["survey"].table else [])],
                                 rename={"directie_laag": "directie 95% laag", "directie_hoog": "directie 95% hoog",
                                         "modelschatting_laag": "modelschatting 95% laag",
                                         "modelschatting_hoog": "modelschatting 95% hoog",
                                         "gemeente_laag": "gemeente 95% laag", "gemeente_hoog": "gemeente 95% hoog"})
    if len(inputs["survey"]):
        ch.figure(figure(figures.unit_survey, inputs["survey"], RANGES, name))
    ch.table(surv, "Inclusie, veiligheid en discriminatie: directie en gemeente", decimals=2)
    # new sections after the existing ones: the page's table files keep their numbers
    ch.heading("Vrouwen per salarisschaal")
    ch.text(f"Het aandeel vrouwen per schaalgroep en vanaf schaal 12, per jaar, in {name} en in de hele gemeente. "
            "Medewerkers van wie het geslacht onbekend is, tellen niet mee. Aantallen zijn afgerond op vijftallen.")
    band_labels = G.column_labels()
    ch.figure(figure(figures.women_by_scale, {name: inputs["gender"]["dir"],
                                              "Gemeente": inputs["gender"]["org"]}, band_labels))
    ch.table(inputs["gender"]["dir"].derive(G.unit_table, inputs["gender"]["org"].table),
             "Vrouwen per schaalgroep en jaar: directie en gemeente")
    ch.heading("Waarom medewerkers vertrekken")
    ex = inputs["exit"]
    if not len(ex):
        ch.text("Er is geen exitvragenlijst geconfigureerd.")
        return ch
    own = ex.table["cijfer"].eq("directie en gemeente")
    ch.text("Uit de exitvragenlijst: welk aandeel van de vertrekkers een reden noemde (meer redenen mogelijk), gewogen "
            "naar alle vertrekkers, met 95%-interval. "
            + ("Voor de directie zijn te weinig vertrekkers om hun redenen te tonen. Daarom staan hier de cijfers van "
               "de hele gemeente, zo aangegeven." if not own.any() else
               "Waar te weinig vertrekkers van de directie een reden beantwoordden, staat alleen het cijfer van de "
               "gemeente (zo aangegeven)." if not own.all() else "Naast de directie staat de hele gemeente."))
    ch.table(ex.view(rename={"directie_laag": "directie 95% laag", "directie_hoog": "directie 95% hoog",
                             "gemeente_laag": "gemeente 95% laag", "gemeente_hoog": "gemeente 95% hoog",
                             "n": "respondenten directie", "cijfer": "cijfer van"}),
             f"Redenen van vertrek: {name} en gemeente", decimals=3, integers=["respondenten directie"])
    return ch

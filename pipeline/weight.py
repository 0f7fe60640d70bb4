"""Survey weights from the register: stratified by directorate with FPC, raked to register margins.

Design (issue 4): all employees are invited, so respondents are treated as a stratified sample by
directorate, base weight N_h / n_h with a finite-population correction, then raked to the register's
margins (config `weighting.margins`) with standard errors that account for the raking.

Respondents with a missing value on a margin variable keep their base-weighted total in an own
'onbekend' category; the known categories share the rest in the register's proportions. So nobody is
dropped and every margin sums to the register headcount. Staff whose value the register does not
know (e.g. origin without a CBS link) are assumed to be distributed as those it knows.

Migration background (issue 15): response depends on it, so by default the raking also calibrates on
origin. The old (westers/niet-westers) and the CBS 2022 classification are both published, so they
are harmonised into ONE margin, `herkomst_weging`, their cross-classification (config
`weighting.origin`): calibrating on it reproduces the register's shares in both classifications,
while two overlapping margins would be redundant and can make the raking fail.

Newcomers (`nieuw`, first year of service): response follows earlier response (the panel of repeated
staff surveys), and first-year staff could not answer the previous wave, so they answer less often
(demo NIM 2024: 4% of respondents, 10% of staff); with a newcomer gap that biases every level. The
configured margins include `nieuw`; the trim bound sits above the g this needs, because trimmed weights
miss their margins (R's calibrate(trim=) moves the excess to the untrimmed units). The report lists a
margin left out (`margins_dropped`: a category only the register or only the respondents have) or
missed (`margins_missed`), and `weighting_warnings` puts both on the pages in Dutch.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import Estimates, Result
from pipeline.labels import group as label
from pipeline.results import Tidy
from pipeline.survey import SurveyDesign

UNKNOWN = "onbekend"
ORIGIN = "herkomst_weging"


def harmonised_origin(df: pd.DataFrame, classifications: tuple[str, ...] = ("herkomst_oud", "herkomst_cbs")) -> pd.Series:
    """One origin variable from the cross of the given classifications (missing if any is missing).

    With the default pair: nederlands, westers_europa, westers_buiten_europa (Indonesia, North
    America/Oceania), niet_westers (all non-western origins are outside Europe in CBS 2022)."""
    parts = [df[c].astype("object") for c in classifications]
    known = np.logical_and.reduce([p.notna().to_numpy() for p in parts])
    if list(classifications) == ["herkomst_oud", "herkomst_cbs"]:
        old, cbs = parts
        value = np.where(old == "westers", "westers_" + cbs.astype(str), old.astype(str))
    else:
        value = pd.concat(parts, axis=1).astype(str).agg("|".join, axis=1).to_numpy()
    return pd.Series(np.where(known, value, None), index=df.index, dtype="object", name=ORIGIN)


def with_origin_margin(df: pd.DataFrame, origin: tuple[str, ...] | None) -> pd.DataFrame:
    """`df` with the harmonised origin column added (when `origin` names classifications in df)."""
    if not origin or not all(c in df for c in origin):
        return df
    return df.assign(**{ORIGIN: harmonised_origin(df, tuple(origin))})


class WeightingError(ValueError):
    pass


def population_margins(survey: pd.DataFrame, register: pd.DataFrame, margins: list[str], w0: pd.Series) -> dict:
    N = float(len(register))
    out = {}
    for var in margins:
        shares = register[var].astype("object").dropna().value_counts(normalize=True)
        unknown_total = float(w0[survey[var].isna()].sum())
        totals = {str(k): (N - unknown_total) * float(v) for k, v in shares.items()}
        if unknown_total > 0:
            totals[UNKNOWN] = unknown_total
        out[var] = totals
    return out


def weighted_design(survey: pd.DataFrame, register: pd.DataFrame, *, strata: str = "directie_code",
                    margins: list[str] = ("geslacht", "leeftijdsband", "schaalband"),
                    origin: tuple[str, ...] | None = ("herkomst_oud", "herkomst_cbs"),
                    trim: tuple[float, float] | None = None, lonely_psu: str = "adjust") -> tuple[SurveyDesign, dict]:
    """Raked SurveyDesign for one survey wave against the register snapshot of the same year.

    `origin`: classifications harmonised into the extra margin `herkomst_weging` (None: no origin
    margin). The report holds `margin_shares`: per margin and category the register share and the
    unweighted and weighted respondent shares (see `margin_table`)."""
    margins = list(margins)
    if origin and all(c in survey for c in origin) and all(c in register for c in origin):
        survey, register = with_origin_margin(survey, origin), with_origin_margin(register, origin)
        margins.append(ORIGIN)
    df = survey.copy()
    N_h = register[strata].value_counts()
    unknown = sorted(set(df[strata].dropna()) - set(N_h.index))
    if unknown or df[strata].isna().any():
        raise WeightingError(f"{strata}: respondents in directorates absent from the register: {unknown[:10]} "
                             f"({int(df[strata].isna().sum())} with no directorate)")
    n_h = df[strata].value_counts()
    df["N_h"] = df[strata].map(N_h).astype(float)
    df["w0"] = df["N_h"] / df[strata].map(n_h).astype(float)
    pops = population_margins(df, register, list(margins), df["w0"])
    for var in margins:
        df[var] = df[var].astype("object").where(df[var].notna(), UNKNOWN).astype(str)
    base = SurveyDesign(df, weights="w0", strata=strata, fpc="N_h", lonely_psu=lonely_psu)
    # A register category without respondents cannot be calibrated; that margin is then left out of
    # the raking (reported), rather than failing a small wave or a small subgroup run.
    # Likewise a category respondents have but the register lacks (e.g. no one new in a register
    # snapshot taken before the year's intake): no total to calibrate it to.
    dropped = {var: {"no_respondents": [c for c in totals if not (df[var] == c).any()],
                     "not_in_register": sorted(set(df[var]) - set(totals) - {UNKNOWN})} for var, totals in pops.items()}
    dropped = {v: why for v, why in dropped.items() if any(why.values())}
    pops = {v: t for v, t in pops.items() if v not in dropped}
    design = base.calibrate(pops, trim=trim) if pops else base
    g = design.w / base.w
    shares = margin_shares(survey, register, margins, base.w, design.w)
    report = {"respondents": int(len(df)), "population": int(len(register)),
              "response_rate": len(df) / len(register),
              "response_by_stratum": (n_h / N_h).dropna().describe()[["min", "50%", "max"]].to_dict(),
              "g_range": (float(g.min()), float(g.max())),
              "kish_deff": float(len(g) * (design.w ** 2).sum() / design.w.sum() ** 2),
              "margins_used": list(pops), "margins_dropped": dropped,
              "margins_missed": missed_margins(shares, list(pops)),
              "margin_shares": shares}
    # keep original missing values for analysis: the 'onbekend' category exists only for weighting
    design = design.update(**{v: survey[v].reset_index(drop=True) for v in margins})
    return design, report


MISS_TOLERANCE = 0.001  # a weighted share this far from the register's (0.1 percentage point) misses its margin


def missed_margins(shares: pd.DataFrame, used: list[str], tol: float = MISS_TOLERANCE) -> dict[str, float]:
    """Raked margins whose weighted shares still miss the register's (trimmed weights do): margin -> the
    largest gap in shares. Calibrated weights meet them exactly; a miss is shown as a warning."""
    s = shares[shares["margin"].isin(used)]
    gap = (s["weighted"] - s["register"]).abs().groupby(s["margin"]).max()
    return {str(m): float(v) for m, v in gap.items() if v > tol}


MARGIN_WORDS = {"geslacht": "gender", "leeftijdsband": "leeftijd", "schaalband": "salarisschaal",
                "nieuw": "eerste jaar in dienst", ORIGIN: "migratieachtergrond"}


def margin_words(report: dict) -> str:
    """The margins the weights were raked to, in Dutch ("gender, leeftijd en salarisschaal")."""
    from pipeline import labels
    words = [MARGIN_WORDS.get(m) or labels.dimension(m).lower() for m in report["margins_used"]]
    return ", ".join(words[:-1]) + " en " + words[-1] if len(words) > 1 else "".join(words) or "geen kenmerken"


def weighting_warnings(report: dict, name: str) -> list[str]:
    """Dutch warnings for a page that uses these weights: a margin left out of the raking (a category
    only the respondents have, or only the register) or missed after trimming. Empty when all is met."""
    from pipeline import labels
    from pipeline.report import numbers
    out = []
    for var, why in report.get("margins_dropped", {}).items():
        cats = lambda cs: ", ".join(label(var, c) for c in cs)  # noqa: E731
        reasons = ([f"de respondenten hebben een categorie die het register niet kent ({cats(why['not_in_register'])})"]
                   if why.get("not_in_register") else []) + \
                  ([f"in het register staat een categorie zonder respondenten ({cats(why['no_respondents'])})"]
                   if why.get("no_respondents") else [])
        out.append(f"**Let op, weging {name}:** het kenmerk {labels.dimension(var).lower()} telt niet mee in de weging, "
                   f"want {' en '.join(reasons)}. De gewogen cijfers volgen op dit kenmerk dus niet vanzelf de "
                   "verdeling van het personeel.")
    for var, gap in report.get("margins_missed", {}).items():
        out.append(f"**Let op, weging {name}:** na het aftoppen van de grootste gewichten wijkt de gewogen verdeling "
                   f"op {labels.dimension(var).lower()} tot {numbers.decimal(gap * 100, 1)} procentpunt af van het "
                   "register. De gewogen cijfers volgen op dit kenmerk dus niet precies de verdeling van het personeel.")
    return out


def margin_shares(survey: pd.DataFrame, register: pd.DataFrame, margins: list[str], w0, w) -> pd.DataFrame:
    """Per margin and category: register share, unweighted, base-weighted and weighted respondent
    share — all among those whose value is known (the check that the weighting did what it should)."""
    rows = []
    for var in margins:
        x = survey[var].astype("object").reset_index(drop=True)
        known = x.notna().to_numpy()
        reg = register[var].astype("object").dropna().value_counts(normalize=True)
        n = x[known].value_counts()
        for cat in sorted(set(reg.index) | set(n.index), key=str):
            hit = (x == cat).to_numpy()
            rows.append({"margin": var, "category": str(cat), "register": float(reg.get(cat, 0.0)),
                         "unweighted": float(hit.sum() / known.sum()),
                         "base_weighted": float(w0[hit].sum() / w0[known].sum()),
                         "weighted": float(w[hit].sum() / w[known].sum()), "n": int(hit.sum())})
    return pd.DataFrame(rows, columns=["margin", "category", "register", "unweighted", "base_weighted", "weighted", "n"])


def margin_table(report: dict, *, include: tuple[str, ...] | None = None) -> Result:
    """What the weighting repairs, per margin: register share, unweighted and weighted share of the
    respondents (Dutch labels). Disclosure: a category with fewer than k respondents is hidden."""
    t = report["margin_shares"].copy()
    if include is not None:
        t = t[t["margin"].isin(include)]
    t["dimension"] = t["margin"]
    t["group"] = t["category"]
    from pipeline import labels
    t["kenmerk"] = [labels.dimension(m) for m in t["margin"]]
    t["categorie"] = [label(m, c) for m, c in zip(t["margin"], t["category"])]
    out = t.rename(columns={"register": "register", "unweighted": "respondenten ongewogen",
                            "weighted": "respondenten gewogen"})[
        ["dimension", "group", "kenmerk", "categorie", "register", "respondenten ongewogen", "respondenten gewogen", "n"]]
    tidy = tuple(Tidy(stat, {"indicator": "dimension", "estimate": col}, {"se": np.nan})
                 for stat, col in (("register_share", "register"), ("unweighted_share", "respondenten ongewogen"),
                                   ("weighted_share", "respondenten gewogen")))
    return Result(out.reset_index(drop=True), Estimates(n=("n",), keys=("register",)), tidy=tidy)


MARGIN_TEXT = (
    "**Weging.** Iedereen is uitgenodigd; de respondenten zijn behandeld als een gestratificeerde steekproef "
    "per directie (basisgewicht: medewerkers / respondenten in de directie, met eindige-populatiecorrectie) en "
    "daarna *geraked* naar de verdeling in het HR-register van hetzelfde jaar op gender, leeftijd, salarisschaal, "
    "eerste jaar in dienst en migratieachtergrond. Migratieachtergrond doet mee omdat de respons ervan afhangt: zonder "
    "die marge krijgen medewerkers met een niet-westerse achtergrond te weinig gewicht. Eerste jaar in dienst doet "
    "mee omdat wie de vorige keer meedeed, vaker weer meedoet. Nieuwe medewerkers konden de vorige keer nog niet "
    "meedoen. Zij antwoorden daardoor minder vaak (NIM 2024 in de voorbeeldcijfers: 4% van de respondenten, 10% van "
    "het personeel). Zonder die marge tellen zij te weinig mee. Voelen nieuwe medewerkers zich minder veilig of "
    "minder thuis, dan valt het niveau zonder die marge te hoog uit. Een gewicht mag niet onbeperkt groeien: de "
    "grenzen staan in de instelling `weighting.trim`. Mist de weging daardoor een verdeling, of valt een kenmerk weg "
    "omdat register en respondenten niet dezelfde categorieën hebben, dan staat er een waarschuwing boven deze "
    "uitleg. De oude (westers/niet-westers) en "
    "de nieuwe CBS-indeling zijn samengevoegd tot één kenmerk (hun kruising), zodat beide indelingen na weging "
    "de registerverdeling volgen. Wie een kenmerk niet invulde, houdt zijn basisgewicht in een eigen categorie "
    "'onbekend'; medewerkers van wie het register de herkomst niet kent, worden verondersteld net zo verdeeld "
    "te zijn als wie het wel kent. De tabel laat per kenmerk zien wat de weging herstelt: het aandeel in het "
    "register, onder de respondenten zonder weging en na weging (onder wie het kenmerk bekend is). "
    "*Aannames bij de marges.* De eindige-populatiecorrectie gaat ervan uit dat binnen de weegcellen toeval "
    "bepaalt wie antwoordt; hangt de respons ook af van de uitkomst zelf, dan zijn de marges te smal. Het totaal "
    "van de categorie 'onbekend' komt uit de steekproef zelf (het basisgewicht van wie het kenmerk niet invulde) "
    "en wordt in de marges als vast behandeld; de onzekerheid daarvan zit er niet in.")

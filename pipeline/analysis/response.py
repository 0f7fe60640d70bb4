"""Representativeness of each survey wave for the report: R-indicator with its standard error, the
partial R-indicators and the response per directorate and group, against the register of the same
year (the computation is in `pipeline.survey.representativeness`; this module makes the tables)."""
from __future__ import annotations

import pandas as pd

from pipeline.disclosure.publish import NoSmallCells, Rates, Result
from pipeline.labels import dimension, group
from pipeline.results import Tidy
from pipeline.settings import Settings
from pipeline.survey.representativeness import representativeness
from pipeline.weight import ORIGIN, with_origin_margin


def auxiliaries_known(settings: Settings, survey: pd.DataFrame) -> bool:
    """Whether a survey file carries every auxiliary of the weighting (a sample of the workforce does;
    e.g. the exit study of leavers, with a frame of its own, does not)."""
    w = settings["weighting"]
    return all(c in survey for c in [w["strata"], *_margins(w, survey), *(w.get("origin") or ())])


def _margins(w: dict, survey: pd.DataFrame) -> list[str]:
    """The weighting margins an R-indicator uses: all, except the newcomer margin (`nieuw`) where the file
    lacks it — leavers (the exit study) have no first year of service in its sense; the staff surveys carry it."""
    return [m for m in w["margins"] if m in survey or m != "nieuw"]


def population_frame(settings: Settings, source: str, wave: int) -> pd.DataFrame | None:
    """The register rows a survey wave samples (codebook `population`): `staff` = the register of its
    year; `leavers` = staff in the register of the year before who are gone from the year's (as
    chapter 09). None when the registers it needs are not configured."""
    reg = lambda y: pd.read_parquet(settings.processed_dir / f"register_{y}.parquet")  # noqa: E731
    population = settings.codebook(source, wave).population
    years = set(settings.waves("register"))
    if population == "staff":
        return reg(wave) if wave in years else None
    if population == "leavers":
        from pipeline.analysis.exit import leavers
        return leavers(reg(wave - 1), reg(wave)) if {wave - 1, wave} <= years else None
    raise ValueError(f"{source}: unknown population '{population}' in its codebook (staff or leavers)")


def representativeness_tables(settings: Settings, source: str, wave: int, frame: pd.DataFrame | None = None):
    """(R-indicator row, response per category) of one wave against its own population (`frame`,
    default `population_frame`: the register of its year, or the year's leavers), on the weighting's
    auxiliaries: directorate, the margins and the harmonised origin (as Results)."""
    w = settings["weighting"]
    origin = tuple(w.get("origin") or ()) or None
    from pipeline.clean.careless import careful
    survey = with_origin_margin(careful(pd.read_parquet(settings.processed_dir / f"{source}_{wave}.parquet"),
                                        settings.careless), origin)
    frame = population_frame(settings, source, wave) if frame is None else frame
    register = with_origin_margin(frame, origin)
    aux = [w["strata"], *_margins(w, survey), *([ORIGIN] if origin else [])]
    rep = representativeness(register, survey, aux)
    r = pd.DataFrame([{"bron": source, "meting": str(wave), "respons": rep.response_rate, "R": rep.R, "se": rep.se,
                       "ci_low": rep.R - 1.96 * rep.se, "ci_high": rep.R + 1.96 * rep.se,
                       "R gecorrigeerd": rep.R_adjusted, "cellen": rep.cells,
                       "niet geplaatst": rep.respondents_unplaced,
                       **partial_columns(rep.partial)}])
    by = rep.partial.assign(kenmerk=[dimension(v) for v in rep.partial["variable"]],
                            categorie=[group(v, c) for v, c in zip(rep.partial["variable"], rep.partial["category"])],
                            aantal=lambda t: t["respondents"].round().astype(int), noemer=rep.partial["N"])
    by = by[["variable", "category", "kenmerk", "categorie", "aantal", "noemer", "rate", "partial", "partial_se"]]
    tidy_r = (Tidy("r_indicator", {"estimate": "R", "waves": lambda t: t["meting"].astype(str)},
                   {"indicator": "r_indicator", "source": source}),)
    tidy_by = (Tidy("response_rate", {"estimate": "rate", "dimension": "variable", "group": "category", "n": "noemer"},
                    {"indicator": "response", "waves": str(wave)}),
               Tidy("partial_r", {"estimate": "partial", "se": "partial_se", "dimension": "variable", "group": "category",
                                  "n": "noemer"}, {"indicator": "response", "waves": str(wave)}))
    return (Result(r, NoSmallCells("one summary of the response of the whole wave"), tidy=tidy_r),
            Result(by.reset_index(drop=True), Rates("aantal", "noemer", columns=("rate", "partial", "partial_se"),
                                                        lines=("variable",), attribute=True), tidy=tidy_by))


def partial_columns(partial: pd.DataFrame) -> dict:
    """Per auxiliary variable its partial R-indicator P_u and, next to it, the standard error."""
    per = partial.groupby("variable", sort=False)[["P_u", "P_u_se"]].first()
    return {k: v for var, row in per.iterrows()
            for k, v in ((f"P_u {dimension(var)}", row["P_u"]), (f"se P_u {dimension(var)}", row["P_u_se"]))}


R_TEXT = (
    "**Representativiteit van de respons.** Naast het responspercentage laat de R-indicator (Schouten, Cobben & "
    "Bethlehem 2009) zien hoe sterk de kans om mee te doen verschilt naar directie, gender, leeftijd, salarisschaal "
    "en migratieachtergrond: R = 1 − 2 × de standaardafwijking van de responskansen; 1 betekent dat de respons "
    "niet van deze kenmerken afhangt, lager dat bepaalde groepen ondervertegenwoordigd zijn. De partiële "
    "R-indicator (P_u) per kenmerk zegt welk kenmerk de verschillen veroorzaakt; dat zijn precies de kenmerken waar "
    "de weging voor corrigeert (wat de weging niet kan herstellen: verschillen binnen die groepen). Respondenten "
    "zijn niet aan het register te koppelen; de responskansen zijn daarom geschat uit aantallen per cel van de "
    "kenmerken: het aantal medewerkers in het register en het aantal respondenten met die kenmerken (eigen "
    "antwoorden), met een logistisch model met hoofdeffecten. Wie een kenmerk niet invulde, is naar rato "
    "meegeteld. Standaardfout: deltamethode op de modelcoëfficiënten (benadering volgens Shlomo, Skinner & "
    "Schouten 2012; het register is een volledige telling), voor R én voor de partiële R-indicatoren (kolommen "
    "'se'); dicht bij R = 1 of P_u = 0 is die standaardfout te klein. 'R gecorrigeerd' haalt de opwaartse vertekening van "
    "de geschatte spreiding eraf. Twee metingen met een vergelijkbare R zijn op deze kenmerken even "
    "representatief, ook als hun responspercentage verschilt.")

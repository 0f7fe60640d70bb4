"""Load a processed survey wave with its raked design (register of the same year as the frame)."""
from __future__ import annotations

import pandas as pd

from pipeline.disclosure.suppress import merge_small
from pipeline.settings import Settings
from pipeline.weight import weighted_design


def in_frame(design, frame: str):
    """The design for inference in `frame`: 'superpopulation' drops the finite-population correction."""
    return design.without_fpc() if frame == "superpopulation" else design


FRAME_NL = {"finite": "beschrijvend over het personeel van dit jaar (met eindige-populatiecorrectie)",
            "superpopulation": "modelmatig, over het proces achter de uitkomsten (zonder eindige-populatiecorrectie)"}


def frame_text(settings) -> str:
    """Dutch method text: which inference frame the chapter's tables use (config `inference`)."""
    return ("**Inferentiekader.** Niveaus, aandelen en ruwe verschillen beschrijven het personeel van dit jaar: "
            f"{FRAME_NL[settings.frame('levels')]}. Bij volledige respons is hun marge nul. Regressiecoëfficiënten "
            "(gecorrigeerde verschillen en veranderingen), veranderingen van een kloof en trends gaan over de vraag of "
            "een verschil ook bij ander personeel zou optreden: "
            f"{FRAME_NL[settings.frame('models')]}. Instelling: `inference` in config/report.yaml.")


def representativeness_tables(settings: Settings, source: str, wave: int):
    """(R-indicator row, response per category) of one wave against the register of its year, on the
    weighting's auxiliaries: directorate, the margins and the harmonised origin (as Results)."""
    from pipeline.disclosure.publish import NoSmallCells, Rates, Result
    from pipeline.labels import dimension, group
    from pipeline.results import Tidy
    from pipeline.survey.representativeness import representativeness
    from pipeline.weight import ORIGIN, with_origin_margin

    w = settings["weighting"]
    origin = tuple(w.get("origin") or ()) or None
    survey = with_origin_margin(pd.read_parquet(settings.processed_dir / f"{source}_{wave}.parquet"), origin)
    register = with_origin_margin(pd.read_parquet(settings.processed_dir / f"register_{wave}.parquet"), origin)
    aux = [w["strata"], *w["margins"], *([ORIGIN] if origin else [])]
    rep = representativeness(register, survey, aux)
    r = pd.DataFrame([{"bron": source, "meting": str(wave), "respons": rep.response_rate, "R": rep.R, "se": rep.se,
                       "ci_low": rep.R - 1.96 * rep.se, "ci_high": rep.R + 1.96 * rep.se,
                       "R_gecorrigeerd": rep.R_adjusted, "cellen": rep.cells,
                       "niet_geplaatst": rep.respondents_unplaced,
                       **{f"P_u {dimension(v)}": p for v, p in rep.partial.groupby("variable", sort=False)["P_u"].first().items()}}])
    by = rep.partial.assign(kenmerk=[dimension(v) for v in rep.partial["variable"]],
                            categorie=[group(v, c) for v, c in zip(rep.partial["variable"], rep.partial["category"])],
                            aantal=lambda t: t["respondents"].round().astype(int), noemer=rep.partial["N"])
    by = by[["variable", "category", "kenmerk", "categorie", "aantal", "noemer", "rate", "partial"]]
    tidy_r = (Tidy("r_indicator", {"estimate": "R", "waves": lambda t: t["meting"].astype(str)},
                   {"indicator": "r_indicator", "source": source}),)
    tidy_by = (Tidy("response_rate", {"estimate": "rate", "dimension": "variable", "group": "category", "n": "noemer"},
                    {"indicator": "response", "waves": str(wave)}),)
    return (Result(r, NoSmallCells("one summary of the response of the whole wave"), tidy=tidy_r),
            Result(by.reset_index(drop=True), Rates("aantal", "noemer", columns=("rate", "partial")), tidy=tidy_by))


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
    "Schouten 2012; het register is een volledige telling); 'R gecorrigeerd' haalt de opwaartse vertekening van "
    "de geschatte spreiding eraf. Twee metingen met een vergelijkbare R zijn op deze kenmerken even "
    "representatief, ook als hun responspercentage verschilt.")


def survey_design(settings: Settings, source: str, wave: int | None = None):
    """(design, weighting report, wave) for `source`; wave None means the latest configured wave."""
    waves = settings.waves(source)
    if not waves:
        raise ValueError(f"no waves configured for source '{source}'")
    wave = int(wave or waves[-1])
    survey = pd.read_parquet(settings.processed_dir / f"{source}_{wave}.parquet")
    reg_path = settings.processed_dir / f"register_{wave}.parquet"
    if not reg_path.exists():
        raise ValueError(f"no register snapshot for {wave}: weighting {source} {wave} needs it as its frame")
    register = pd.read_parquet(reg_path)
    w = settings["weighting"]
    design, report = weighted_design(survey, register, strata=w["strata"], margins=w["margins"],
                                     origin=tuple(w.get("origin") or ()) or None,
                                     trim=tuple(w["trim"]) if w.get("trim") else None)
    # Small categories merged for publication (config disclosure.merge); the design's strata are kept.
    for col, spec in ((settings.raw.get("disclosure") or {}).get("merge") or {}).items():
        if col in design.data:
            merged = merge_small(design.data, col, spec["min_size"], spec.get("into", "overig"))
            design = design.update(**{col: merged[col]})
    return design, report, wave

"""Chapter 01: records in and out per source and wave, missing answers, distributions, reliability."""
from __future__ import annotations

import pandas as pd

from pipeline.chapters import Chapter
from pipeline.clean.report import distribution, flow_table, load_manifest, missingness
from pipeline.clean.run import scale_ranges
from pipeline.clean.scales import reliability
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, publish_all
from pipeline.results import Tidy
from pipeline.settings import load_settings

SOURCE_ORDER = ("register", "nim", "mto", "discrimination")  # the rest follow in the catalogue's order
DISTRIBUTIONS = ("geslacht", "leeftijdsband", "schaalband", "herkomst_oud", "herkomst_cbs")
RELIABILITY_GROUPS = ("herkomst_oud", "beperking", "lhbtiq")
MIN_RELIABILITY_N = 30  # a reliability coefficient needs at least this many complete answers
RELIABILITY = tuple(Tidy(f"reliability_{c}", {"indicator": "schaal", "group": "groep", "estimate": c})
                    for c in ("alpha", "omega"))


def build(config_path: str, *, survey_years=None) -> Chapter:
    settings = load_settings(config_path, years=survey_years)
    policy = Policy.from_settings(settings)
    ch = Chapter()
    ch.heading("Opschoning en kwaliteit van de bronnen", 1)
    ch.text("Dit hoofdstuk laat per bron en meting zien hoeveel records zijn ingelezen en waarom records zijn\n"
            "verwijderd, hoeveel antwoorden ontbreken en hoe betrouwbaar de schalen zijn. Alle aantallen zijn\n"
            "geaggregeerd; groepen kleiner dan de minimale celgrootte worden niet getoond.")
    inputs = {}
    from pipeline import sources
    rest = [s for s in sources.known(settings.codebooks_dir) if s not in SOURCE_ORDER]
    for src in [*SOURCE_ORDER, *rest, *sorted(set(settings.sources) - set(SOURCE_ORDER) - set(rest))]:
        for w in settings.waves(src):
            m = load_manifest(settings.processed_dir, src, w)
            inputs[f"{src} {w}"] = m["input"]
            df = pd.read_parquet(settings.processed_dir / f"{src}_{w}.parquet")
            results = {"flow": flow_table(m)}
            cb = settings.codebook(src, w)
            if m["reliability"]:
                results["reliability"] = Result(pd.DataFrame(m["reliability"]), NoSmallCells(
                    "reliability coefficients of whole scales over all respondents of the wave"), tidy=RELIABILITY)
                by_group = [reliability(df, cb.scales, scale_ranges(cb), by=g,
                                        min_n=max(MIN_RELIABILITY_N, policy.k)).assign(indeling=g)
                            for g in RELIABILITY_GROUPS if g in df]
                by_group = pd.concat(by_group, ignore_index=True) if by_group else pd.DataFrame()
                results["reliability_by_group"] = Result(by_group, NoSmallCells(
                    f"groups with fewer than max({MIN_RELIABILITY_N}, k) complete answers are left out"),
                    tidy=RELIABILITY if len(by_group) else ())
            results["missing"] = Result(missingness(df, src, w, cb).head(8), NoSmallCells(
                "item non-response shares over all respondents of the wave"),
                tidy=(Tidy("missing_share", {"indicator": "variabele", "estimate": "ontbrekend"}),))
            for col in (c for c in DISTRIBUTIONS if c in df):
                results[f"dist:{col}"] = distribution(df, col)
            pub = publish_all(results, policy)
            ch.record(pub, source=src, waves=str(w))

            ch.heading(f"{src.upper()} {w}")
            ch.text(f"Codeboek `{m['codebook']}` (versie {m['codebook_version']}); invoerbestand sha256 "
                    f"`{m['input_sha256'][:16]}…`.")
            ch.table(pub["flow"], "Van ingelezen records naar analysebestand (verwijderd per reden)", decimals=0)
            if "reliability" in pub:
                ch.table(pub["reliability"], "Betrouwbaarheid van de schalen (Cronbachs alfa, McDonalds omega)")
                if len(pub["reliability_by_group"]):
                    ch.table(pub["reliability_by_group"], "Betrouwbaarheid per groep (groepen met minder dan 30 "
                             "volledige antwoorden weggelaten)")
            ch.table(pub["missing"], "Variabelen met de meeste ontbrekende waarden", percent=["ontbrekend"])
            for col in (c for c in DISTRIBUTIONS if c in df):
                ch.table(pub[f"dist:{col}"], f"Verdeling {col}", decimals=0, percent=["aandeel"])
    ch.provenance(inputs, {"config_path": config_path, "min_cell_size": policy.k, "survey_years": survey_years})
    return ch

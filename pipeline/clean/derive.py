"""Derived analysis variables: bands, both migration classifications, tenure, group flags.

Why: every chapter groups by the same variables; deriving them once, from the declared
classifications (config/classifications.yaml), keeps the groups identical across chapters and years.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import classifications, default_young_cutoff


def band(values: pd.Series, breaks: list[int], labels: list[str]) -> pd.Categorical:
    """Left-closed bands: breaks [35, 55] give <35, 35-54, 55+."""
    bins = [-np.inf, *breaks, np.inf]
    return pd.cut(pd.to_numeric(values, errors="coerce").astype(float), bins=bins, labels=labels, right=False)


def migration(origin: pd.Series, born_nl: pd.Series | None) -> pd.DataFrame:
    """Old (westers/niet-westers) and new CBS classification from the fine origin group (crosswalk)."""
    cw = classifications()["origin"]
    lab = classifications()["labels"]

    def cat(values, key):
        return pd.Categorical(values, categories=list(lab[key]))
    o = origin.astype("object")
    out = pd.DataFrame(index=origin.index)
    out["herkomst_oud"] = cat(o.map({k: v["old"] for k, v in cw.items()}), "herkomst_oud")
    out["herkomst_cbs"] = cat(o.map({k: v["cbs_continent"] for k, v in cw.items()}), "herkomst_cbs")
    out["herkomst_cbs_groep"] = cat(o.map({k: v["cbs_group"] for k, v in cw.items()}), "herkomst_cbs_groep")
    gen = pd.Series(pd.NA, index=origin.index, dtype="object")
    gen[o == "nederland"] = "geen"
    if born_nl is not None:
        b = born_nl.astype("object")
        gen[(o.notna()) & (o != "nederland") & (b == "ja")] = "kind_van_migrant"
        gen[(o.notna()) & (o != "nederland") & (b == "nee")] = "migrant"
    out["generatie"] = cat(gen, "generatie")
    return out


def derive(df: pd.DataFrame, *, young_cutoff: int | None = None, reference_date: pd.Timestamp | None = None) -> pd.DataFrame:
    """Add derived group variables; works for survey (leeftijd given) and register (birth date) rows.
    `young_cutoff`: the report's groups.young_cutoff (default: that of config/report.yaml)."""
    c = classifications()
    bands = c["bands"]
    cutoff = default_young_cutoff() if young_cutoff is None else young_cutoff
    out = df.copy()
    if "leeftijd" not in out and "geboortedatum" in out:
        ref = out["peildatum"] if "peildatum" in out else reference_date
        years = ref.dt.year - out["geboortedatum"].dt.year
        before_birthday = (ref.dt.month < out["geboortedatum"].dt.month) | (
            (ref.dt.month == out["geboortedatum"].dt.month) & (ref.dt.day < out["geboortedatum"].dt.day))
        out["leeftijd"] = (years - before_birthday.astype(int)).astype("Int64")
    if "dienstjaren" not in out and "datum_in_dienst" in out:
        ref = out["peildatum"] if "peildatum" in out else reference_date
        out["dienstjaren"] = ((ref - out["datum_in_dienst"]).dt.days // 365.25).astype("Int64")
    if "leeftijd" in out:
        out["leeftijdsband"] = band(out["leeftijd"], bands["age"]["breaks"], bands["age"]["labels"])
        if "age_cells" in bands:  # processed data keep no exact age: the exit weighting's cells instead
            out["leeftijdscel"] = band(out["leeftijd"], bands["age_cells"]["breaks"], bands["age_cells"]["labels"])
        age = pd.to_numeric(out["leeftijd"], errors="coerce").astype(float)
        out["jong"] = pd.Categorical(np.where(age.isna(), None, np.where(age < cutoff, "ja", "nee")),
                                     categories=["ja", "nee"])
    if "dienstjaren" in out:  # newcomers: in their first year of service (group `nieuw`)
        years = pd.to_numeric(out["dienstjaren"], errors="coerce").astype(float)
        out["nieuw"] = pd.Categorical(np.where(years.isna(), None, np.where(years < 1, "ja", "nee")),
                                      categories=["ja", "nee"])
    if "dienstjaren" in out and "tenure" in bands:
        out["dienstjarenband"] = band(out["dienstjaren"], bands["tenure"]["breaks"], bands["tenure"]["labels"])
    if "fte" in out and "fte" in bands:
        out["fteband"] = band(out["fte"], bands["fte"]["breaks"], bands["fte"]["labels"])
    if "salarisschaal" in out:
        out["schaalband"] = band(out["salarisschaal"], bands["scale"]["breaks"], bands["scale"]["labels"])
    if "herkomst" in out:
        out = out.join(migration(out["herkomst"], out.get("geboorteland_nl")))
    if "geslacht" in out:
        out["geslacht"] = out["geslacht"].astype("object").replace({"onbekend": pd.NA})
        out["geslacht"] = pd.Categorical(out["geslacht"], categories=["man", "vrouw", "non_binair"])
    for flag in ("lhbtiq", "beperking"):
        if flag in out:
            out[flag] = pd.Categorical(out[flag].astype("object"), categories=["ja", "nee"])
    return out

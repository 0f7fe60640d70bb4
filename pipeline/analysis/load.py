"""Load a processed survey wave with its raked design (register of the same year as the frame)."""
from __future__ import annotations

import pandas as pd

from pipeline.clean.careless import careful
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
    return ("**Inferentiekader.** Niveaus, aandelen en ruwe verschillen beschrijven het personeel van dit jaar, en "
            "hun veranderingen tussen metingen (ook van een kloof) en trends het personeel van die jaren: "
            f"{FRAME_NL[settings.frame('levels')]}. Bij volledige respons is hun marge nul. Regressiecoëfficiënten "
            "(gecorrigeerde verschillen en veranderingen) gaan over de vraag of "
            "een verschil ook bij ander personeel zou optreden: "
            f"{FRAME_NL[settings.frame('models')]}. Instelling: `inference` in config/report.yaml.")


def register(settings: Settings, wave: int) -> pd.DataFrame:
    """The processed register snapshot of `wave` (the survey's frame)."""
    return pd.read_parquet(settings.processed_dir / f"register_{int(wave)}.parquet")


def change_designs(settings: Settings, designs: dict, label: str = "golf"):
    """(finite, model, linkage): the stacks every change of a chapter is estimated on, in the frame of
    the levels (`inference.levels`: the linked-panel estimator when the waves carry a person key) and
    in the frame of models (`inference.models`: composition-adjusted changes)."""
    from pipeline.analysis import linkage
    overlap = linkage.frame_overlap({w: register(settings, w) for w in designs}, settings["weighting"]["strata"])
    finite, link = linkage.stack_for_change(designs, label, frame=settings.frame("levels"), frame_overlap=overlap)
    model, _ = linkage.stack_for_change(designs, label, frame=settings.frame("models"))
    return finite, model, link


def survey_design(settings: Settings, source: str, wave: int | None = None):
    """(design, weighting report, wave) for `source`; wave None means the latest configured wave."""
    waves = settings.waves(source)
    if not waves:
        raise ValueError(f"no waves configured for source '{source}'")
    wave = int(wave or waves[-1])
    survey = careful(pd.read_parquet(settings.processed_dir / f"{source}_{wave}.parquet"), settings.careless)
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

"""Load a processed survey wave with its raked design (register of the same year as the frame)."""
from __future__ import annotations

import pandas as pd

from pipeline.disclosure.suppress import merge_small
from pipeline.settings import Settings
from pipeline.weight import weighted_design


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
                                     trim=tuple(w["trim"]) if w.get("trim") else None)
    # Small categories merged for publication (config disclosure.merge); the design's strata are kept.
    for col, spec in ((settings.raw.get("disclosure") or {}).get("merge") or {}).items():
        if col in design.data:
            merged = merge_small(design.data, col, spec["min_size"], spec.get("into", "overig"))
            design = design.update(**{col: merged[col]})
    return design, report, wave

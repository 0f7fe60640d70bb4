"""The configuration of the small-area model estimates (`small_area:` in report.yaml): the auxiliaries
it knows and the check `pipeline.settings` runs on the section.

Why a module of its own: every build checks the configuration first, also a no-op rerun; the model
(`pipeline.analysis.small_area`) needs scipy and pandas, its configuration needs neither.
"""
from __future__ import annotations

# auxiliaries per directorate from the register snapshot of the wave's year (config small_area.auxiliaries)
AUXILIARIES = {
    "aandeel_jong": "share of staff younger than groups.young_cutoff",
    "aandeel_niet_westers": "share of staff with a non-western migration background (known origin)",
    "aandeel_schaal_12plus": "share of staff in pay scale 12 or higher",
    # the processed register keeps tenure only as a band (no exact dates): the share of recent hires
    # stands in for mean tenure
    "aandeel_kort_in_dienst": "share of staff with fewer than 5 years of service",
}


def check(cfg) -> list[str]:
    """Problems of config `small_area` (for pipeline.settings)."""
    if cfg is None:
        return []
    if not isinstance(cfg, dict):
        return [f"small_area must be a mapping (auxiliaries, max_direct_weight), found {type(cfg).__name__}"]
    out = []
    names = cfg.get("auxiliaries")
    if names is not None and (not isinstance(names, list) or not names or any(n not in AUXILIARIES for n in names)):
        out.append(f"small_area.auxiliaries must be a non-empty list of {', '.join(AUXILIARIES)}, found {names!r}")
    w = cfg.get("max_direct_weight", 0.0)
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not 0 <= w < 0.5:
        out.append("small_area.max_direct_weight must be a number from 0 up to (not including) 0.5: the weight a "
                   f"directorate's own answers may carry where its direct estimate is not published, found {w!r}")
    return out

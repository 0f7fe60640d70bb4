"""Which directorates the programme reached, and from when: exposure as declared data.

Why here (not in analysis/): the demo generator plants the programme's effect on the same exposure the
effect analysis uses, and `pipeline.synth` imports nothing from analysis. Pure Python, no pandas.

Two exposures (config `effect.exposures`):
- plan: a directorate is exposed from the `start_year` of its action plan, i.e. the earliest
  `start_year` among the declared targets (config/targets.yaml) whose scope names it; a directorate
  without such a target is never exposed.
- training: the share of a role's holders (e.g. managers) trained in a course, per directorate and year,
  is a dose; the directorate counts as exposed from the first year that share reaches `threshold` (and
  stays exposed: training is cumulative). Years before the first training year count as unexposed.
  With `without: plan` the training analysis leaves out the plan directorates' waves from their plan's
  start (`pipeline.analysis.effect.without`): plans ask their directorates to train managers, so
  otherwise a training contrast carries the plan's effect.
"""
from __future__ import annotations

NEVER = None  # cohort of a directorate that is never exposed


def plan_starts(entries) -> dict[str, int]:
    """Directorate code -> start year of its action plan, from the raw target entries (list of dicts)."""
    out: dict[str, int] = {}
    for t in entries or ():
        scope, start = t.get("scope"), t.get("start_year")
        if not isinstance(scope, list) or start is None:
            continue
        for code in scope:
            out[code] = min(int(start), out.get(code, int(start)))
    return dict(sorted(out.items()))


def dose_starts(shares: dict[tuple[str, int], float], threshold: float) -> dict[str, int]:
    """Directorate code -> first year its dose (share trained) reaches `threshold`. `shares`:
    (directorate, year) -> share. Directorates that never reach it are left out (never exposed)."""
    out: dict[str, int] = {}
    for (code, year), share in sorted(shares.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        if share is not None and share == share and share >= threshold and code not in out:
            out[code] = int(year)
    return out


def exposed(starts: dict[str, int], code: str, year: int) -> bool:
    """Is directorate `code` exposed in `year` (from its start year on)?"""
    start = starts.get(code)
    return start is not None and year >= start

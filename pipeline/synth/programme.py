"""The programme's planted effect (config/synth.yaml `programme_effect`).

From its plan's start year (`start_year` in config/targets.yaml, read as the effect analysis reads it:
`pipeline.exposure.plan_starts`), staff of a directorate with an action plan answer a construct's items
as if their latent score were `latent[construct]` SD higher. A deterministic shift: no draw is added or
moved, so every other answer of the demo world stays the same. A construct with shift 0 (and every
construct not listed) is the planted null.

The truth is exact: the items are drawn twice from the same random state, with and without the
shift (`items`), and the effect of a directorate in a wave is the mean difference of the scale scores
over its staff (`cell_effects`); `aggregate` averages those cells as the estimator's simple aggregate
does (each exposed directorate-wave with a wave before the start, equally).
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from pipeline.config import CONFIG_DIR, load_yaml
from pipeline.exposure import plan_starts

CF = "_zonder_programma:"  # prefix of a value computed without the planted effect (popped before the truth)


@lru_cache(maxsize=None)
def starts() -> dict[str, int]:
    """Directorate -> start year of its action plan (config/targets.yaml)."""
    return plan_starts(load_yaml(CONFIG_DIR / "targets.yaml").get("targets") or [])


def shift(pop: pd.DataFrame, p: dict, wave: int, construct: str) -> np.ndarray | None:
    """Per person the latent shift of `construct` in `wave` (None: no plant touches it)."""
    spec = (p.get("programme_effect") or {}).get("latent") or {}
    size = float(spec.get(construct, 0.0))
    if size == 0.0:
        return None
    first = pop["directie_code"].map(starts()).to_numpy(dtype=float)
    exposed = ~np.isnan(first) & (wave >= first)
    return np.where(exposed, size, 0.0) if exposed.any() else None


def items(likert, theta: np.ndarray, delta: np.ndarray | None, n_items: int, n_cat: int, rng):
    """(items with the effect, items without it) from one random state; `rng` advances once."""
    if delta is None:
        out = likert(theta, n_items, n_cat, rng)
        return out, out
    state = rng.bit_generator.state
    twin = np.random.Generator(type(rng.bit_generator)())
    twin.bit_generator.state = state
    return likert(theta + delta, n_items, n_cat, rng), likert(theta, n_items, n_cat, twin)


def split(values: dict) -> tuple[dict, dict]:
    """(the outcome values, construct -> its values without the programme)."""
    return ({k: v for k, v in values.items() if not k.startswith(CF)},
            {k[len(CF):]: v for k, v in values.items() if k.startswith(CF)})


def cell_effects(pop: pd.DataFrame, values: dict, without: dict, wave: int) -> dict:
    """construct -> directorate -> mean effect over its staff in `wave` (exposed directorates only)."""
    exposed = [d for d, s in starts().items() if wave >= s]
    out = {}
    code = pop["directie_code"].to_numpy()
    for name, cf in without.items():
        diff = np.asarray(values[name], dtype=float) - np.asarray(cf, dtype=float)
        out[name] = {d: float(diff[code == d].mean()) for d in exposed if (code == d).any()}
    return out


def aggregate(cells: dict, waves: list[int]) -> dict:
    """construct -> the simple aggregate effect over the exposed directorate-waves that have a wave
    before their start (the estimator's estimand); `cells`: wave -> construct -> directorate -> effect."""
    out: dict = {}
    constructs = {c for per_wave in cells.values() for c in per_wave}
    for c in sorted(constructs):
        vals = [cells[w][c][d] for w in waves if c in cells.get(w, {}) for d in cells[w][c]
                if any(v < starts()[d] for v in waves)]
        if vals:
            out[c] = float(np.mean(vals))
    return out

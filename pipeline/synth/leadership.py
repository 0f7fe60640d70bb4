"""Inclusive leadership in the MTO: staff rate their manager on five items (fairness, openness,
valuing differences, everyone heard, stepping in against exclusion); managers rate themselves on the
same five items. The planted intention-experience gap (managers above their staff, varying by
directorate) is what the chapter must recover.

Drawn from a child generator of the MTO's own, so the MTO's other items stay exactly as they were.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.synth.surveys import group_indicators, likert_items

STAFF_ITEMS = [f"il{i}" for i in range(1, 6)]
SELF_ITEMS = [f"zl{i}" for i in range(1, 6)]


def answers(pop: pd.DataFrame, psych_safety: np.ndarray, wave: int, seed: int, rng, p: dict
            ) -> tuple[pd.DataFrame, dict]:
    """(item answers with `leidinggevende`, population values per person)."""
    spec = p["leadership"]
    g = group_indicators(pop)
    codes = sorted(pop["directie_code"].unique())
    fixed = np.random.default_rng([seed, 2001])   # directorate effects fixed across waves
    dir_exp = pd.Series(fixed.normal(0, spec["directorate_sd"], len(codes)), index=codes)
    dir_gap = pd.Series(fixed.normal(spec["self_gap"], spec["self_gap_directorate_sd"], len(codes)), index=codes)
    e = spec["experience"]
    d = pop["directie_code"]
    theta = (e["intercept"] + sum(v * g[k] for k, v in e.items() if k in g)
             + e["from_psych_safety"] * (psych_safety - psych_safety.mean()) / psych_safety.std()
             + dir_exp.reindex(d).to_numpy() + rng.normal(0, 0.6, len(pop)))
    staff = likert_items(theta, 5, 5, rng)
    manager = pop["manager"].to_numpy()
    # a manager's intention: the experience of staff in the directorate, plus the directorate's gap
    self_theta = (e["intercept"] + dir_exp.reindex(d).to_numpy() + dir_gap.reindex(d).to_numpy()
                  + rng.normal(0, 0.6, len(pop)))
    own_items = likert_items(self_theta, 5, 5, rng)
    own = np.where(manager[:, None], own_items, np.nan)
    frame = pd.DataFrame(np.hstack([staff, own]), columns=STAFF_ITEMS + SELF_ITEMS)
    miss = rng.random(frame.shape) < spec["item_missing"]
    frame = frame.mask(miss & frame.notna().to_numpy(), 8)  # 8 = weet niet, as the MTO's other items
    frame["leidinggevende"] = np.where(manager, "ja", "nee")
    values = {"inclusive_leadership": staff.mean(axis=1),
              "self_leadership": np.where(manager, own_items.mean(axis=1), np.nan)}
    return frame, values


def truth(pop: pd.DataFrame, values: dict) -> dict:
    """The finite-population intention-experience gap: managers' mean self-rating minus the mean
    rating of staff who are not managers, city-wide and per directorate."""
    manager = pop["manager"].to_numpy()
    frame = pd.DataFrame({"d": pop["directie_code"].to_numpy(), "self": values["self_leadership"],
                          "exp": np.where(manager, np.nan, values["inclusive_leadership"])})
    per_dir = frame.groupby("d")
    means = per_dir[["self", "exp"]].mean()
    return {"gap": float(frame["self"].mean() - frame["exp"].mean()), "self": float(frame["self"].mean()),
            "experience": float(frame["exp"].mean()),
            "directorates": {k: float(r["self"] - r["exp"]) for k, r in means.dropna().iterrows()},
            "managers": {k: int(v) for k, v in per_dir["self"].count().items()}}

"""The invariance sequence: configural -> metric (equal loadings) -> scalar (equal loadings and
intercepts), judged by the change in fit (Chen 2007), and partial scalar invariance by freeing
intercepts one at a time (Byrne, Shavelson & Muthén 1989).

Why: a comparison of group means of a scale only means something when the scale is scalar invariant
(Meredith 1993; Putnick & Bornstein 2016). Chen's cut-offs judge a step by how much worse it fits than
the step before: CFI may drop by at most 0.010 and RMSEA may rise by at most 0.015. The chi-square
difference test is not used for the verdict: with thousands of respondents it rejects trivial
differences (Chen 2007; Putnick & Bornstein 2016).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.measurement.cfa import Fit, GroupStats, fit
from pipeline.measurement.syntax import Model

DELTA_CFI = -0.010    # Chen (2007): a step holds when CFI drops by no more than this ...
DELTA_RMSEA = 0.015   # ... and RMSEA rises by no more than this
ORDER = ("configural", "metric", "scalar")


def holds(worse: dict, better: dict) -> bool:
    """Chen's rule for a more constrained step against the step before it. Rounded to 3 decimals as
    fit indices are read, so that the verdict does not hang on the 6th digit of an optimiser."""
    return (round(worse["cfi"] - better["cfi"], 3) >= DELTA_CFI
            and round(worse["rmsea"] - better["rmsea"], 3) <= DELTA_RMSEA)


def sequence(model: Model, groups: list[GroupStats]) -> tuple[list[dict], dict[str, Fit]]:
    """Fit the three steps; each row: step, chisq, df, cfi, rmsea, srmr, the change in CFI and RMSEA
    against the step before and whether the step holds by Chen's rule."""
    fits, rows = {}, []
    for step in ORDER:
        fits[step] = fit(model, groups, step, start=fits[rows[-1]["step"]] if rows else None)
        m = fits[step].measures()
        row = {"step": step, **{k: m[k] for k in ("chisq", "df", "cfi", "rmsea", "srmr")},
               "converged": fits[step].converged}
        if rows:
            prev = rows[-1]
            row.update(delta_cfi=m["cfi"] - prev["cfi"], delta_rmsea=m["rmsea"] - prev["rmsea"],
                       holds=holds(m, prev))
        rows.append(row)
    return rows, fits


def level(rows: list[dict]) -> str:
    """The most constrained step that holds, with every step before it."""
    reached = "configural"
    for row in rows[1:]:
        if not row.get("holds"):
            break
        reached = row["step"]
    return reached


@dataclass(frozen=True)
class Partial:
    freed: tuple[str, ...]   # items whose intercepts differ between groups, in the order found
    holds: bool              # the partial scalar model holds against the metric model (Chen)
    fit: Fit | None


def partial_scalar(model: Model, groups: list[GroupStats], metric: Fit, *, min_equal: int = 2) -> Partial:
    """Free intercepts one at a time, each round the one whose freeing lowers chi-square most, until the
    partial scalar model holds against the metric model; every factor keeps at least `min_equal`
    equal intercepts (else its mean cannot be compared). Returns the items freed."""
    base = metric.measures()
    freed: list[str] = []
    current = None
    while True:
        candidates = []
        for item in model.items:
            if item in freed:
                continue
            trial = [*freed, item]
            if any(sum(i not in trial for i in its) < min_equal for _, its in model.factors):
                continue
            f = fit(model, groups, "scalar", trial, start=current or metric)
            candidates.append((f.chisq, item, f))
        if not candidates:
            return Partial(tuple(freed), False, current)
        _, item, current = min(candidates, key=lambda c: (c[0], model.items.index(c[1])))
        freed.append(item)
        if holds(current.measures(), base):
            return Partial(tuple(freed), True, current)


def latent_differences(f: Fit) -> list[dict]:
    """Factor mean of every group against the first (the reference), in standard deviations of the
    reference group's factor: the group comparison a (partially) scalar model allows."""
    ref = f.estimates["groups"][0]
    out = []
    for g, est in zip(f.groups[1:], f.estimates["groups"][1:]):
        for k, name in enumerate(f.model.names):
            out.append({"factor": name, "group": g.name, "reference": f.groups[0].name,
                        "difference": float(est["alpha"][k] / np.sqrt(ref["phi"][k, k]))})
    return out

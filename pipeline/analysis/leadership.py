"""Inclusive leadership (MTO): staff's rating of their manager, and the intention-experience gap —
managers' self-ratings against their staff's ratings on the same five items.

Why one design: both perspectives come from the same weighted MTO wave, so the gap is a contrast of
two domains of one design (managers' self-rating vs the rating by staff who are not managers) with a
linearised, design-based SE that accounts for the stratification and calibration — not two
independent samples. Per directorate the same contrast is made within each directorate in one pass.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import Estimates, GroupSizes, Result
from pipeline.results import Tidy
from pipeline.survey import DesignError, SurveyDesign

PERSPECTIVE = "perspectief"
MANAGER, STAFF = "leidinggevende", "medewerker"
PAIRS = (("inclusive_leadership", "self_leadership"), *((f"il{i}", f"zl{i}") for i in range(1, 6)))


def with_perspectives(design: SurveyDesign, pairs=PAIRS) -> SurveyDesign:
    """Add `perspectief` and, per matched pair, one variable `gap:<staff item>` holding the manager's
    self-rating for managers and the staff rating for everyone else."""
    manager = design.data["leidinggevende"].astype("object") == "ja"
    cols = {PERSPECTIVE: pd.Series(np.where(manager, MANAGER, STAFF), index=design.data.index).where(
        design.data["leidinggevende"].notna())}
    for staff, own in pairs:
        cols[f"gap:{staff}"] = design.data[own].where(manager, design.data[staff]).astype(float)
    return design.update(**cols)


def _contrast(design: SurveyDesign, pairs, within: str | None) -> pd.DataFrame:
    rows = []
    for staff, _ in pairs:
        try:
            cmp = design.compare(f"gap:{staff}", by=PERSPECTIVE, reference=STAFF, within=within)
        except DesignError:
            continue
        rows.append(cmp.assign(item=staff))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def intention_gap(design: SurveyDesign, pairs=PAIRS, *, family: str = "leiderschap_kloof") -> Result:
    """Managers' self-rating minus their staff's rating, per matched item and for the scale
    (difference, design-based SE and interval, t test; `p_bh` over the chapter's family).
    Disclosure: both perspectives need at least k respondents (rule on `n` and `n_ref`)."""
    out = _contrast(with_perspectives(design, pairs), pairs, None)
    out = out.rename(columns={"estimate": "zelfbeeld", "ref_estimate": "oordeel_medewerkers"})
    out["p_bh"] = np.nan
    cols = ["item", "zelfbeeld", "oordeel_medewerkers", "difference", "se", "ci_low", "ci_high", "p", "p_bh", "n", "n_ref"]
    return Result(out[cols], Estimates(n=("n", "n_ref")), family=family,
                  tidy=(Tidy("intention_gap", {"indicator": "item", "estimate": "difference",
                                               "reference": lambda t: np.repeat(STAFF, len(t))}),))


def intention_gap_by(design: SurveyDesign, unit: str = "directie_code", pairs=PAIRS[:1], *,
                     family: str = "leiderschap_kloof") -> Result:
    """The scale's intention-experience gap within each level of `unit` (e.g. directorate), where
    both managers and staff answered. Disclosure: a unit with fewer than k managers or k staff
    respondents shows nothing."""
    out = _contrast(with_perspectives(design, pairs), pairs, unit)
    if not len(out):
        out = pd.DataFrame(columns=[unit, "item", "estimate", "ref_estimate", "difference", "se", "ci_low",
                                    "ci_high", "p", "n", "n_ref"])
    out = out.rename(columns={"estimate": "zelfbeeld", "ref_estimate": "oordeel_medewerkers"})
    out[unit] = out[unit].astype(str)
    out["p_bh"] = np.nan
    cols = [unit, "item", "zelfbeeld", "oordeel_medewerkers", "difference", "se", "ci_low", "ci_high", "p", "p_bh",
            "n", "n_ref"]
    return Result(out[cols], Estimates(n=("n", "n_ref"), keys=(unit,)), family=family,
                  tidy=(Tidy("intention_gap", {"indicator": "item", "estimate": "difference", "group": unit,
                                               "reference": lambda t: np.repeat(STAFF, len(t))},
                             {"dimension": unit}),))


def perspective_sizes(design: SurveyDesign) -> GroupSizes:
    return GroupSizes.of(with_perspectives(design).data, [PERSPECTIVE])

"""Measurement invariance of every survey scale, per group dimension (latest wave) and per pair of
consecutive waves, for chapter 01 (issue 28).

Why: the report compares group means of scales; that comparison is only fair when the scale measures
the same in every group (scalar invariance). Each scale is fitted as a multi-group CFA (ML on the
design-weighted statistics, lavaan's sampling-weights semantics; pipeline.measurement) on the same
cleaned and weighted respondents as the levels; a scale whose items are the union of other scales
(NIM inclusion = belonging + authenticity) is fitted with those scales as its factors. Where scalar
invariance fails, intercepts are freed one at a time (partial invariance) and the groups are compared
on the factor means of the partial model. Waves are compared as independent groups (the panel overlap
of repeated surveys is ignored: a close approximation for the fit indices, not a panel model).
"""
from __future__ import annotations

import pandas as pd

from pipeline.clean.scales import keyed_items
from pipeline.measurement.cfa import group_stats
from pipeline.measurement.invariance import latent_differences, level, partial_scalar, sequence
from pipeline.measurement.syntax import Model

MIN_GROUP_N = 100  # a group is fitted only with at least this many complete answers (and at least k)
LEVEL_CODE = {"configural": 0, "metric": 1, "partial_scalar": 2, "scalar": 3}
SAME = "De schaal meet in alle groepen hetzelfde: de gemiddelden zijn vergelijkbaar."
PARTIAL = ("De schaal meet niet in alle groepen hetzelfde: {items} werkt anders. Vergelijk de groepen op de "
           "andere vragen of per vraag.")
NOT_SAME = "De schaal meet niet in alle groepen hetzelfde: vergelijk per vraag."


def scale_model(name: str, scales: dict) -> Model:
    """One factor per scale; a scale made of other scales' items is fitted with those as its factors."""
    items = scales[name]["items"]
    parts = [n for n, s in scales.items() if n != name and set(s["items"]) < set(items)]
    if len(parts) > 1 and sorted(i for n in parts for i in scales[n]["items"]) == sorted(items):
        return Model(tuple((n, tuple(scales[n]["items"])) for n in parts))
    return Model(((name, tuple(items)),))


def keyed_frame(data: pd.DataFrame, scales: dict, ranges: dict) -> pd.DataFrame:
    """Every scale item as scored (reverse-keyed items reversed)."""
    cols = {}
    for name, spec in scales.items():
        x = keyed_items(data, spec, ranges[name])
        cols.update({c: x[c] for c in x})
    return pd.DataFrame(cols, index=data.index)


def analyse(data: pd.DataFrame, model: Model, group: str, weights: str | None, min_n: int,
            reference: str | None = None) -> dict | None:
    """The invariance sequence of one scale over the groups of `group` with at least `min_n` complete
    answers (`reference` first when present); None when fewer than two groups are left."""
    complete = data.dropna(subset=[*model.items, group, *([weights] if weights else [])])
    counts = complete[group].astype(str).value_counts()
    keep = sorted(counts[counts >= min_n].index)
    if reference is not None and str(reference) in keep:
        keep = [str(reference)] + [k for k in keep if k != str(reference)]
    if len(keep) < 2:
        return None
    sub = complete[complete[group].astype(str).isin(keep)]
    groups = group_stats(sub, model.items, group, weights, levels=keep)
    rows, fits = sequence(model, groups)
    reached = level(rows)
    out = {"rows": rows, "level": reached, "freed": (), "differences": [], "n": int(len(sub)), "groups": keep}
    if reached == "scalar":
        out["differences"] = latent_differences(fits["scalar"])
    elif reached == "metric":
        part = partial_scalar(model, groups, fits["metric"])
        if part.holds:
            out.update(level="partial_scalar", freed=part.freed, differences=latent_differences(part.fit))
    return out


def verdict(result: dict, labels: dict | None = None) -> str:
    """The plain-Dutch verdict of one comparison."""
    if result["level"] == "scalar":
        return SAME
    if result["level"] == "partial_scalar":
        names = [(labels or {}).get(i, i) for i in result["freed"]]
        items = ("vraag " + names[0]) if len(names) == 1 else ("de vragen " + ", ".join(names))
        return PARTIAL.format(items=items)
    return NOT_SAME


def comparisons(waves: dict[int, pd.DataFrame], scales: dict, ranges: dict, dimensions, weights: str | None,
                min_n: int, references: dict | None = None, skip=(),
                item_labels: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fit, verdict and group-comparison tables of one source: every scale (except `skip`) by every
    dimension in the latest wave, and over every pair of consecutive waves. No respondent counts are
    returned: a comparison's n against the published totals could give back the size of a group left out.
    `waves`: wave -> weighted respondent data (one frame per wave, the same respondents as the levels);
    `item_labels`: item -> how the verdict names it."""
    fit_rows, verdict_rows, diff_rows = [], [], []
    keyed = {w: pd.concat([keyed_frame(d, scales, ranges), d.drop(columns=[c for c in d if c in
                           {i for s in scales.values() for i in s["items"]}])], axis=1) for w, d in waves.items()}
    latest = max(waves)
    tasks = [(dim, str(latest), keyed[latest], dim) for dim in dimensions if dim in keyed[latest]]
    ordered = sorted(waves)
    for a, b in zip(ordered, ordered[1:]):
        both = pd.concat([keyed[a].assign(_golf=str(a)), keyed[b].assign(_golf=str(b))], ignore_index=True)
        tasks.append(("golf", f"{a}–{b}", both, "_golf"))
    for name in scales:
        if name in skip:
            continue
        model = scale_model(name, scales)
        for dim, wave_text, data, col in tasks:
            ref = (references or {}).get(dim) if dim != "golf" else wave_text.split("–")[0]
            res = analyse(data, model, col, weights, min_n, ref)
            if res is None:
                continue
            key = {"schaal": name, "indeling": dim, "metingen": wave_text}
            prev = None
            for r in res["rows"]:
                fit_rows.append({**key, "stap": r["step"], "chisq": r["chisq"], "df": r["df"], "cfi": r["cfi"],
                                 "rmsea": r["rmsea"], "srmr": r["srmr"], "delta_cfi": r.get("delta_cfi"),
                                 "delta_rmsea": r.get("delta_rmsea"),
                                 "houdt": "" if prev is None else ("ja" if r["holds"] else "nee"),
                                 "groepen": len(res["groups"])})
                prev = r
            verdict_rows.append({**key, "niveau": res["level"], "niveau_code": LEVEL_CODE[res["level"]],
                                 "afwijkende_vragen": ", ".join(res["freed"]), "oordeel": verdict(res, item_labels),
                                 "groepen": len(res["groups"])})
            for d in res["differences"]:
                diff_rows.append({**key, "factor": d["factor"], "groep": d["group"], "referentie": d["reference"],
                                  "verschil_sd": d["difference"], "model": res["level"]})
    fits = pd.DataFrame(fit_rows, columns=["schaal", "indeling", "metingen", "stap", "chisq", "df", "cfi", "rmsea",
                                           "srmr", "delta_cfi", "delta_rmsea", "houdt", "groepen"])
    verdicts = pd.DataFrame(verdict_rows, columns=["schaal", "indeling", "metingen", "niveau", "niveau_code",
                                                   "afwijkende_vragen", "oordeel", "groepen"])
    diffs = pd.DataFrame(diff_rows, columns=["schaal", "indeling", "metingen", "factor", "groep", "referentie",
                                             "verschil_sd", "model"])
    return fits.round({c: 4 for c in ("chisq", "cfi", "rmsea", "srmr", "delta_cfi", "delta_rmsea")}), verdicts, \
        diffs.round({"verschil_sd": 4})

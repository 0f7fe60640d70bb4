"""Careless responding: one declared definition (config `careless`), applied to every scale.

Why one definition: a respondent who did not read the questions gives noise on *every* scale, not
only on scales with reverse-worded items. Flagging on one scale and removing on another biased the
scales without reverse items (issue 26). The signals (Meade & Craig 2012; Curran 2016):

- longstring: the longest run of identical consecutive answers over the questionnaire's scale items
  (codebook order; a skipped item continues the run it sits in), flagged at `longstring.min_run` or more: one
  number, or one per source (a run a careful respondent practically never gives on that questionnaire;
  off for a source not listed: on a short battery a run of identical answers is often genuine);
- speed: completion time below `speed.min_minutes`;
- mahalanobis: the squared Mahalanobis distance of the answered items from the respondents' mean,
  flagged above the chi-square (1 - alpha) quantile with as many degrees of freedom as items answered
  (mean and pairwise covariance from all respondents, each missing-data pattern on its own sub-matrix).

`action: exclude` leaves flagged respondents out of every estimate; `keep` keeps them in. Either way
they stay in the processed file (column `onzorgvuldig`), so chapter 01 can show each level with and
without them. The demo generator applies the same rule to the population's potential answers
(`pipeline.synth.generate`), so the planted truth is the value for the staff the rule keeps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.careless_rule import (ACTIONS, DEFAULT_RULE, FLAG, REASON_NL, SIGNAL_COLUMNS,  # noqa: F401
                                          SIGNALS, check_rule, rule_from)


def battery(cb) -> list[str]:
    """The questionnaire's scale items, each once, in codebook order (the rule's item battery)."""
    return list(dict.fromkeys(i for spec in cb.scales.values() for i in spec["items"]))


def longstring(x: np.ndarray, blocks: list[list[int]] | None = None) -> np.ndarray:
    """Per row: the longest run of identical consecutive answers (Curran 2016). A skipped item inside a
    scale the respondent answered continues the run it sits in (it could have been that answer); a scale
    skipped as a whole (`blocks`: column positions per scale; e.g. the managers' self-rating, which other
    staff are routed past) is left out of the run, neither breaking nor lengthening it.

    Why: with skips simply left out, one chance skip made a respondent who gave the same answer to every
    other item unflaggable when `min_run` is the whole battery (the NIM's 16 items), so chance item
    non-response decided who counted, and the level was biased against the rule's own estimand (issue 26:
    census minus truth +0.0011 on NIM 2024 inclusion at full scale). A routed-out scale is not a chance
    skip: counting it as a wildcard would flag every consistent answerer next to it. A row with no
    answers has run 0."""
    x = np.asarray(x, dtype=float)
    out = np.zeros(len(x), dtype=int)
    if x.size == 0:
        return out
    skipped = np.isnan(x)
    passed = np.zeros_like(skipped)  # skipped as a whole scale: transparent
    for cols in blocks or []:
        whole = skipped[:, cols].all(axis=1)
        passed[np.ix_(whole, cols)] = True
    for v in np.unique(x[~skipped]):
        match = (x == v) | skipped
        run = np.zeros(len(x), dtype=int)
        for j in range(x.shape[1]):
            run = np.where(passed[:, j], run, np.where(match[:, j], run + 1, 0))
            out = np.maximum(out, run)
    out[skipped.all(axis=1)] = 0
    return out


def scale_blocks(cb) -> list[list[str]]:
    """Each scale's items, an item in the first scale that lists it (NIM: belonging and authenticity,
    not their total): the blocks `longstring` leaves out of a run when a respondent skipped one whole."""
    seen, out = set(), []
    for spec in cb.scales.values():
        own = [i for i in spec["items"] if i not in seen]
        seen |= set(own)
        if own:
            out.append(own)
    return out


def mahalanobis(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(D², items answered) per row. Mean and pairwise covariance over all rows; a row with missing
    answers is measured on the sub-vector and sub-matrix of the items it answered."""
    n, k = x.shape
    d2, df = np.full(n, np.nan), np.zeros(n, dtype=int)
    if n < k + 2:
        return d2, df
    mu = np.nanmean(x, axis=0)
    S = pd.DataFrame(x).cov(min_periods=2).to_numpy()
    answered = ~np.isnan(x)
    patterns, inverse = np.unique(answered, axis=0, return_inverse=True)
    for j, pat in enumerate(patterns):
        rows = np.flatnonzero(inverse.ravel() == j)
        if pat.sum() < 2:
            continue
        sub = S[np.ix_(pat, pat)]
        if not np.isfinite(sub).all():
            continue
        dev = x[np.ix_(rows, np.flatnonzero(pat))] - mu[pat]
        d2[rows] = np.einsum("ij,jk,ik->i", dev, np.linalg.pinv(sub), dev)
        df[rows] = int(pat.sum())
    return d2, df


def min_run(rule: dict, source: str | None) -> int | None:
    """The declared longstring threshold of `source` (None: not declared for it, signal off)."""
    m = (rule.get("longstring") or {}).get("min_run", {})
    v = m.get(source) if isinstance(m, dict) else m
    return None if v is None else int(v)


def flags(df: pd.DataFrame, items: list[str], rule: dict, source: str | None = None,
          blocks: list[list[str]] | None = None) -> pd.DataFrame:
    """One boolean column per declared signal (SIGNAL_COLUMNS) and their union (FLAG), per row.
    `items` in harmonised coding (missing answers NaN), in the questionnaire's order."""
    out = pd.DataFrame(index=df.index)
    items = [c for c in items if c in df]
    x = df[items].astype(float).to_numpy() if items else np.empty((len(df), 0))
    if rule.get("longstring") is not None and items and min_run(rule, source) is not None:
        where = [[items.index(i) for i in b if i in items] for b in blocks or []]
        out[SIGNAL_COLUMNS["longstring"]] = longstring(x, [b for b in where if b]) >= min_run(rule, source)
    if rule.get("speed") is not None and {"startdatum", "einddatum"} <= set(df.columns):
        minutes = (df["einddatum"] - df["startdatum"]).dt.total_seconds() / 60
        out[SIGNAL_COLUMNS["speed"]] = (minutes < float(rule["speed"]["min_minutes"])).to_numpy()
    if rule.get("mahalanobis") is not None and len(items) >= 2:
        from scipy import stats  # here, not at import: the settings check imports this module
        d2, k = mahalanobis(x)
        with np.errstate(invalid="ignore"):
            crit = stats.chi2.ppf(1 - float(rule["mahalanobis"]["alpha"]), np.maximum(k, 1))
            out[SIGNAL_COLUMNS["mahalanobis"]] = np.where(k >= 2, d2 > crit, False)
    out[FLAG] = out.any(axis=1) if out.shape[1] else False
    return out.astype(bool)


def reasons(flagged: pd.DataFrame, rule: dict) -> list[tuple[str, int]]:
    """(Dutch reason, respondents) per signal, counted in order: a respondent counts under the first
    signal that flagged them (as the exclusion table of the cleaning report counts)."""
    out, seen = [], pd.Series(False, index=flagged.index)
    for s in ("speed", "longstring", "mahalanobis"):
        col = SIGNAL_COLUMNS[s]
        if col not in flagged:
            continue
        new = flagged[col] & ~seen
        seen |= flagged[col]
        text = REASON_NL[s].format(**(rule.get(s) or {}))
        out.append((f"gemarkeerd (niet verwijderd): {text}" if rule["action"] == "keep" else text, int(new.sum())))
    return out


def careful(df: pd.DataFrame, rule: dict) -> pd.DataFrame:
    """The rows every estimate uses: without flagged respondents when the action is `exclude`."""
    if rule["action"] != "exclude" or FLAG not in df:
        return df
    return df.loc[~df[FLAG].astype(bool)]

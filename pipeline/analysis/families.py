"""The primary family: the programme indicators' tests, declared once, corrected together.

Why: a headline verdict must not depend on what else a chapter tests. The dashboard's survey
indicators (config `indicators`) took their p (BH) from whole-chapter families of hundreds of tests, so
adding an exploratory table changed a headline (issue 26). Here the indicators' gap in the latest wave
and their gap change since the baseline form ONE family of at most `multiplicity.max_primary` tests,
corrected with `multiplicity.primary` (bh: Benjamini–Hochberg; holm: Holm). Those rows carry family
`primair` in results.csv and their corrected p in `p_bh` (the column the dashboard reads). Every other
test keeps its chapter's named family: exploratory ("verkennend").
"""
from __future__ import annotations

# numpy and pandas are imported inside the functions: the settings check imports this module, and a
# no-op `make report` must not pay for them

PRIMARY = "primair"
METHODS = {"bh": "fdr_bh", "holm": "holm"}
DEFAULTS = {"primary": "bh", "max_primary": 12}


SUBSCALES = "subschalen"


def subscales(codebook, tested) -> list[str]:
    """The tested scales that are part of another tested scale (its items a proper subset of the
    other's): NIM belonging and authenticity within inclusion, whose score is their items' mean.

    Why: a total and its subscales are not independent tests of the same thing. The total is the
    tested outcome, corrected in the chapter's family; its subscales are exploratory detail, corrected
    in a family of their own, `<family>/subschalen`, so they neither dilute the total's correction nor
    count as further evidence for it."""
    scales = {c: set(codebook.scales[c]["items"]) for c in tested if c in codebook.scales}
    return [c for c, items in scales.items() if any(items < other for o, other in scales.items() if o != c)]


def subscale_split(codebook, tested, column: str, family: str):
    """The `publish.Split` that moves the subscales' rows (`column` holds the scale) of a result in
    `family` to `<family>/subschalen`; None when no tested scale is part of another."""
    from pipeline.disclosure.publish import Split
    subs = subscales(codebook, tested)
    return Split(column, frozenset(subs), f"{family}/{SUBSCALES}") if subs else None


def rule(settings) -> dict:
    return {**DEFAULTS, **(settings.raw.get("multiplicity") or {})}


def check(raw) -> list[str]:
    """Problems in config `multiplicity` and the size of the primary family it implies."""
    m = raw.get("multiplicity")
    if m is None:
        m = {}
    if not isinstance(m, dict):
        return ["multiplicity: expected a mapping"]
    out = [f"multiplicity: unknown key '{k}' (known: primary, max_primary)" for k in m if k not in DEFAULTS]
    method = m.get("primary", DEFAULTS["primary"])
    if method not in METHODS:
        out.append(f"multiplicity.primary: expected one of {', '.join(METHODS)}, got {method!r}")
    cap = m.get("max_primary", DEFAULTS["max_primary"])
    n = 2 * len(raw.get("indicators") or [])
    if isinstance(cap, int) and n > cap:
        out.append(f"multiplicity: the {len(raw.get('indicators') or [])} programme indicators make a primary family "
                   f"of {n} tests (gap and gap change each), more than max_primary = {cap}")
    return out


def primary_rows(results, indicators):
    """Positions of the primary tests: per indicator its gap change (baseline to latest wave) and its
    gap in the latest wave with a p (the levels chapter's test)."""
    import numpy as np
    s = results.astype({c: str for c in ("source", "statistic", "indicator", "dimension", "group", "waves")})
    has_p = results["p"].notna().to_numpy()
    picked = []
    for ind in indicators:
        mine = ((s["source"] == ind.source) & (s["indicator"] == ind.construct) & (s["dimension"] == ind.dimension)
                & (s["group"] == ind.group)).to_numpy()
        change = np.flatnonzero(mine & (s["statistic"] == "gap_change").to_numpy() & has_p)
        gap = np.flatnonzero(mine & (s["statistic"] == "gap").to_numpy() & has_p)
        if len(change):
            picked.append(change[0])
        if len(gap):
            latest = s["waves"].iloc[gap].astype(int).to_numpy()
            picked.append(gap[np.argmax(latest)])
    return np.array(sorted(set(picked)), dtype=int)


def with_primary(results, settings):
    """`results` with the primary tests' family set to `primair` and p_bh corrected within it."""
    import numpy as np
    from statsmodels.stats.multitest import multipletests
    if results.empty or "p" not in results:
        return results
    rows = primary_rows(results, settings.indicators)
    out = results.copy()
    if not len(rows):
        return out
    p = out["p"].iloc[rows].astype(float).to_numpy()
    ok = ~np.isnan(p) & ~out["suppressed"].iloc[rows].astype(bool).to_numpy()
    adj = np.full(len(rows), np.nan)
    if ok.any():
        adj[ok] = multipletests(p[ok], method=METHODS[rule(settings)["primary"]])[1]
    col_bh, col_family = out.columns.get_loc("p_bh"), out.columns.get_loc("family")
    out.iloc[rows, col_bh] = adj
    out.iloc[rows, col_family] = PRIMARY
    return out


def with_twins(results):
    """Every published p with its corrected twin and a family: p-values a chapter published without a
    correction (e.g. the adjusted gap changes beside the raw ones, Rao–Scott tests beside the changes,
    trend slopes) are BH-corrected within their own exploratory family, named
    `<chapter family or chapter/table>/<statistic>` (never pooled with the raw tests they accompany)."""
    from pipeline.stats import bh
    if results.empty:
        return results
    out = results.copy()
    todo = out["p"].notna() & out["p_bh"].isna() & ~out["suppressed"].astype(bool)
    if not todo.any():
        return out
    base = out["family"].where(out["family"].notna() & (out["family"].astype(str) != ""),
                               out["chapter"].astype(str) + "/" + out["table"].astype(str))
    name = base.astype(str) + "/" + out["statistic"].astype(str)
    for fam, idx in out[todo].groupby(name[todo]).groups.items():
        out.loc[idx, "p_bh"] = bh(out.loc[idx, "p"]).to_numpy()
        out.loc[idx, "family"] = fam
    return out

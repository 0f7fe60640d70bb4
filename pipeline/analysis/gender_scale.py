"""The share of women per pay-scale band and from scale 12 up, per year, for the organisation and
every directorate (HR register).

Why: action plans (Data: "het aandeel vrouwen, met name in de hogere salarisschalen, is
ondervertegenwoordigd") follow women in the higher scales; chapter 04 and the directorate pages show
it. Each band is counted as a declared target of kind `share` would be (`targets.counts`: the same
rule, `counted: {column: geslacht, levels: [vrouw]}`, staff of unknown gender out of the denominator)
and published by the same disclosure rule as the targets per directorate (`targets.count_results`:
organisation by the rate rule, directorates linked across the organisation total, counts to base 5
and shares to whole percentages, the nested 12+ and its bands audited), so a page, chapter 04 and a
Data goal counting women from scale 12 show the same number.
"""
from __future__ import annotations

import pandas as pd

from pipeline.analysis import targets as T
from pipeline.config import classifications

WOMEN = {"column": "geslacht", "levels": ["vrouw"]}
HIGHER_FROM = 12  # "vanaf schaal 12": the higher scales as the programme's targets count them
HIGHER = f"{HIGHER_FROM}+"


def bands() -> dict[str, tuple[float | None, float | None]]:
    """Band label -> pay-scale range (inclusive), from the scale bands of classifications.yaml
    (left-closed breaks [10, 12, 15]: <=9, 10-11, 12-14, 15+), then the higher scales from 12 up."""
    spec = classifications()["bands"]["scale"]
    edges = [None, *spec["breaks"], None]
    out = {lab: (lo, None if hi is None else hi - 1) for lab, lo, hi in zip(spec["labels"], edges[:-1], edges[1:])}
    return {**out, HIGHER: (HIGHER_FROM, None)}


def _targets() -> list[T.Target]:
    return [T.from_dict({"name": f"vrouwen:{band}", "label": band, "scope": "organisation", "counted": WOMEN,
                         "kind": "share", "value": 0, "baseline_year": 0, "target_year": 1,
                         "scale": list(scale)})
            for band, scale in bands().items()]


def counts(snapshots: dict[int, pd.DataFrame], young_cutoff: int = 35) -> pd.DataFrame:
    """Per band, unit (organisation and directorates) and year: women (`aantal`), staff of known gender
    (`noemer`), headcount (`n`) and share; `schaalgroep` names the band, `indicator` is
    `women_share:<band>` in results.csv."""
    out = T.counts(snapshots, _targets(), young_cutoff)
    out["schaalgroep"] = out["target"].str.split(":", n=1).str[1]
    out["indicator"] = "women_share:" + out["schaalgroep"]
    return out


def results(table: pd.DataFrame) -> dict:
    """The counts as publishable results: `gender_org` and `gender_dir` (see `targets.count_results`)."""
    pub = T.count_results(table)
    return {"gender_org": pub["targets_org"], "gender_dir": pub["targets_dir"]}


def wide_org(table: pd.DataFrame, decimals: int | None = None) -> pd.DataFrame:
    """The organisation per year (rows) and band (columns): the published share of women, to `decimals`
    of the fraction (config disclosure.rounding.register_shares, as every register share in a table)."""
    t = table.assign(schaalgroep=table["target"].str.split(":", n=1).str[1])
    if decimals is not None:
        t["aandeel"] = t["aandeel"].round(decimals)
    wide = t.pivot(index="jaar", columns="schaalgroep", values="aandeel").reindex(columns=list(bands()))
    wide.columns.name = None
    return wide.rename(columns=column_labels()).reset_index()


def wide_units(table: pd.DataFrame, year: str, names: dict) -> pd.DataFrame:
    """Directorate (rows, by name) x band: the published share of women in `year`, sorted on scale 12+."""
    t = table[table["jaar"] == year].assign(schaalgroep=lambda d: d["target"].str.split(":", n=1).str[1])
    wide = t.pivot(index="eenheid", columns="schaalgroep", values="aandeel").reindex(columns=list(bands()))
    wide.index = [names.get(c, c) for c in wide.index]
    wide.columns.name = None
    wide = wide.sort_values(HIGHER, ascending=False, na_position="last")
    return wide.rename(columns=column_labels()).rename_axis("directie").reset_index()


def column_labels() -> dict[str, str]:
    """Band -> column header in Dutch ('schaal 12–14', 'vanaf schaal 12')."""
    out = {}
    for band, (lo, hi) in bands().items():
        out[band] = (f"vanaf schaal {lo}" if hi is None else f"tot en met schaal {hi}" if lo is None
                     else f"schaal {lo}–{hi}")
    return out


def unit_table(own: pd.DataFrame, org: pd.DataFrame) -> pd.DataFrame:
    """Per band and year a directorate's women (count, staff of known gender, share) beside the
    organisation's share: the table of a directorate page."""
    org_share = {(r.target, r.jaar): r.aandeel for r in org.itertuples()}
    names = column_labels()
    rows = [{"schaalgroep": names[r.target.split(":", 1)[1]], "jaar": r.jaar, "aantal": r.aantal, "noemer": r.noemer,
             "directie": T.show_value(r.aandeel, False), "gemeente": T.show_value(org_share.get((r.target, r.jaar)), False)}
            for r in own.itertuples()]
    order = {v: i for i, v in enumerate(names.values())}
    out = pd.DataFrame(rows, columns=["schaalgroep", "jaar", "aantal", "noemer", "directie", "gemeente"])
    return out.sort_values(["schaalgroep", "jaar"], key=lambda s: s.map(order) if s.name == "schaalgroep" else s,
                           kind="stable").reset_index(drop=True)


PARTITION = ("<=9", "10-11", "12-14", "15+")  # the bands add up to the staff of known gender
INSIDE_HIGHER = ("12-14", "15+")  # the bands the higher scales (12+) are made of


def protect(pub):
    """Per directorate and year, the identities between the bands, which the per-table rule does not
    see: the higher scales are 12-14 plus 15+, and the four bands add up to the staff of known gender
    (about the published headcount). Where a band is hidden, the higher scales go too when the band is
    part of them, and so does the smallest other shown band, so no hidden band is a difference of
    shown numbers. `pub`: the published `gender_dir` (a Published table)."""
    import numpy as np

    from pipeline.disclosure.publish import hide_cells
    t = pub.table
    band = t["target"].str.split(":", n=1).str[1].to_numpy()
    hidden = (t["aantal"].isna() | t["noemer"].isna()).to_numpy()
    hide = np.zeros(len(t), bool)
    for _, idx in t.groupby(["eenheid", "jaar"], sort=False).indices.items():
        mine = {band[i]: i for i in idx}
        if not any(hidden[mine[b]] for b in PARTITION if b in mine):
            continue
        if any(hidden[mine[b]] for b in INSIDE_HIGHER if b in mine) and HIGHER in mine:
            hide[mine[HIGHER]] = True
        shown = [mine[b] for b in PARTITION if b in mine and not hidden[mine[b]]]
        if sum(hidden[mine[b]] for b in PARTITION if b in mine) == 1 and shown:
            hide[min(shown, key=lambda i: t["noemer"].iat[i])] = True
        if any(hide[mine[b]] for b in INSIDE_HIGHER if b in mine) and HIGHER in mine:
            hide[mine[HIGHER]] = True
    return hide_cells(pub, hide, ("aantal", "noemer", "aandeel"))

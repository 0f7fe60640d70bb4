"""In-, through- and outflow per directorate and group, next to the organisation's (HR register).

Why: a directorate's action plan is about its own intake, promotion and leaving; directorates are
small, so every rate here shares one denominator — the group's headcount at the start of the period —
and no derived denominator (stayers) is published: a directorate's stayers are its start minus its
leavers, which would give away a hidden leavers count. Throughflow is therefore the share of the
start headcount that moved up a pay-scale band and stayed (chapter 04 divides by the stayers).
Suppression: per period and flow the table directorate x group has published margins (a
directorate's headcount on its page, the organisation's count per group), so rule 2 applies in both
directions (`CrossedCounts`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import band_order
from pipeline.disclosure.publish import CrossedCounts, Rates, Result, Rounding
from pipeline.results import Tidy

ORGANISATION = "gemeente"
FLOWS = ("instroom", "uitstroom", "doorstroom")


def flows(snapshots: dict[int, pd.DataFrame], group: str, unit: str = "directie_code",
          id_col: str = "pseudo_id") -> pd.DataFrame:
    """Per period, unit (every directorate and the organisation), group level and flow: aantal
    (hires into / leavers out of the unit, or stayers in it who moved up a band) and noemer (the
    group's headcount in the unit at the start). A move between directorates is leaving one and
    joining the other."""
    years = sorted(snapshots)
    rank = {b: i for i, b in enumerate(band_order())}
    frames = []
    for y0, y1 in zip(years[:-1], years[1:]):
        a = snapshots[y0].assign(_u=lambda d: d[unit].astype(str)).set_index(id_col)
        b = snapshots[y1].assign(_u=lambda d: d[unit].astype(str)).set_index(id_col)
        unit_b = b["_u"].reindex(a.index)
        unit_a = a["_u"].reindex(b.index)
        stay = (unit_b == a["_u"]).to_numpy()
        up = stay & (b["schaalband"].astype(str).reindex(a.index).map(rank).to_numpy(float)
                     > a["schaalband"].astype(str).map(rank).to_numpy(float))
        start = pd.DataFrame({"u": a["_u"].to_numpy(), "g": a[group].astype("object").to_numpy(),
                              "noemer": 1, "uitstroom": ~stay, "doorstroom": up})
        hires = pd.DataFrame({"u": b["_u"].to_numpy(), "g": b[group].astype("object").to_numpy(),
                              "instroom": (unit_a != b["_u"]).to_numpy()})
        org_hires = pd.DataFrame({"g": b[group].astype("object").to_numpy(), "instroom": ~b.index.isin(a.index)})
        org_start = start.assign(uitstroom=~a.index.isin(b.index),
                                 doorstroom=b["schaalband"].astype(str).reindex(a.index).map(rank).to_numpy(float)
                                 > a["schaalband"].astype(str).map(rank).to_numpy(float))
        per = [(start.groupby(["u", "g"])[["noemer", "uitstroom", "doorstroom"]].sum(),
                hires.groupby(["u", "g"])["instroom"].sum()),
               (org_start.groupby("g")[["noemer", "uitstroom", "doorstroom"]].sum()
                .assign(u=ORGANISATION).set_index("u", append=True).reorder_levels(["u", "g"]),
                org_hires.groupby("g")["instroom"].sum().to_frame().assign(u=ORGANISATION)
                .set_index("u", append=True).reorder_levels(["u", "g"])["instroom"])]
        for st, hi in per:
            t = st.join(hi, how="outer").fillna(0).astype(int).reset_index().rename(columns={"u": "eenheid", "g": "groep"})
            long = t.melt(id_vars=["eenheid", "groep", "noemer"], value_vars=list(FLOWS), var_name="stroom",
                          value_name="aantal")
            frames.append(long.assign(periode=f"{y0}-{y1}"))
    columns = ["periode", "stroom", "eenheid", "groep", "aantal", "noemer"]
    out = pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns).astype(
        {"aantal": float, "noemer": float})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["rate"] = out["aantal"] / out["noemer"].where(out["noemer"] > 0)
    return out


def flow_results(table: pd.DataFrame, group: str) -> dict[str, Result]:
    """Organisation rows (rate rule) and directorate rows (rule 2 on directorate x group)."""
    tidy = (Tidy("rate", {"indicator": "stroom", "estimate": "rate", "waves": "periode", "group": "groep",
                          "n": "noemer", "category": "eenheid"}, {"dimension": group}),)
    org = table[table["eenheid"] == ORGANISATION].reset_index(drop=True)
    units = table[table["eenheid"] != ORGANISATION].reset_index(drop=True)
    # the register's rounding rule (config disclosure.rounding) on both: the organisation's flows are
    # the same cells as chapter 04's, and exact counts on a page would undo the rounding there
    # and every rate is the rounded count over the rounded base (a rate of exact counts times its base
    # gives the exact count back)
    rounding = Rounding(counts=("aantal", "noemer"), rates=("rate",), ratios=(("rate", "aantal", "noemer"),))
    return {"flows_org": Result(org, Rates("aantal", "noemer", columns=("rate",), rounding=rounding), tidy=tidy),
            "flows_dir": Result(units, CrossedCounts(rows="eenheid", columns="groep", counts=("aantal", "noemer"),
                                                     key=("periode", "stroom"),
                                                     also={"aantal": ("rate",), "noemer": ("rate",)},
                                                     rounding=rounding), tidy=tidy)}

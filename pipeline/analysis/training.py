"""Training participation: the share of managers and of selection-committee members who completed
each course, linked from the learning system's export to the register by the pseudonymous key.

Why linked: the export lists who followed a course, the register who holds which role at the end of
each year; only together do they give the programme's indicator ("alle leidinggevenden hebben de
training inclusieve werving en selectie gevolgd"). Training is cumulative: a person counts as trained
in year y when any export up to y shows the course completed (also one made while in another role).
A census of role holders, so exact counts and no sampling intervals.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.publish import Counts, LinkedCounts, Rates, Result
from pipeline.results import Tidy

DONE = "afgerond"


def completed(records: dict[int, pd.DataFrame], year: int, course: str) -> set[str]:
    """Pseudonyms with `course` completed in an export of `year` or earlier."""
    out: set[str] = set()
    for y, df in records.items():
        if y <= year:
            sel = (df["cursuscode"].astype("object") == course) & (df["status"].astype("object") == DONE)
            out |= set(df.loc[sel, "pseudo_id"])
    return out


def participation(snapshots: dict[int, pd.DataFrame], records: dict[int, pd.DataFrame], courses: dict, roles: dict,
                  target: float, *, by: str | None = None) -> pd.DataFrame:
    """Per year, course and role (and `by`, e.g. directie_code): role holders `n`, trained, share, and
    the distance to the target."""
    rows = []
    for year, reg in sorted(snapshots.items()):
        for course in courses:
            trained = reg["pseudo_id"].isin(completed(records, year, course)).to_numpy()
            for role in roles:
                holder = (reg[role].astype("object") == "ja").to_numpy()
                keys = reg[by].astype(str).to_numpy()[holder] if by else np.repeat("gemeente", holder.sum())
                g = pd.DataFrame({"key": keys, "t": trained[holder]}).groupby("key")["t"].agg(["size", "sum"])
                for key, r in g.iterrows():
                    rows.append({"tabel": f"{year} {course} {role}", "jaar": str(year), "cursus": course, "rol": role,
                                 **({by: key} if by else {}), "n": int(r["size"]), "getraind": int(r["sum"])})
    cols = ["tabel", "jaar", "cursus", "rol", *([by] if by else []), "n", "getraind"]
    out = pd.DataFrame(rows, columns=cols)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["aandeel"] = out["getraind"] / out["n"]
    out["doel"] = float(target)
    out["verschil"] = out["aandeel"] - out["doel"]
    return out


def _tidy(unit: str | None) -> tuple[Tidy, ...]:
    cols = {"indicator": lambda t: "training_" + t["cursus"].astype(str) + "_" + t["rol"].astype(str),
            "estimate": "aandeel", "n": "n", "waves": "jaar"}
    if unit:
        cols["group"] = unit
    return (Tidy("share", cols, {"dimension": unit} if unit else {}),)


def organisation(table: pd.DataFrame) -> Result:
    """City-wide shares. Disclosure: register rule — a trained count of 1..k-1 or fewer than k role
    holders hides the share (and the not-trained complement is the role holders minus it)."""
    return Result(table, Rates("getraind", "n", columns=("aandeel", "verschil"), attribute=True), tidy=_tidy(None))


def by_unit(table: pd.DataFrame, unit: str = "directie_code") -> Result:
    """Per directorate: trained and not trained are the two cells of each directorate whose city totals
    are published, so a hidden cell must not follow from them (linked-table rule, secondary suppression)."""
    return Result(table, LinkedCounts(unit=unit, pairs=(("getraind", "n"),), shares={"getraind": "aandeel"},
                                      depends={"getraind": ("verschil",)}, total="n", year="tabel",
                                      attribute=True),
                  tidy=_tidy(unit))


def linkage(records: dict[int, pd.DataFrame], snapshots: dict[int, pd.DataFrame]) -> Result:
    """Completed course records whose person is (or was) in the register, and those that are not
    (trainers from outside, staff without a personnel number): the link's coverage."""
    known = set().union(*(set(s["pseudo_id"]) for s in snapshots.values())) if snapshots else set()
    done = pd.concat([df[df["status"].astype("object") == DONE] for df in records.values()], ignore_index=True)
    linked = done["pseudo_id"].isin(known)
    table = pd.DataFrame({"koppeling": ["in het HR-register", "niet in het HR-register"],
                          "aantal": [int(linked.sum()), int((~linked).sum())]})
    table["aandeel"] = table["aantal"] / max(len(done), 1)
    return Result(table, Counts("aantal", ("aandeel",)),
                  tidy=(Tidy("share", {"category": "koppeling", "estimate": "aandeel"}, {"indicator": "training_linkage"}),))

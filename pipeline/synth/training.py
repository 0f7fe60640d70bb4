"""Manager and selection-committee roles in the register, and the learning system's export of
course records (person, course, status, date): the demo data of source `training`.

Why: the action plans set a training target ("alle leidinggevenden hebben de training inclusieve
werving en selectie gevolgd"); the pipeline links the export to the register by the pseudonymous key
and must recover the planted share of role holders trained per course, year and directorate.

A person's role and the year they complete a course follow from fixed per-person draws, so roles
persist across years and training is cumulative (once trained, trained in every later year).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

COURSES = {"IWS": "Inclusief werven en selecteren", "IL": "Inclusief leiderschap"}


def with_roles(snap: pd.DataFrame, seed: int, p: dict) -> pd.DataFrame:
    """Add the register's role flags `manager` and `committee` (persistent per person)."""
    r = p["roles"]
    draws = np.random.default_rng([seed, 1801]).random((int(snap["person_id"].max()) + 1, 2))
    u, v = draws[snap["person_id"].to_numpy(), 0], draws[snap["person_id"].to_numpy(), 1]
    manager = u < expit(r["manager_logit"]["intercept"] + r["manager_logit"]["per_scale"] * (snap["salarisschaal"].to_numpy() - 10))
    committee = np.where(manager, v < r["committee_if_manager"], v < r["committee_if_not"])
    return snap.assign(manager=manager, committee=committee)


def completions(snap: pd.DataFrame, years: list[int], seed: int, p: dict) -> dict[int, dict[str, np.ndarray]]:
    """Year -> course -> person ids who completed the course in that year (the first export holds
    everything completed up to its year).

    A role holder of year y is trained by y when a fixed per-person uniform draw lies below the
    cumulative share for y (logit share + directorate effect); staff in neither role train rarely
    (`other`). Once trained, a person stays trained, also after changing role or directorate."""
    t = p["training"]
    codes = sorted(snap["directie_code"].unique())
    dir_eff = pd.Series(np.random.default_rng([seed, 1802]).normal(0, t["directorate_sd"], len(codes)), index=codes)
    n_ids = int(snap["person_id"].max()) + 1
    out: dict[int, dict[str, np.ndarray]] = {y: {} for y in years}
    for i, (course, spec) in enumerate(t["courses"].items()):
        u = np.random.default_rng([seed, 1803, i]).random(n_ids)
        trained = np.zeros(n_ids, dtype=bool)
        for y in sorted(years):
            s = snap[snap["year"] == y]
            eff = dir_eff.reindex(s["directie_code"]).to_numpy()
            share = np.where(s["manager"], expit(logit(spec["manager"][y]) + eff),
                             np.where(s["committee"], expit(logit(spec["committee"][y]) + eff), spec["other"]))
            ids = s["person_id"].to_numpy()
            new = ids[(u[ids] < share) & ~trained[ids]]
            trained[new] = True
            out[y][course] = new
    return out


def training_truth(snap: pd.DataFrame, years: list[int], seed: int, p: dict) -> dict:
    """Share of managers / committee members of each year's register who completed each course by then,
    city-wide and per directorate."""
    done = completions(snap, years, seed, p)
    out = {}
    for y in years:
        s = snap[snap["year"] == y]
        entry = {}
        for course in done[y]:
            ever = np.concatenate([done[x][course] for x in years if x <= y])
            trained = s["person_id"].isin(ever).to_numpy()
            for role in ("manager", "committee"):
                sel = s[role].to_numpy()
                by_dir = pd.Series(trained[sel]).groupby(s["directie_code"].to_numpy()[sel]).agg(["mean", "size"])
                entry[f"{course}:{role}"] = {"share": float(trained[sel].mean()), "n": int(sel.sum()),
                                             "directorates": {k: {"share": float(r["mean"]), "n": int(r["size"])}
                                                              for k, r in by_dir.iterrows()}}
        out[y] = entry
    return out


def export(snap: pd.DataFrame, year: int, years: list[int], seed: int, p: dict) -> pd.DataFrame:
    """The learning system's records of `year`: completions of the two courses by staff of that year,
    open or cancelled enrolments, other courses, and a few people outside the register."""
    t = p["training"]
    rng = np.random.default_rng([seed, 1804, year])
    done = completions(snap, years, seed, p)
    s = snap[snap["year"] == year]
    pid = s["person_id"].to_numpy()
    rows = []
    for course, ids in done[year].items():
        ever = np.concatenate([done[x][course] for x in years if x <= year])
        rows.append(pd.DataFrame({"person_id": ids, "cursuscode": course, "status": "Afgerond"}))
        open_ = ~np.isin(pid, ever) & (s["manager"] | s["committee"]).to_numpy() & (rng.random(len(s)) < t["not_completed_rate"])
        rows.append(pd.DataFrame({"person_id": pid[open_], "cursuscode": course,
                                  "status": rng.choice(["Ingeschreven", "Afgemeld"], int(open_.sum()), p=[0.7, 0.3])}))
    other = np.flatnonzero(rng.random(len(s)) < t["noise_rate"])
    rows.append(pd.DataFrame({"person_id": pid[other], "cursuscode": rng.choice(list(t["noise_courses"]), len(other)),
                              "status": "Afgerond"}))
    df = pd.concat(rows, ignore_index=True)
    day = pd.to_datetime(f"{year}-01-01") + pd.to_timedelta(rng.integers(0, 365, len(df)), unit="D")
    ext = int(t["external_records"])
    out = pd.DataFrame({
        "medewerkernummer": np.concatenate([(1_000_000 + df["person_id"]).astype(str).to_numpy(),
                                            [f"{9_000_000 + year * 100 + i}" for i in range(ext)]]),
        "cursuscode": np.concatenate([df["cursuscode"].to_numpy(), np.repeat("IWS", ext)]),
        "status": np.concatenate([df["status"].to_numpy(), np.repeat("Afgerond", ext)]),
        "datum": np.concatenate([day.strftime("%Y-%m-%d").to_numpy(),
                                 np.repeat(f"{year}-06-15", ext)]),
    })
    return out.sample(frac=1, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)


def write(out, snap: pd.DataFrame, seed: int, p: dict) -> tuple[dict[int, str], dict]:
    """training_<year>.csv for each year with course targets (semicolon CSV, as the learning system
    exports it); returns (year -> file name, truth)."""
    from pipeline.io import atomic_path
    years = sorted(next(iter(p["training"]["courses"].values()))["manager"])
    files = {}
    for y in years:
        path = out / f"training_{y}.csv"
        with atomic_path(path) as tmp:
            export(snap, y, years, seed, p).to_csv(tmp, sep=";", index=False, encoding="utf-8")
        files[y] = path.name
    return files, training_truth(snap, years, seed, p)

"""Simulate the city's workforce year by year, with joiners, leavers and promotions.

Why: surveys are drawn from the workforce of their year, and the register targets and flows are
facts of this simulated population, so both must come from one consistent simulation.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.config import classifications

DIRECTORATES = [
    "Data", "Dienstverlening", "Werk, Participatie en Inkomen", "Onderwijs", "Jeugd", "Zorg", "Wonen",
    "Ruimte en Duurzaamheid", "Verkeer en Openbare Ruimte", "Stadsdeel Centrum", "Stadsdeel Noord",
    "Stadsdeel West", "Stadsdeel Nieuw-West", "Stadsdeel Zuid", "Stadsdeel Oost", "Stadsdeel Zuidoost",
    "Stadsdeel Weesp", "Financiën", "Juridische Zaken", "Communicatie", "Personeel en Organisatie",
    "Inkoop", "Facilitair Bureau", "Informatievoorziening", "Onderzoek en Statistiek",
    "Openbare Orde en Veiligheid", "Kunst en Cultuur", "Economische Zaken", "Grond en Ontwikkeling",
    "Belastingen", "Parkeren", "Afval en Grondstoffen", "Sport en Bos", "Stadswerken",
    "Metro en Tram", "Water", "Bestuursdienst", "Erfgoed", "Gezondheid", "Audit",
]


def directorate_table(n: int, rng: np.random.Generator, profiles: dict | None = None) -> pd.DataFrame:
    """Codes, names and relative sizes; the last one (Audit) is deliberately tiny for suppression.
    `profiles` (synth.yaml `directorate_profiles`): planted share of the workforce of named directorates."""
    sizes = rng.lognormal(mean=0.0, sigma=0.75, size=n)
    sizes[-1] = sizes.sum() * 0.0018  # ~40 staff
    w = sizes / sizes.sum()
    names = DIRECTORATES[:n]
    fixed = {i: float(profiles[nm]["size"]) for i, nm in enumerate(names) if nm in (profiles or {})}
    if fixed:
        free = [i for i in range(n) if i not in fixed]
        w[free] *= (1 - sum(fixed.values())) / w[free].sum()
        for i, share in fixed.items():
            w[i] = share
    return pd.DataFrame({"directie_code": [f"D{i + 1:02d}" for i in range(n)], "directie": names, "weight": w})


def _tilt_directorates(people: pd.DataFrame, dirs: pd.DataFrame, profiles: dict, rng: np.random.Generator) -> np.ndarray:
    """Directorate of each new person with the planted starting points of the directorates that have
    an action plan: their odds for young staff (< 35) and for non-western staff in scale 12 and up
    are multiplied by the profile's `young_odds` and `nonwestern_12plus_odds`. Drawn from its own
    generator, so the rest of the simulation is the same as without profiles."""
    young = (people["age"].to_numpy() < 35).astype(float)
    nw12 = ((people["herkomst_oud"].to_numpy() == "niet_westers") & (people["salarisschaal"].to_numpy() >= 12)).astype(float)
    logw = np.tile(np.log(dirs["weight"].to_numpy()), (len(people), 1))
    for j, name in enumerate(dirs["directie"]):
        prof = profiles.get(name)
        if prof:
            logw[:, j] += young * np.log(prof.get("young_odds", 1.0)) + nw12 * np.log(prof.get("nonwestern_12plus_odds", 1.0))
    prob = np.exp(logw - logw.max(axis=1, keepdims=True))
    cum = np.cumsum(prob / prob.sum(axis=1, keepdims=True), axis=1)
    pick = (rng.random(len(people))[:, None] > cum).sum(axis=1)
    return dirs["directie_code"].to_numpy()[np.minimum(pick, len(dirs) - 1)]


def _origin_attributes(origin: np.ndarray) -> dict[str, np.ndarray]:
    cw = classifications()["origin"]
    old = np.array([cw[o]["old"] for o in origin])
    return {
        "herkomst_oud": old,
        "herkomst_cbs_groep": np.array([cw[o]["cbs_group"] for o in origin]),
        "herkomst_cbs": np.array([cw[o]["cbs_continent"] for o in origin]),
    }


def _draw_scale(age, nonwestern, western, man, rng):
    latent = 8.6 + 0.06 * (age - 40) - 1.3 * nonwestern - 0.4 * western + 0.3 * man + rng.normal(0, 2.3, len(age))
    return np.clip(np.rint(latent), 1, 18).astype(int)


def _new_people(n, ids, year, p, dirs, rng, *, age_mean, age_sd, nonwestern_share=None, high_scale_share=0.0):
    pop = p["population"]
    origins = np.array(list(pop["origin"]))
    shares = np.array(list(pop["origin"].values()), dtype=float)
    cw = classifications()["origin"]
    is_nw = np.array([cw[o]["old"] == "niet_westers" for o in origins])
    if nonwestern_share is None:
        probs = shares / shares.sum()
    else:  # fix the non-western share among hires, keep relative shares within each block
        probs = np.where(is_nw, shares / shares[is_nw].sum() * nonwestern_share,
                         shares / shares[~is_nw].sum() * (1 - nonwestern_share))
    origin = rng.choice(origins, size=n, p=probs)
    gender = rng.choice(list(pop["gender"]), size=n, p=np.array(list(pop["gender"].values())))
    age = np.clip(np.rint(rng.normal(age_mean, age_sd, n)), 18, 66).astype(int)
    attrs = _origin_attributes(origin)
    nw = (attrs["herkomst_oud"] == "niet_westers").astype(float)
    w = (attrs["herkomst_oud"] == "westers").astype(float)
    scale = _draw_scale(age, nw, w, (gender == "man").astype(float), rng)
    high = rng.random(n) < high_scale_share
    scale = np.where(high, rng.integers(12, 16, n), scale)
    migrant = origin != "nederland"
    born_abroad = migrant & (rng.random(n) < pop["born_abroad_given_migration"])
    tenure = np.zeros(n, dtype=int) if nonwestern_share is not None else np.minimum(
        rng.integers(0, 35, n), np.maximum(age - 18, 0))
    return pd.DataFrame({
        "person_id": ids,
        "directie_code": rng.choice(dirs["directie_code"].to_numpy(), size=n, p=dirs["weight"].to_numpy()),
        "geslacht": gender,
        "age": age,
        "salarisschaal": scale,
        "origin": origin,
        **attrs,
        "generatie": np.where(~migrant, "geen", np.where(born_abroad, "migrant", "kind_van_migrant")),
        "geboorteland_nl": ~born_abroad,
        "lhbtiq": rng.random(n) < pop["lgbtiq"],
        "beperking": rng.random(n) < pop["disability"],
        "tenure": tenure,
        "hire_year": year - tenure,
        "fte": np.round(rng.choice([1.0, 0.889, 0.8, 0.667, 0.5], size=n, p=[0.55, 0.25, 0.1, 0.06, 0.04]), 4),
        "person_effect": rng.normal(0, 0.6, n),
        "birth_day": rng.integers(1, 366, n),
    })


def simulate_workforce(p: dict, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (snapshots, directorates, events).

    snapshots: one row per person per year (end-of-year workforce);
    events: per person and year the flags hired / left / promoted, the generator's own bookkeeping
    against which the register flow analysis is checked.
    """
    profiles = p.get("directorate_profiles") or {}
    dirs = directorate_table(p["n_directorates"], rng, profiles)
    tilt = np.random.default_rng([int(p.get("seed", 0)), 17])
    fl = p["flows"]
    year = p["first_year"]
    people = _new_people(p["workforce_2019"], np.arange(p["workforce_2019"]), year, p, dirs, rng,
                         age_mean=44, age_sd=11)
    if profiles:
        people["directie_code"] = _tilt_directorates(people, dirs, profiles, tilt)
    next_id = len(people)
    snapshots = [people.assign(year=year)]
    events = []
    for year in range(p["first_year"] + 1, p["last_year"] + 1):
        n = len(people)
        young = (people["age"] < 35).to_numpy()
        nw = (people["herkomst_oud"] == "niet_westers").to_numpy()
        p_leave = fl["leave_base"] + fl["leave_young"] * young + fl["leave_nonwestern"] * nw
        leave = (rng.random(n) < p_leave) | (people["age"].to_numpy() + 1 >= fl["retire_age"])
        stay = people.loc[~leave].copy()
        p_prom = fl["promote_base"] + fl["promote_nonwestern"] * nw[~leave]
        prom = (rng.random(len(stay)) < p_prom) & (stay["salarisschaal"].to_numpy() < 18)
        old_scale = stay["salarisschaal"].to_numpy()
        stay["salarisschaal"] = old_scale + prom
        stay["age"] += 1
        stay["tenure"] += 1
        n_hire = int(round(leave.sum() + fl["growth"] * n))
        hires = _new_people(n_hire, np.arange(next_id, next_id + n_hire), year, p, dirs, rng,
                            age_mean=fl["hire_age_mean"], age_sd=8,
                            nonwestern_share=fl["hire_nonwestern_share"][year],
                            high_scale_share=fl["hire_high_scale_share"])
        if profiles:
            hires["directie_code"] = _tilt_directorates(hires, dirs, profiles, tilt)
        next_id += n_hire
        events.append(pd.DataFrame({
            "person_id": np.concatenate([people["person_id"].to_numpy(), hires["person_id"].to_numpy()]),
            "year": year,
            "left": np.concatenate([leave, np.zeros(n_hire, bool)]),
            "hired": np.concatenate([np.zeros(n, bool), np.ones(n_hire, bool)]),
            "promoted": np.concatenate([np.where(~leave, 0, 0).astype(bool), np.zeros(n_hire, bool)]),
        }))
        events[-1].loc[np.flatnonzero(~leave), "promoted"] = prom
        people = pd.concat([stay, hires], ignore_index=True)
        snapshots.append(people.assign(year=year))
    snap = pd.concat(snapshots, ignore_index=True)
    return snap, dirs, pd.concat(events, ignore_index=True)

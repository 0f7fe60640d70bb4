"""Write the synthetic demo inputs in the formats the real sources arrive in, plus the truth file.

Outputs in OUT: register_<year>.csv (semicolon, decimal comma, cp1252), nim_<wave>.sav,
mto_<wave>.sav, discrimination_<wave>.sav, sources.yaml (what the report config points at),
truth.json (the planted population values the tests check the pipeline against) and, written last,
DEMO_DATA: the sha256 of every file above. Only files listed there with a matching checksum may be
pseudonymised with the public demo key (pipeline.clean.pseudonymise).
"""
from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import yaml
from scipy.special import expit

from pipeline.clean.pseudonymise import DEMO_MARKER, write_demo_marker
from pipeline.codebook import load_codebook
from pipeline.config import synth_params
from pipeline.io import atomic_path, atomic_write_text
from pipeline.synth import exit as exit_feedback
from pipeline.synth import leadership, programme, training
from pipeline.synth.population import simulate_workforce
from pipeline.synth.surveys import (
    DISCRIMINATION_VARS, _solve_intercept, add_item_missing, add_soft_problems, background_frame,
    encode, group_indicators, latent_score, likert_items, measurement_extras, person_key, person_logit, respond_panel,
)

# Group dimensions as the pipeline derives them; truth is reported on the same levels.
def truth_groups(pop: pd.DataFrame) -> dict[str, pd.Series]:
    age = pop["age"]
    scale = pop["salarisschaal"]
    return {
        "herkomst_oud": pop["herkomst_oud"],
        "herkomst_cbs": pop["herkomst_cbs"],
        "geslacht": pop["geslacht"].where(pop["geslacht"] != "onbekend"),
        "jong": pd.Series(np.where(age < 35, "ja", "nee"), index=pop.index),
        "leeftijdsband": pd.cut(age, [0, 34, 54, 200], labels=["<35", "35-54", "55+"]).astype(str),
        "schaalband": pd.cut(scale, [0, 9, 11, 14, 18], labels=["<=9", "10-11", "12-14", "15+"]).astype(str),
        "lhbtiq": pd.Series(np.where(pop["lhbtiq"], "ja", "nee"), index=pop.index),
        "beperking": pd.Series(np.where(pop["beperking"], "ja", "nee"), index=pop.index),
        "nieuw": pd.Series(np.where(pop["tenure"] == 0, "ja", "nee"), index=pop.index),
    }


def population_summary(pop: pd.DataFrame, values: dict[str, np.ndarray]) -> dict:
    """Finite-population means of each outcome overall and per group level, and per directorate
    (`groups.directie_code`: the truth of the directorate levels and their small-area estimates)."""
    frame = pd.DataFrame(values, index=pop.index)
    out = {}
    groups = {**truth_groups(pop), "directie_code": pop["directie_code"].astype(str)}
    for name in values:
        entry = {"overall": float(frame[name].mean()), "groups": {}}
        for dim, g in groups.items():
            means = frame[name].groupby(g.to_numpy()).mean()
            entry["groups"][dim] = {str(k): float(v) for k, v in means.items()}
        out[name] = entry
    return out


def _write_sav(df: pd.DataFrame, cb, path: Path, file_label: str) -> None:
    raw, value_labels, missing, labels = encode(df, cb)
    for name, spec in cb.variables.items():  # answer scales are labelled in an agency's file, as in the codebook
        key = cb.raw_name(name)
        if spec["type"] == "likert" and spec.get("value_labels") and key in raw.columns:
            value_labels[key] = {**spec["value_labels"], **value_labels.get(key, {})}
    with atomic_path(path) as tmp:
        pyreadstat.write_sav(raw, tmp, file_label=file_label, column_labels=labels,
                             variable_value_labels=value_labels, missing_ranges=missing)
        # ReadStat stamps the write time into the header (creation date and time at bytes 92-108 of the
        # SPSS system file); a fixed stamp makes the demo inputs, and so their checksums, reproducible.
        with open(tmp, "r+b") as fh:
            fh.seek(92)
            assert fh.read(9)[2:3] == b" ", "unexpected SPSS header layout"
            fh.seek(92)
            fh.write(b"01 Jan 24" + b"00:00:00")


def _dd_mm_yyyy(dates: pd.Series) -> np.ndarray:
    """dd-mm-yyyy as HR exports write it (pandas' strftime is ~10x slower for the same strings)."""
    return np.array([f"{d:02d}-{m:02d}-{y}" for d, m, y in zip(dates.dt.day, dates.dt.month, dates.dt.year)], dtype=object)


def _scale_scores(items: np.ndarray) -> np.ndarray:
    return items.mean(axis=1)


def careful_population(pop: pd.DataFrame, answers: pd.DataFrame, values: dict, source: str, wave: int,
                       rule: dict) -> tuple[pd.DataFrame, dict, int]:
    """The staff the declared careless-responding rule keeps, judged on their own potential answers
    (harmonised: a code outside an item's range is missing), with their outcome values: the planted
    truth follows the rule the cleaning applies (config `careless`), so a respondent the rule would
    flag in any sample is outside the estimand (a careless respondent drawn at random from the staff
    is not). Returns (pop, values, persons left out). Speed is not judged here: it is how a form was
    filled in, not an answer pattern, and the generator's own speeders are drawn at random."""
    from pipeline.clean.careless import FLAG, battery, flags, scale_blocks
    cb = load_codebook(source, wave)
    items = [c for c in battery(cb) if c in answers]
    if not items or rule.get("action") != "exclude":
        return pop, values, 0
    harmonised = pd.DataFrame({c: answers[c].where(answers[c].between(*cb.variables[c]["range"])) for c in items})
    keep = ~flags(harmonised, items, {**rule, "speed": None}, source, scale_blocks(cb))[FLAG].to_numpy()
    kept_pop = pop.loc[keep].reset_index(drop=True)
    return kept_pop, {k: np.asarray(v)[keep] for k, v in values.items()}, int((~keep).sum())


def generate(out: str | Path, seed: int | None = None, *, scale: float = 1.0, careless: dict | None = None) -> dict:
    """Generate all demo inputs into `out`. `scale` < 1 shrinks the workforce (for quick tests).
    `careless`: the careless-responding rule the truth follows (default: config/report.yaml's)."""
    if careless is None:
        from pipeline.settings import load_settings
        careless = load_settings().careless
    p = synth_params()
    p = {**p, "workforce_2019": int(round(p["workforce_2019"] * scale))}
    seed = p["seed"] if seed is None else seed
    p = {**p, "seed": seed}
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_MARKER).unlink(missing_ok=True)  # rewritten last, listing only what this run wrote
    snap, dirs, events = simulate_workforce(p, rng)
    snap = training.with_roles(snap, seed, p)  # manager / selection-committee flags (issue 18)
    p["_seed"] = seed
    # Origin unknown in the register (no CBS link): a lasting trait of a person, so the truth of the
    # target shares and flows is what the register can know (the known-origin base).
    unknown = unknown_register_origin(snap["person_id"].to_numpy(), p["register_unknown_origin"], seed)
    known_snap = snap.assign(**{c: snap[c].where(~unknown) for c in ("herkomst_oud", "herkomst_cbs")})
    truth: dict = {"seed": seed, "scale": scale, "planted": {k: p[k] for k in ("nim", "mto", "discrimination", "flows")},
                   "careless_rule": careless}
    sources: dict = {"register": {}, "nim": {}, "mto": {}, "discrimination": {}}

    # --- HR register snapshots -------------------------------------------------------------
    truth["register"] = {}
    dir_names = dirs.set_index("directie_code")["directie"]
    for year in p["register_years"]:
        pop = known_snap[known_snap["year"] == year]
        reg = register_frame(pop, year, dir_names, seed)
        path = out / f"register_{year}.csv"
        with atomic_path(path) as tmp:
            reg.to_csv(tmp, sep=";", decimal=",", encoding="cp1252", index=False)
        sources["register"][year] = path.name
        truth["register"][year] = register_truth(pop)
    truth["flows"] = flow_truth(known_snap, p["register_years"])

    # --- Surveys -----------------------------------------------------------------------------
    resp = p["response"]
    panel = p["panel"]
    dir_resp = pd.Series(rng.normal(0, resp["directorate_sd"], len(dirs)), index=dirs["directie_code"])
    truth["response"] = {}
    effects: dict = {}  # source -> wave -> construct -> directorate -> planted programme effect
    for source, builder in (("nim", _nim), ("mto", _mto), ("discrimination", _discrimination)):
        truth[source] = {}
        dir_effect = pd.Series(rng.normal(0, p.get(source, {}).get("directorate_sd", 0.2), len(dirs)),
                               index=dirs["directie_code"])
        answered = set()  # person ids of the previous wave's respondents (panel overlap)
        for wave, rate in resp[source].items():
            pop = snap[snap["year"] == wave].reset_index(drop=True)
            wrng = np.random.default_rng([seed, wave, len(source)])
            answers, items, values = builder(pop, p, wave, dir_effect, wrng)
            kept, kept_values, left_out = careful_population(pop, answers, values, source, wave, careless)
            kept_values, without = programme.split(kept_values)
            if without:
                effects.setdefault(source, {})[wave] = programme.cell_effects(kept, kept_values, without, wave)
            truth[source][wave] = population_summary(kept, kept_values)
            if source in ("nim", "mto"):
                truth[source][wave]["adjusted_gap"] = census_adjusted_gaps(kept, kept_values)
            if source == "mto":
                truth.setdefault("leadership", {})[wave] = leadership.truth(kept, kept_values)
            before = pop["person_id"].isin(answered).to_numpy()
            responded = respond_panel(pop, rate, resp, dir_resp, wrng, before, panel["overlap"])
            answered = set(pop.loc[responded, "person_id"])
            df = pd.concat([background_frame(pop, wave, wrng), answers], axis=1)
            if wave not in (panel.get("no_person_key") or {}).get(source, []):
                df.insert(1, "persoonssleutel", person_key(pop))
            df = df.loc[responded].reset_index(drop=True)
            likert = [c for c in items if c in df]
            df = add_item_missing(df, likert, p.get(source, {}).get("item_missing", 0.0), 8, wrng)
            df, soft = add_soft_problems(df, likert, resp, wrng)
            truth["response"][f"{source}_{wave}"] = {
                "population": int(len(pop)), "respondents": int(responded.sum()),
                "rate": float(responded.mean()), "also_previous_wave": float(before[responded].mean()), **soft,
                "careless_in_population": left_out}
            cb = load_codebook(source, wave)
            path = out / f"{source}_{wave}.sav"
            _write_sav(df, cb, path, f"{cb.label} {wave} (synthetisch)")
            sources[source][wave] = path.name

    truth["programme_effect"] = programme_truth(p, effects, {s: list(resp[s]) for s in ("nim", "mto", "discrimination")})

    # --- sources of issue 18: the learning system's export and exit feedback ---------------------
    sources["training"], truth["training"] = training.write(out, snap, seed, p)
    sources["exit"], truth["exit"] = exit_feedback.write(out, snap, seed, p)

    atomic_write_text(out / "truth.json", json.dumps(truth, indent=1, sort_keys=True, default=_json_default))
    manifest = {"demo": True, "seed": seed, "scale": scale,
                "sources": {s: {int(w): f for w, f in v.items()} for s, v in sources.items()}}
    # written last: its presence tells `make report` that the demo data are complete
    atomic_write_text(out / "sources.yaml", yaml.safe_dump(manifest, sort_keys=True))
    written = [f for files in sources.values() for f in files.values()] + ["truth.json", "sources.yaml"]
    write_demo_marker(out, written, f"seed {seed}, scale {scale}")
    return truth


def programme_truth(p: dict, effects: dict, waves: dict) -> dict:
    """truth.json `programme_effect`: the exposure, the planted latent shifts, and per source and
    construct the effect the estimator's aggregate estimates (`effect`) and its directorate-wave cells."""
    spec = p.get("programme_effect") or {}
    return {"exposure": spec.get("exposure", "plan"), "starts": programme.starts(), "latent": spec.get("latent", {}),
            "effect": {s: programme.aggregate(cells, waves[s]) for s, cells in effects.items()},
            "cells": effects}


def register_frame(pop: pd.DataFrame, year: int, dir_names: pd.Series, seed: int) -> pd.DataFrame:
    """The raw HR register export of one year's workforce `pop` (rows shuffled, messy as real exports).
    Origin missing in `pop` is written as 'Onbekend'. Its own random stream ([seed, year])."""
    birth = pd.to_datetime((year - pop["age"]).astype(str) + "-01-01") + pd.to_timedelta(pop["birth_day"] - 1, unit="D")
    hire = pd.to_datetime(pop["hire_year"].astype(str) + "-01-01") + pd.to_timedelta(pop["birth_day"] % 300, unit="D")
    reg_rng = np.random.default_rng([seed, year])
    names = dir_names.reindex(pop["directie_code"]).to_numpy(object)
    messy = reg_rng.random(len(pop)) < 0.01  # stray whitespace and lower case, as in real exports
    names[messy] = [f" {n} " for n in names[messy]]
    gender_code = pop["geslacht"].map({"man": "M", "vrouw": "V", "non_binair": "X", "onbekend": "O"}).to_numpy(object)
    lower = reg_rng.random(len(pop)) < 0.01
    gender_code[lower] = [g.lower() for g in gender_code[lower]]
    cb = load_codebook("register", year)
    herkomst_label = {tok: code for code, tok in cb.variables["herkomst"]["codes"].items()}
    reg = pd.DataFrame({
        "personeelsnummer": (1_000_000 + pop["person_id"]).astype(str).to_numpy(),
        "peildatum": f"31-12-{year}",
        "geboortedatum": _dd_mm_yyyy(birth),
        "geslacht": gender_code,
        "directie_code": pop["directie_code"].to_numpy(),
        "directie": names,
        "salarisschaal": pop["salarisschaal"].to_numpy(),
        "fte": pop["fte"].to_numpy(),
        "datum_in_dienst": _dd_mm_yyyy(hire),
        "geboorteland": np.where(pop["geboorteland_nl"], "Nederland", "Buitenland"),
        "herkomst": pop["origin"].map(herkomst_label).where(pop["herkomst_oud"].notna(), "Onbekend").to_numpy(),
        "leidinggevende": np.where(pop["manager"], "Ja", "Nee"),
        "selectiecommissie": np.where(pop["committee"], "Ja", "Nee"),
    }).sample(frac=1, random_state=int(reg_rng.integers(1 << 31))).reset_index(drop=True)
    return reg


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    raise TypeError(type(o))


def unknown_register_origin(person_id: np.ndarray, share: float, seed: int) -> np.ndarray:
    """Per row: is this person's origin unknown in the register (the same persons in every year)."""
    draw = np.random.default_rng([seed, 5]).random(int(person_id.max()) + 1)
    return draw[person_id] < share


ADJUSTED_FOR = ("schaalband", "leeftijdsband", "directie_code")  # + tenure; as models.adjusted_gap


def census_adjusted_gaps(pop: pd.DataFrame, values: dict[str, np.ndarray]) -> dict:
    """The census value of each adjusted gap: the coefficient of a group in the least-squares fit of
    outcome ~ group + pay-scale band + age band + tenure + directorate over the whole workforce (age
    band left out for `jong`). Pay scale mediates the planted origin effects, so these direct gaps
    differ from the total (raw) gaps in `groups`."""
    groups = truth_groups(pop)
    out: dict = {}
    for dim in ("herkomst_oud", "herkomst_cbs", "beperking", "lhbtiq", "geslacht", "jong"):
        g = groups[dim]
        keep = g.notna().to_numpy()
        covs = [c for c in ADJUSTED_FOR if not (dim == "jong" and c == "leeftijdsband")]
        frame = pd.DataFrame({c: (groups[c] if c in groups else pop[c]).to_numpy() for c in covs})[keep]
        X = pd.get_dummies(pd.DataFrame({dim: g[keep].astype(str).to_numpy()}).join(frame.reset_index(drop=True)),
                           columns=[dim, *covs], drop_first=False, dtype=float)
        ref = f"{dim}_{TRUTH_REFERENCE[dim]}"
        drop = [ref] + [next(c for c in X.columns if c.startswith(f"{cv}_")) for cv in covs]
        X = X.drop(columns=drop)
        X.insert(0, "tenure", np.minimum(pop["tenure"].to_numpy()[keep], 52).astype(float))
        X.insert(0, "const", 1.0)
        A = X.to_numpy()
        Y = np.column_stack([np.asarray(y, float)[keep] for y in values.values()])
        B = np.linalg.solve(A.T @ A, A.T @ Y)  # normal equations: one small p x p solve for every outcome
        for name, beta in zip(values, B.T):
            coef = dict(zip(X.columns, beta))
            out.setdefault(name, {})[dim] = {c[len(dim) + 1:]: float(b) for c, b in coef.items()
                                            if c.startswith(f"{dim}_")}
    return out


TRUTH_REFERENCE = {"herkomst_oud": "nederlands", "herkomst_cbs": "nederland", "beperking": "nee", "lhbtiq": "nee",
                   "geslacht": "man", "jong": "nee"}


def register_truth(pop: pd.DataFrame) -> dict:
    """Target indicators of one snapshot, city-wide and per directorate (census values)."""
    def indicators(d: pd.DataFrame) -> dict:
        s1214 = d["salarisschaal"].between(12, 14)
        s12 = d["salarisschaal"] >= 12
        known = d["herkomst_oud"].notna()  # unknown origin leaves the denominator of the shares
        nw = d["herkomst_oud"] == "niet_westers"
        ne = d["herkomst_cbs"] == "buiten_europa"
        k1214, k12 = s1214 & known, s12 & known
        return {"n": int(len(d)), "share_under35": float((d["age"] < 35).mean()),
                "unknown_origin": int((~known).sum()),
                "n_12_14": int(s1214.sum()), "share_nonwestern_12_14": float(nw[k1214].mean()) if k1214.any() else None,
                "n_12plus": int(s12.sum()), "share_nonwestern_12plus": float(nw[k12].mean()) if k12.any() else None,
                "share_non_european_12plus": float(ne[k12].mean()) if k12.any() else None}
    return {"city": indicators(pop),
            "directorates": {k: indicators(g) for k, g in pop.groupby("directie_code")}}


def flow_truth(snap: pd.DataFrame, years: list[int]) -> dict:
    """In-, through- and outflow between consecutive snapshots by old migration classification."""
    out = {}
    band = lambda s: pd.cut(s, [0, 9, 11, 14, 18], labels=[0, 1, 2, 3]).astype(int)  # noqa: E731
    for prev, cur in zip(years[:-1], years[1:]):
        a = snap[snap["year"] == prev].set_index("person_id")
        b = snap[snap["year"] == cur].set_index("person_id")
        left = ~a.index.isin(b.index)
        hired = ~b.index.isin(a.index)
        both = a.index.intersection(b.index)
        up = band(b.loc[both, "salarisschaal"]) > band(a.loc[both, "salarisschaal"])
        entry = {"headcount_start": int(len(a)), "hires": int(hired.sum()), "leavers": int(left.sum()),
                 "band_promotions": int(up.sum()), "groups": {}}
        for grp in ("nederlands", "westers", "niet_westers"):
            ga = (a["herkomst_oud"] == grp).to_numpy()
            gb = (b["herkomst_oud"] == grp).to_numpy()
            gboth = (a.loc[both, "herkomst_oud"] == grp).to_numpy()
            entry["groups"][grp] = {"headcount_start": int(ga.sum()), "hires": int((hired & gb).sum()),
                                    "leavers": int((left & ga).sum()), "stayers": int(gboth.sum()),
                                    "band_promotions": int((up.to_numpy() & gboth).sum())}
        out[f"{prev}-{cur}"] = entry
    return out


def skip_follow_ups(answers: dict, experienced, reported, skip: dict, rng) -> None:
    """Item non-response on the follow-ups (in place): an experiencer skips the whole grounds block,
    or the 'reported?' question (then nothing about reporting is asked), or a reporter the
    satisfaction question. Skipping is at random, as the product estimator assumes."""
    n = len(experienced)
    grounds = experienced & (rng.random(n) < skip["grounds"])
    for c in [k for k in answers if k.startswith("grond_")]:
        answers[c] = np.where(grounds, np.nan, answers[c])
    gemeld = experienced & (rng.random(n) < skip["reported"])
    for c in ["gemeld", *[k for k in answers if k.startswith(("gemeld_", "reden_"))], "tevreden_afhandeling"]:
        answers[c] = np.where(gemeld, np.nan, answers[c])
    sat = reported & ~gemeld & (rng.random(n) < skip["satisfied"])
    answers["tevreden_afhandeling"] = np.where(sat, np.nan, answers["tevreden_afhandeling"])


# --- source builders: return (answers frame, item columns, population outcome values) --------

def _nim(pop, p, wave, dir_effect, rng):
    spec = p["nim"]
    tb = latent_score(pop, spec["belonging"], wave, dir_effect, rng)
    ta = 0.5 * tb + latent_score(pop, spec["authenticity"], wave, dir_effect, rng) * 0.75
    cols_b = [f"b{i:02d}" for i in range(1, 9)]
    cols_a = [f"a{i:02d}" for i in range(1, 9)]
    plant, latent = spec.get("measurement"), {"belonging": tb, "authenticity": ta}
    likert_b = partial(likert_items, extra=measurement_extras(pop, plant, cols_b, latent, p["_seed"], wave))
    likert_a = partial(likert_items, extra=measurement_extras(pop, plant, cols_a, latent, p["_seed"], wave))
    db, da = (programme.shift(pop, p, wave, c) for c in ("belonging", "authenticity"))
    bel, bel0 = programme.items(likert_b, tb, db, 8, 5, rng)  # the planted programme effect (issue 31)
    aut, aut0 = programme.items(likert_a, ta, da, 8, 5, rng)
    answers = pd.DataFrame(np.hstack([bel, aut]), columns=cols_b + cols_a)
    values = {"belonging": _scale_scores(bel), "authenticity": _scale_scores(aut),
              "inclusion": _scale_scores(np.hstack([bel, aut]))}
    if db is not None or da is not None:  # the same answers without the programme: the exact effect
        values |= {programme.CF + "belonging": _scale_scores(bel0), programme.CF + "authenticity": _scale_scores(aut0),
                   programme.CF + "inclusion": _scale_scores(np.hstack([bel0, aut0]))}
    return answers, cols_b + cols_a, values


def _mto(pop, p, wave, dir_effect, rng):
    spec = p["mto"]
    tp = latent_score(pop, spec["psych_safety"], wave, dir_effect, rng)
    ts = 0.4 * tp + 0.8 * latent_score(pop, spec["social_safety"], wave, dir_effect, rng)
    dp, ds = (programme.shift(pop, p, wave, c) for c in ("psych_safety", "social_safety"))
    ps_pos, ps0 = programme.items(likert_items, tp, dp, 7, 7, rng)  # the planted programme effect (issue 31)
    sv, sv0 = programme.items(likert_items, ts, ds, 4, 5, rng)
    ps_raw = ps_pos.copy()
    ps_raw[:, [0, 2, 4]] = 8 - ps_raw[:, [0, 2, 4]]  # negatively worded items 1, 3, 5 (Edmondson 1999)
    sat = np.clip(np.rint(7 + 0.8 * tp + rng.normal(0, 1.0, len(pop))), 1, 10).astype(int)
    unwanted = rng.random(len(pop)) < expit(-0.9 - 0.8 * ts)
    cols = [f"ps{i}" for i in range(1, 8)] + [f"sv{i}" for i in range(1, 5)]
    answers = pd.DataFrame(np.hstack([ps_raw, sv]), columns=cols)
    answers["tevredenheid"] = sat
    answers["ongewenst_gedrag"] = np.where(unwanted, "ja", "nee")
    il, il_values = leadership.answers(pop, tp, wave, p["_seed"], rng.spawn(1)[0], p)  # own stream
    answers = pd.concat([answers, il], axis=1)
    values = {"psych_safety": _scale_scores(ps_pos), "social_safety": _scale_scores(sv),
              "tevredenheid": sat.astype(float), "ongewenst_gedrag": unwanted.astype(float), **il_values}
    if dp is not None or ds is not None:
        values |= {programme.CF + "psych_safety": _scale_scores(ps0), programme.CF + "social_safety": _scale_scores(sv0)}
    return answers, cols, values


def _discrimination(pop, p, wave, dir_effect, rng):
    spec = p["discrimination"]
    g = group_indicators(pop)
    n = len(pop)
    answers, values = {}, {}
    for key, var in DISCRIMINATION_VARS.items():
        s = spec[key]
        linear = sum(eff * g[k] for k, eff in s["effects"].items()) + dir_effect.reindex(pop["directie_code"]).to_numpy()
        linear = linear + person_logit(pop, spec.get("person_sd", 0.0))
        a = _solve_intercept(linear, s["overall"][wave])
        answers[var] = (rng.random(n) < expit(a + linear)).astype(float)
        values[var] = answers[var].copy()
    exp = answers["ervaren_discriminatie"] == 1

    def among(mask, prob):
        return np.where(mask, (rng.random(n) < prob).astype(float), np.nan)

    answers["grond_herkomst"] = among(exp, 0.25 + 0.5 * g["non_european"])
    answers["grond_religie"] = among(exp, 0.12)
    answers["grond_gender"] = among(exp, 0.15 + 0.2 * g["vrouw"] + 0.4 * g["non_binair"])
    answers["grond_seksuele_orientatie"] = among(exp, 0.04 + 0.5 * g["lgbtiq"])
    answers["grond_beperking"] = among(exp, 0.05 + 0.5 * g["disability"])
    answers["grond_leeftijd"] = among(exp, 0.15 + 0.1 * g["young"])
    for src, prob in spec["source"].items():
        answers[{"manager": "bron_leidinggevende", "colleague": "bron_collega", "citizen": "bron_burger"}[src]] = among(exp, prob)
    answers["gemeld"] = among(exp, spec["reported"][wave])
    rep = answers["gemeld"] == 1
    for to, var in (("manager", "gemeld_leidinggevende"), ("confidential_adviser", "gemeld_vertrouwenspersoon"),
                    ("external_point", "gemeld_meldpunt"), ("second_opinion", "gemeld_second_opinion")):
        prob = spec["reported_to"][to]
        answers[var] = among(rep, prob[wave] if isinstance(prob, dict) else prob)
    answers["tevreden_afhandeling"] = among(rep, spec["satisfied_handling"][wave])
    notrep = answers["gemeld"] == 0
    for var, prob in (("reden_geen_zin", 0.45), ("reden_angst_gevolgen", 0.35), ("reden_wist_niet_waar", 0.25),
                      ("reden_te_klein", 0.30)):
        answers[var] = among(notrep, prob)
    # The workforce-level truth of the follow-ups, before anyone skips a question.
    for c in [k for k in answers if k.startswith("grond_")]:
        values[f"discr_{c}"] = np.where(exp, answers[c], 0.0)
    values["funnel_gemeld"] = np.where(exp, answers["gemeld"], 0.0)
    values["funnel_tevreden"] = np.where(rep, answers["tevreden_afhandeling"], 0.0)
    skip_follow_ups(answers, exp, rep, spec["skip"], rng)
    answers["kent_routekaart"] = (rng.random(n) < spec["knows_routes"][wave]).astype(float)
    answers["kent_vertrouwenspersoon"] = (rng.random(n) < 0.7).astype(float)
    values["kent_routekaart"] = answers["kent_routekaart"].copy()
    frame = pd.DataFrame(answers)
    # Item refusal on the core prevalence questions.
    core = list(DISCRIMINATION_VARS.values())
    refuse = rng.random((n, len(core))) < 0.01
    vals = frame[core].to_numpy()
    vals[refuse] = 9
    frame[core] = vals
    # A refused screening question means the follow-up questions were never asked.
    follow_up = [c for c in frame.columns if c not in core and not c.startswith("kent_")]
    frame.loc[frame["ervaren_discriminatie"] == 9, follow_up] = np.nan
    return frame, [], values

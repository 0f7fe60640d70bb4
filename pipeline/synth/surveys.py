"""Survey responses drawn from the simulated workforce: NIM, MTO and the discrimination study.

Every employee gets potential answers (so the finite-population truth is known exactly); who responds
depends on directorate, age, origin and pay scale, so unweighted respondent means are biased and
weighting matters — as in the real 2021 NIM (26% response, 18-62% by directorate).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from pipeline.codebook import Codebook

DISCRIMINATION_VARS = {
    "experienced_unwanted": "ervaren_ongewenst",
    "witnessed_unwanted": "gezien_ongewenst",
    "experienced_discrimination": "ervaren_discriminatie",
    "experienced_racism": "ervaren_racisme",
    "experienced_microaggression": "ervaren_microagressie",
    "experienced_bullying": "ervaren_pesten",
    "experienced_sexual_harassment": "ervaren_seksuele_intimidatie",
    "witnessed_discrimination": "gezien_discriminatie",
}


def _solve_intercept(linear: np.ndarray, target: float) -> float:
    """Intercept a such that mean(expit(a + linear)) == target (population calibration)."""
    return brentq(lambda a: expit(a + linear).mean() - target, -20, 20)


def group_indicators(pop: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "nonwestern": (pop["herkomst_oud"] == "niet_westers").to_numpy(float),
        "western": (pop["herkomst_oud"] == "westers").to_numpy(float),
        "non_european": (pop["herkomst_cbs"] == "buiten_europa").to_numpy(float),
        "disability": pop["beperking"].to_numpy(float),
        "lgbtiq": pop["lhbtiq"].to_numpy(float),
        "young": (pop["age"] < 35).to_numpy(float),
        "non_binair": (pop["geslacht"] == "non_binair").to_numpy(float),
        "vrouw": (pop["geslacht"] == "vrouw").to_numpy(float),
        # first year of service (hired in the wave's year): the plan's "welkom bij start"
        "newcomer": (pop["tenure"] == 0).to_numpy(float),
    }


def latent_score(pop, spec, wave, dir_effect, rng, wave_sd=0.6):
    """Latent construct: intercept + planted group effects + directorate + person + wave noise, plus
    `pay_scale` per scale step above 9: a path pay scale -> outcome, so pay scale mediates part of
    every group gap that runs through pay scale (origin, age, gender). A planted effect is a fixed shift
    (no draw): a new one (e.g. `newcomer`) leaves every random draw, and so every other answer, as it was."""
    g = group_indicators(pop)
    theta = np.full(len(pop), float(spec["intercept"]))
    theta += float(spec.get("pay_scale", 0.0)) * (pop["salarisschaal"].to_numpy(float) - 9)
    for key, eff in spec.items():
        if key in ("intercept", "pay_scale"):
            continue
        theta += (eff[wave] if isinstance(eff, dict) else eff) * g[key]
    theta += dir_effect.reindex(pop["directie_code"]).to_numpy()
    theta += pop["person_effect"].to_numpy() + rng.normal(0, wave_sd, len(pop))
    return theta


def likert_items(theta, n_items, n_cat, rng, loading=0.85, noise=0.55, extra=None):
    """Ordinal items from a latent score via equally spaced thresholds on the latent scale. `extra`: an
    (n, n_items) array added to the latent responses before the thresholds (measurement plants, drawn
    elsewhere so that this function's own draws stay the same)."""
    cuts = np.linspace(-1.6, 1.6, n_cat - 1) if n_cat == 5 else np.linspace(-2.0, 2.0, n_cat - 1)
    y = loading * theta[:, None] + rng.normal(0, noise, (len(theta), n_items))
    if extra is not None:
        y = y + extra
    return 1 + (y[:, :, None] > cuts[None, None, :]).sum(axis=2)


MEASUREMENT_STREAM = 28  # tag of the measurement plants' own random stream (issue 28)


def measurement_extras(pop, spec: dict | None, columns: list[str], latent: dict[str, np.ndarray], seed: int,
                       wave: int) -> np.ndarray | None:
    """The latent-response additions of the measurement plants (config `nim.measurement`) for the items
    `columns`: a shifted intercept of `dif.item` for `dif.group` (differential item functioning), a
    cross-loading of `cross_loading.item` on the centred latent `cross_loading.factor`, and extra noise on
    the items of `item_noise`, from the stream [seed, MEASUREMENT_STREAM, wave]. None when none applies."""
    if not spec:
        return None
    out = np.zeros((len(pop), len(columns)))
    dif, cross, noise = spec.get("dif"), spec.get("cross_loading"), spec.get("item_noise") or {}
    if dif and dif["item"] in columns:
        out[:, columns.index(dif["item"])] += float(dif["shift"]) * group_indicators(pop)[dif["group"]]
    if cross and cross["item"] in columns:
        t = latent[cross["factor"]]
        out[:, columns.index(cross["item"])] += float(cross["loading"]) * (t - t.mean())
    rng = np.random.default_rng([seed, MEASUREMENT_STREAM, wave])
    draws = rng.normal(0.0, 1.0, (len(pop), len(noise)))
    for k, (item, sd) in enumerate(sorted(noise.items())):
        if item in columns:
            out[:, columns.index(item)] += float(sd) * draws[:, k]
    return out if out.any() else None


def respond(pop, rate, resp, dir_resp, rng):
    """Bernoulli response with propensity depending on directorate and person; mean hits `rate`."""
    linear = response_linear(pop, resp, dir_resp)
    a = _solve_intercept(linear, rate)
    return rng.random(len(pop)) < expit(a + linear)


def response_linear(pop, resp, dir_resp) -> np.ndarray:
    """The response propensity's linear predictor without intercept (directorate and person)."""
    e = resp["effects"]
    g = group_indicators(pop)
    linear = (dir_resp.reindex(pop["directie_code"]).to_numpy()
              + e["age_per_10y"] * (pop["age"].to_numpy() - 45) / 10
              + e["nonwestern"] * g["nonwestern"] + e["western"] * g["western"]
              + e["high_scale"] * (pop["salarisschaal"].to_numpy() >= 12) + e["young"] * g["young"]
              + e["disability"] * g["disability"])
    return linear


def respond_panel(pop, rate, resp, dir_resp, rng, answered_before: np.ndarray, overlap: float):
    """As `respond`, with a panel: someone who answered the previous wave answers again more often, so
    that about `overlap` of this wave's respondents answered the previous wave too (as in repeated staff
    surveys, where the same people tend to respond). The boost b on the logit scale is solved with the
    intercept (mean response still hits `rate`); without earlier respondents it is plain `respond`."""
    before = np.asarray(answered_before, dtype=float)
    if not before.any():
        return respond(pop, rate, resp, dir_resp, rng)
    linear = response_linear(pop, resp, dir_resp)

    def share(b):
        p = expit(_solve_intercept(linear + b * before, rate) + linear + b * before)
        return (p * before).sum() / p.sum() - overlap
    b = brentq(share, -10, 15) if share(-10) < 0 < share(15) else (15.0 if share(15) < 0 else -10.0)
    lin = linear + b * before
    return rng.random(len(pop)) < expit(_solve_intercept(lin, rate) + lin)


def person_key(pop: pd.DataFrame) -> np.ndarray:
    """The survey agency's stable person key (the same in every wave); pseudonymised when cleaned."""
    return np.array([f"PNL-{pid:07d}" for pid in pop["person_id"]], dtype=object)


def person_logit(pop: pd.DataFrame, sd: float) -> np.ndarray:
    """A persistent person effect on the logit of the discrimination outcomes (SD `sd`): someone who
    experiences it in one wave is more likely to in the next. Opposite to the person's belonging."""
    return -sd / 0.6 * pop["person_effect"].to_numpy()


def background_frame(pop: pd.DataFrame, wave: int, rng) -> pd.DataFrame:
    """Harmonised background variables with realistic item non-response."""
    n = len(pop)

    def refuse(values, p, token):
        values = np.asarray(values, dtype=object).copy()
        values[rng.random(n) < p] = token
        return values

    gender = pop["geslacht"].replace({"onbekend": "wil_ik_niet_zeggen"}).to_numpy(object)
    yesno = lambda b: np.where(b, "ja", "nee")  # noqa: E731
    start = pd.Timestamp(f"{wave}-03-01") + pd.to_timedelta(rng.integers(0, 28 * 24 * 60, n), unit="min")
    minutes = np.clip(rng.lognormal(np.log(13), 0.45, n), 3.5, 90)
    return pd.DataFrame({
        "respondent_id": [f"R{wave % 100:02d}-{i:06d}" for i in rng.permutation(n) + 100000],
        "emailadres": [f"medewerker{pid}@amsterdam.example" for pid in pop["person_id"]],
        "startdatum": start,
        "einddatum": start + pd.to_timedelta(np.round(minutes * 60), unit="s"),
        "directie_code": pop["directie_code"].to_numpy(),
        "geslacht": refuse(gender, 0.01, "wil_ik_niet_zeggen"),
        "leeftijd": refuse(pop["age"].to_numpy(), 0.02, 99),
        "salarisschaal": refuse(pop["salarisschaal"].to_numpy(), 0.03, 99),
        "dienstjaren": refuse(np.minimum(pop["tenure"].to_numpy(), 52), 0.02, 99),
        "geboorteland_nl": refuse(yesno(pop["geboorteland_nl"]), 0.02, "wil_ik_niet_zeggen"),
        "herkomst": refuse(pop["origin"].to_numpy(), 0.02, "onbekend"),
        "lhbtiq": refuse(yesno(pop["lhbtiq"]), 0.05, "wil_ik_niet_zeggen"),
        "beperking": refuse(yesno(pop["beperking"]), 0.04, "wil_ik_niet_zeggen"),
        "toelichting": np.where(rng.random(n) < 0.1, "Vrij tekstveld met mogelijk herleidbare informatie", ""),
    })


def add_item_missing(df: pd.DataFrame, items: list[str], p: float, code: int, rng) -> pd.DataFrame:
    mask = rng.random((len(df), len(items))) < p
    vals = df[items].to_numpy()
    vals[mask] = code
    df[items] = vals
    return df


def add_soft_problems(df: pd.DataFrame, items: list[str], resp: dict, rng) -> tuple[pd.DataFrame, dict]:
    """Duplicate submissions (an earlier, incomplete one), speeders and straight-liners."""
    n = len(df)
    idx = rng.permutation(n)
    n_dup, n_speed, n_straight = (int(round(resp[k] * n)) for k in ("duplicate_rate", "speeder_rate", "straightliner_rate"))
    speed = idx[:n_speed]
    df.loc[df.index[speed], "einddatum"] = df["startdatum"].iloc[speed] + pd.to_timedelta(75, unit="s")
    straight = idx[n_speed:n_speed + n_straight]
    if items:
        df.loc[df.index[straight], items] = np.repeat(rng.integers(1, 4, len(straight))[:, None], len(items), axis=1)
    else:
        n_straight = 0
    dup = df.iloc[idx[n_speed + n_straight:n_speed + n_straight + n_dup]].copy()
    dup["einddatum"] = dup["startdatum"] - pd.to_timedelta(1, unit="D") + pd.to_timedelta(600, unit="s")
    dup["startdatum"] = dup["startdatum"] - pd.to_timedelta(1, unit="D")
    half = items[len(items) // 2:] or [c for c in dup.columns if c not in df.columns[:14]][-8:]
    dup[half] = np.nan
    out = pd.concat([df, dup]).sort_values("startdatum", kind="stable").reset_index(drop=True)
    return out, {"duplicates": n_dup, "speeders": n_speed, "straightliners": n_straight}


def encode(df: pd.DataFrame, cb: Codebook) -> tuple[pd.DataFrame, dict, dict, dict]:
    """Harmonised tokens -> the raw codes and names of `cb`; returns value labels and missing codes too."""
    out, value_labels, missing, labels = {}, {}, {}, {}
    for name, spec in cb.variables.items():
        if name not in df.columns:
            continue
        raw = spec.get("raw", name)
        col = df[name]
        miss = spec.get("missing") or {}
        if spec["type"] == "code":
            inverse = {tok: code for code, tok in {**spec["codes"], **miss}.items()}
            out[raw] = col.map(inverse).astype(float)
            value_labels[raw] = {code: tok.replace("_", " ").capitalize() for code, tok in spec["codes"].items()}
        elif spec["type"] in ("integer", "likert", "binary", "float"):
            out[raw] = pd.to_numeric(col).astype(float)
        else:
            out[raw] = col
            if "value_labels" in spec:
                value_labels[raw] = dict(spec["value_labels"])
        if miss:
            value_labels.setdefault(raw, {}).update({c: t.replace("_", " ").capitalize() for c, t in miss.items()})
            missing[raw] = list(miss)
        labels[raw] = spec.get("label", name)
    return pd.DataFrame(out), value_labels, missing, labels

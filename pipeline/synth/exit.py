"""Exit feedback: the offboarding questionnaire of staff who left, in an outside supplier's format.

Why: the action plans make exit feedback a fixed part of offboarding and ask why (young) staff leave.
The demo file of year y holds the leavers of y (in the register of y-1, not in that of y) who answered:
response depends on age, origin and directorate, so the pipeline must link the file to the register's
outflow to show who answered and to weight the answers to all leavers. Reasons are a multiple-response
question (one 0/1 column per reason); the planted shifts by group are recovered by the tests.

Supplier format: comma-separated UTF-8 with the supplier's own names and text codes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from pipeline.synth.surveys import _solve_intercept, likert_items

REASON_COLUMNS = {"loopbaan": "Q4_1", "salaris": "Q4_2", "werkdruk": "Q4_3", "leidinggevende": "Q4_4",
                  "cultuur": "Q4_5", "pensioen": "Q4_6", "prive": "Q4_7", "reistijd": "Q4_8"}
GENDER = {"man": "Man", "vrouw": "Vrouw", "non_binair": "Anders", "onbekend": "Zeg ik liever niet"}
ORIGIN = {"nederland": "Nederland", "europa": "Ander Europees land", "indonesie": "Indonesië",
          "noord_amerika_oceanie": "Noord-Amerika of Oceanië", "suriname": "Suriname", "marokko": "Marokko",
          "turkije": "Turkije", "nl_cariben": "Nederlandse Cariben", "overig_afrika": "Ander Afrikaans land",
          "overig_azie": "Ander Aziatisch land", "latijns_amerika": "Latijns-Amerika"}


def leavers(snap: pd.DataFrame, year: int) -> pd.DataFrame:
    """Staff in the register of year-1 and not in that of `year`, as they were at the last snapshot."""
    before = snap[snap["year"] == year - 1]
    after = set(snap.loc[snap["year"] == year, "person_id"])
    return before[~before["person_id"].isin(after)].reset_index(drop=True)


def _flags(pop: pd.DataFrame, retire_age: int) -> dict[str, np.ndarray]:
    return {"young": (pop["age"] < 35).to_numpy(float),
            "nonwestern": (pop["herkomst_oud"] == "niet_westers").to_numpy(float),
            "disability": pop["beperking"].to_numpy(float), "lgbtiq": pop["lhbtiq"].to_numpy(float),
            "retiring": (pop["age"] + 1 >= retire_age).to_numpy(float)}


def _prob(spec: dict, g: dict) -> np.ndarray:
    p = np.full(len(next(iter(g.values()))), float(spec["base"]))
    for k, v in spec.items():
        if k != "base":
            p += v * g[k]
    return np.clip(p, 0.01, 0.98)


def answers(left: pd.DataFrame, year: int, seed: int, p: dict) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """(answers of every leaver, who responded, population truth over all leavers)."""
    e = p["exit"]
    rng = np.random.default_rng([seed, 1901, year])
    g = _flags(left, p["flows"]["retire_age"])
    n = len(left)
    out = {"person_id": left["person_id"].to_numpy()}
    for reason, spec in e["reasons"].items():
        out[f"reden_{reason}"] = (rng.random(n) < _prob(spec, g)).astype(int)
    out["aanbevelen"] = (rng.random(n) < _prob(e["recommend"], g)).astype(int)
    out["uitsluiting"] = (rng.random(n) < _prob(e["exclusion"], g)).astype(int)
    out["discriminatie"] = (rng.random(n) < _prob(e["discrimination"], g)).astype(int)
    inc = e["inclusion"]
    theta = inc["intercept"] + sum(v * g[k] for k, v in inc.items() if k != "intercept") + rng.normal(0, 1.3, n)
    items = likert_items(theta, 4, 5, rng)
    for i in range(4):
        out[f"ei{i + 1}"] = items[:, i]
    frame = pd.DataFrame(out)
    r = e["response"]
    dirs = sorted(left["directie_code"].unique())
    dir_eff = pd.Series(np.random.default_rng([seed, 1902]).normal(0, r["directorate_sd"], 99)[:len(dirs)], index=dirs)
    linear = (r["young"] * g["young"] + r["nonwestern"] * g["nonwestern"] + r["retiring"] * g["retiring"]
              + dir_eff.reindex(left["directie_code"]).to_numpy())
    responded = rng.random(n) < expit(_solve_intercept(linear, r["rate"]) + linear)
    young = g["young"] == 1
    truth = {"leavers": int(n), "respondents": int(responded.sum()),
             "response": {"young": float(responded[young].mean()), "older": float(responded[~young].mean()),
                          "niet_westers": float(responded[g["nonwestern"] == 1].mean()),
                          "overall": float(responded.mean())},
             "reasons": {k: {"overall": float(frame[f"reden_{k}"].mean()), "young": float(frame.loc[young, f"reden_{k}"].mean()),
                             "older": float(frame.loc[~young, f"reden_{k}"].mean()),
                             "niet_westers": float(frame.loc[g["nonwestern"] == 1, f"reden_{k}"].mean()),
                             "nederlands": float(frame.loc[(left["herkomst_oud"] == "nederlands").to_numpy(), f"reden_{k}"].mean())}
                         for k in e["reasons"]},
             "recommend": float(frame["aanbevelen"].mean()), "exclusion": float(frame["uitsluiting"].mean()),
             "exclusion_by_origin": {str(k): float(v) for k, v in
                                     frame["uitsluiting"].groupby(left["herkomst_oud"].to_numpy()).mean().items()}}
    return frame, responded, truth


def supplier_file(left: pd.DataFrame, frame: pd.DataFrame, responded: np.ndarray, year: int, seed: int) -> pd.DataFrame:
    """The respondents' answers as the supplier delivers them (own names, text codes, some refusals)."""
    rng = np.random.default_rng([seed, 1903, year])
    who, ans = left.loc[responded].reset_index(drop=True), frame.loc[responded].reset_index(drop=True)
    n = len(who)

    def refuse(values, share, token):
        values = np.asarray(values, dtype=object).copy()
        values[rng.random(n) < share] = token
        return values
    yes_no = lambda x: np.where(x == 1, "Ja", "Nee")  # noqa: E731
    start = pd.Timestamp(f"{year}-01-01") + pd.to_timedelta(rng.integers(0, 364 * 24 * 60, n), unit="min")
    out = pd.DataFrame({
        "RespondentID": (1_000_000 + who["person_id"]).astype(str).to_numpy(),   # personnel number from HR
        "StartDate": start.strftime("%Y-%m-%d %H:%M:%S"),
        "EndDate": (start + pd.to_timedelta(np.round(np.clip(rng.lognormal(np.log(9), 0.4, n), 3.2, 60) * 60), unit="s"))
        .strftime("%Y-%m-%d %H:%M:%S"),
        "Directie": who["directie_code"].to_numpy(),
        "Q1_leeftijd": refuse(who["age"].to_numpy(), 0.03, None),     # not answered: an empty cell
        "Q2_geslacht": who["geslacht"].map(GENDER).to_numpy(),
        "Q3_herkomst": refuse(who["origin"].map(ORIGIN).to_numpy(), 0.04, "Zeg ik liever niet"),
        "Q3b_schaal": refuse(who["salarisschaal"].to_numpy(), 0.05, None),
    })
    for reason, col in REASON_COLUMNS.items():
        out[col] = ans[f"reden_{reason}"].to_numpy()
    out["Q5_aanbevelen"] = refuse(yes_no(ans["aanbevelen"]), 0.05, "Weet ik niet")
    out["Q6_uitsluiting"] = refuse(yes_no(ans["uitsluiting"]), 0.03, "Zeg ik liever niet")
    out["Q7_discriminatie"] = refuse(yes_no(ans["discriminatie"]), 0.03, "Zeg ik liever niet")
    for i in range(4):
        out[f"Q8_{i + 1}"] = ans[f"ei{i + 1}"].to_numpy().astype(float)
    # a few broken-off first attempts (a day earlier, last items empty): the cleaning keeps the full one
    dup = out.sample(frac=0.015, random_state=int(rng.integers(1 << 31))).copy()
    for col in ("StartDate", "EndDate"):
        dup[col] = (pd.to_datetime(dup[col]) - pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d %H:%M:%S")
    dup[["Q8_3", "Q8_4"]] = np.nan
    out = pd.concat([out, dup], ignore_index=True)
    return out.sample(frac=1, random_state=int(rng.integers(1 << 31))).reset_index(drop=True)


def write(out, snap: pd.DataFrame, seed: int, p: dict) -> tuple[dict[int, str], dict]:
    """exit_<year>.csv for each exit year; returns (year -> file name, truth)."""
    from pipeline.io import atomic_path
    files, truth = {}, {}
    for y in p["exit"]["years"]:
        left = leavers(snap, y)
        frame, responded, truth[y] = answers(left, y, seed, p)
        path = out / f"exit_{y}.csv"
        with atomic_path(path) as tmp:
            supplier_file(left, frame, responded, y, seed).to_csv(tmp, index=False, encoding="utf-8")
        files[y] = path.name
    return files, truth

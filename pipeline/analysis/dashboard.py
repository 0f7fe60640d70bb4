"""Headline dashboard: for each programme indicator where it stands, how it changed since the
baseline, whether that change is significant after Benjamini-Hochberg, and whether it moves toward
the goal. Feeds the first page of the report (index.html)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analysis import discrimination as D
from pipeline.analysis import register as R
from pipeline.analysis import trend as T
from pipeline.analysis.load import survey_design
from pipeline.survey import stack

SURVEY_GAPS = [  # (source, construct, dimension, group, Dutch label)
    ("nim", "inclusion", "herkomst_oud", "niet_westers", "Inclusiekloof niet-westerse migratieachtergrond"),
    ("nim", "inclusion", "beperking", "ja", "Inclusiekloof beperking/chronische ziekte"),
    ("nim", "inclusion", "lhbtiq", "ja", "Inclusiekloof LHBTIQ+"),
    ("mto", "social_safety", "herkomst_oud", "niet_westers", "Kloof sociale veiligheid niet-westerse migratieachtergrond"),
]


def build(settings, k: int) -> pd.DataFrame:
    refs = settings["groups"]["reference"]
    rows = []
    stacks = {}
    for source, construct, dim, group, lab in SURVEY_GAPS:
        waves = settings.waves(source)
        if len(waves) < 2 or not all(w in settings.waves("register") for w in waves):
            continue
        if source not in stacks:
            stacks[source] = stack({w: survey_design(settings, source, w)[0] for w in (waves[0], waves[-1])})
        g = T.gap_changes(stacks[source], construct, [dim], refs, [waves[0], waves[-1]], k)
        g = g[g["group"] == group]
        if g.empty or g["onderdrukt"].iloc[0]:
            continue
        r = g.iloc[0]
        gap_last, gap_base = r[f"gap_{waves[-1]}"], r[f"gap_{waves[0]}"]
        rows.append({"indicator": lab, "periode": f"{waves[0]}–{waves[-1]}", "stand": gap_last,
                     "verandering": r["did"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p": r["p"],
                     "naar_doel": bool(np.sign(r["did"]) == -np.sign(gap_base)), "eenheid": "schaalpunten"})
    waves = settings.waves("discrimination")
    if len(waves) >= 2 and all(w in settings.waves("register") for w in (waves[0], waves[-1])):
        ds = {}
        for w in (waves[0], waves[-1]):
            ds[w] = D.with_derived(survey_design(settings, "discrimination", w)[0])
        c = D.change(stack(ds), ["ervaren_discriminatie"], [], waves[0], waves[-1], k).iloc[0]
        rows.append({"indicator": "Ervaren discriminatie (12 mnd)", "periode": f"{waves[0]}–{waves[-1]}",
                     "stand": c["repeat"], "verandering": c["change"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
                     "p": c["p"], "naar_doel": bool(c["change"] < 0), "eenheid": "aandeel"})
    t = settings["targets"]
    years = [y for y in t["years"] if y in settings.waves("register")]
    if years:
        snaps = {y: pd.read_parquet(settings.processed_dir / f"register_{y}.parquet") for y in years}
        st = R.target_status(R.target_table(snaps, classification=settings["register_monitor"]["classification"],
                                            young_cutoff=settings["groups"]["young_cutoff"]), t)
        first, last = st.iloc[0], st.iloc[-1]
        for col, lab, goal in (("share_young", f"Aandeel jonger dan 35 (doel {t['share_under35']:.0%})", t["share_under35"]),
                               ("share_div_12_14", f"Niet-westers in schaal 12–14 (doel {t['share_nonwestern_12_14']:.0%})",
                                t["share_nonwestern_12_14"])):
            ch = last[col] - first[col]
            rows.append({"indicator": lab, "periode": f"{int(first['jaar'])}–{int(last['jaar'])}", "stand": last[col],
                         "verandering": ch, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan,
                         "naar_doel": bool(ch > 0) if last[col] < goal else True, "eenheid": "aandeel (telling)"})
        rows.append({"indicator": f"Toename diversiteit vanaf schaal 12 (doel +{t['diversity_12plus_relative_increase']:.0%})",
                     "periode": f"{int(first['jaar'])}–{int(last['jaar'])}", "stand": last["relative_change_12plus"],
                     "verandering": last["relative_change_12plus"], "ci_low": np.nan, "ci_high": np.nan, "p": np.nan,
                     "naar_doel": bool(last["relative_change_12plus"] > 0), "eenheid": "relatieve toename (telling)"})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["p_bh"] = T.bh(out["p"])
    out["significant"] = np.where(out["p_bh"].isna(), "n.v.t. (telling)", np.where(out["p_bh"] < 0.05, "ja", "nee"))
    out["richting"] = np.where(out["naar_doel"], "naar het doel", "van het doel af")
    return out

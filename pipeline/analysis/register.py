"""Workforce targets and flows from the HR register (a census: exact counts, no sampling intervals).

The shares behind the programme's targets are computed in one place, pipeline/analysis/targets.py
(`share_table` and the declared targets of config/targets.yaml); this module adds what only the
register chapter shows. `classification` selects 'old' (niet-westers) or 'cbs' (buiten Europa) as
the diverse group.

Flows between consecutive snapshots (linked on the keyed pseudonym): inflow = present now, absent
before; outflow = present before, absent now; throughflow = a stayer whose pay-scale band went up.
Rates carry exact (Clopper-Pearson) intervals, as yearly process rates; groups are compared with
Fisher's exact test against the reference group.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from pipeline.analysis.targets import share_tidy
from pipeline.config import band_order, diverse_group
from pipeline.disclosure.publish import Estimates, LinkedCounts, Rates, Result, Rounding
from pipeline.results import Tidy


def _diverse(df: pd.DataFrame, classification: str) -> tuple[pd.Series, pd.Series]:
    """(in the diverse group, origin known): unknown origin is neither diverse nor not diverse."""
    col, level = diverse_group(classification)
    origin = df[col].astype("object")
    return origin == level, origin.notna()


def flows(snapshots: dict[int, pd.DataFrame], group: str, *, id_col: str = "pseudo_id") -> pd.DataFrame:
    """In-, through- and outflow between consecutive years per level of `group` (at the start for
    leavers and stayers, at the end for hires), with counts and denominators."""
    years = sorted(snapshots)
    band_rank = {b: i for i, b in enumerate(band_order())}
    rows = []
    for prev, cur in zip(years[:-1], years[1:]):
        a = snapshots[prev].set_index(id_col)
        b = snapshots[cur].set_index(id_col)
        left = ~a.index.isin(b.index)
        hired = ~b.index.isin(a.index)
        both = a.index.intersection(b.index)
        up = (b.loc[both, "schaalband"].astype(str).map(band_rank)
              > a.loc[both, "schaalband"].astype(str).map(band_rank)).to_numpy()
        ga, gb, gboth = (x[group].astype("object") for x in (a, b, a.loc[both]))
        for level in sorted(set(ga.dropna()) | set(gb.dropna())):
            rows.append({"periode": f"{prev}-{cur}", group: level,
                         "headcount_start": int((ga == level).sum()), "hires": int((hired & (gb == level)).sum()),
                         "leavers": int((left & (ga == level)).sum()), "stayers": int((gboth == level).sum()),
                         "band_promotions": int((up & (gboth == level).to_numpy()).sum())})
    return pd.DataFrame(rows, columns=["periode", group, "headcount_start", "hires", "leavers", "stayers",
                                       "band_promotions"])


def flow_rates(fl: pd.DataFrame, group: str, reference: str) -> Result:
    """Rates with exact 95% intervals and Fisher's exact test against the reference group, long format.
    Disclosure: a flow of 1..k-1 persons or a base below k hides the rate (register rule)."""
    specs = {"instroom": ("hires", "headcount_start"), "uitstroom": ("leavers", "headcount_start"),
             "doorstroom": ("band_promotions", "stayers")}
    rows = []
    for period, g in fl.groupby("periode", sort=True):
        ref = g[g[group] == reference]
        for flow, (num, den) in specs.items():
            for _, r in g.iterrows():
                x, n = int(r[num]), int(r[den])
                lo, hi = proportion_confint(x, n, method="beta") if n > 0 else (np.nan, np.nan)
                p = np.nan
                if len(ref) and r[group] != reference and n > 0:
                    rx, rn = int(ref[num].iloc[0]), int(ref[den].iloc[0])
                    p = stats.fisher_exact([[x, n - x], [rx, rn - rx]])[1]
                rows.append({"periode": period, "stroom": flow, group: r[group], "aantal": x, "noemer": n,
                             "rate": x / n if n else np.nan, "ci_low": lo, "ci_high": hi, "p_vs_referentie": p})
    out = pd.DataFrame(rows, columns=["periode", "stroom", group, "aantal", "noemer", "rate", "ci_low", "ci_high",
                                      "p_vs_referentie"])
    # yearly rates are a few per cent: a tenth of a percentage point is the precision a reader needs
    rounding = Rounding(counts=("aantal", "noemer"), rates=("rate", "ci_low", "ci_high"), p=("p_vs_referentie",),
                        ratios=(("rate", "aantal", "noemer"),))
    return Result(out, Rates("aantal", "noemer", columns=("rate", "ci_low", "ci_high", "p_vs_referentie"),
                             rounding=rounding),
                  tidy=(Tidy("rate", {"indicator": "stroom", "estimate": "rate", "p": "p_vs_referentie", "waves": "periode",
                                      "group": group, "n": "noemer"}, {"dimension": group}),))


def pipeline_representation(snapshots: dict[int, pd.DataFrame], classification: str = "old") -> Result:
    """Share of the diverse group per pay-scale band and year: the 'pipeline' from <=9 to 15+.
    Disclosure: a band with fewer than k staff, or fewer than k in or out of the group, is not shown
    (rule 6); shares are rounded to whole percentages."""
    rows = []
    for year, df in sorted(snapshots.items()):
        div, known = _diverse(df, classification)
        for band in band_order():
            m = df["schaalband"].astype(str) == band
            rows.append({"jaar": year, "schaalband": band, "n": int(m.sum()), "n_divers": int((div & m).sum()),
                         "n_bekend": int((known & m).sum())})
    out = pd.DataFrame(rows)
    out["aandeel"] = out["n_divers"] / out["n_bekend"]  # unknown origin is left out of the share
    return Result(out, Estimates(keys=("jaar",), shares=(("n_divers", "n_bekend"),), rounding={"aandeel": 2}),
                  tidy=(Tidy("share", {"estimate": "aandeel", "group": "schaalband", "waves": "jaar"},
                             {"indicator": f"share_diverse_{classification}", "dimension": "schaalband"}),))


DIRECTORATE_PAIRS = (("n_12_14", "n"), ("n_12plus", "n"), ("n_young", "n"), ("div_12_14", "known_12_14"),
                     ("div_12plus", "known_12plus"), ("unknown_12_14", "n_12_14"), ("unknown_12plus", "n_12plus"),
                     ("n_15plus", "n"), ("div_15plus", "known_15plus"))
# cells that follow from two published bands (audit of linked tables): scale 15+ = from 12 up - 12-14;
# where such a cell is hidden, the 12+ column goes so the difference cannot be taken
DIRECTORATE_DIFFERENCES = {"n_15plus": ("n_12plus", "n_12_14", "n_12plus"),
                           "div_15plus": ("div_12plus", "div_12_14", "div_12plus"),
                           "known_15plus": ("known_12plus", "known_12_14", "known_12plus")}
DIRECTORATE_COUNTS = ("n", "n_young", "n_12_14", "div_12_14", "n_12plus", "div_12plus", "known_12_14", "known_12plus",
                      "unknown_12_14", "unknown_12plus")


def unknown_origin(table: pd.DataFrame, snapshots: dict[int, pd.DataFrame], classification: str = "old") -> Result:
    """Staff of unknown origin per year, overall and in the target bands (register counts, rule `Rates`)."""
    col, _ = diverse_group(classification)
    rows = []
    for _, r in table.iterrows():
        total = int(snapshots[r["jaar"]][col].isna().sum())
        for label, count, base in (("alle medewerkers", total, r["n"]), ("schaal 12–14", r["unknown_12_14"], r["n_12_14"]),
                                   ("vanaf schaal 12", r["unknown_12plus"], r["n_12plus"])):
            rows.append({"jaar": int(r["jaar"]), "groep": label, "aantal": int(count), "noemer": int(base),
                         "aandeel": count / base if base else np.nan})
    return Result(pd.DataFrame(rows, columns=["jaar", "groep", "aantal", "noemer", "aandeel"]),
                  Rates("aantal", "noemer", columns=("aandeel",),
                        rounding=Rounding(counts=("aantal", "noemer"), shares=("aandeel",))),
                  tidy=(Tidy("share", {"estimate": "aandeel", "waves": "jaar", "category": "groep", "n": "noemer"},
                             {"indicator": "unknown_origin"}),))


def by_directorate(table: pd.DataFrame, key: str = "directie_code") -> Result:
    """Target counts per directorate and year, with the linked-table rule: each count is a cell of
    directorate x {in group, not in group} whose organisation totals are published; the scale-15+
    cells that follow from the 12+ and 12-14 bands are audited too, and what is published is rounded
    (counts to base 5, shares to whole percentages) so no hidden count can be back-calculated."""
    return Result(table, LinkedCounts(
        differences=DIRECTORATE_DIFFERENCES,
        rounding=Rounding(counts=DIRECTORATE_COUNTS, shares=("share_young", "share_div_12_14", "share_div_12plus")),
        unit=key, pairs=DIRECTORATE_PAIRS,
        shares={"n_young": "share_young", "div_12_14": "share_div_12_14", "div_12plus": "share_div_12plus"},
        depends={"n_12_14": ("div_12_14", "share_div_12_14", "known_12_14", "unknown_12_14"),
                 "n_12plus": ("div_12plus", "share_div_12plus", "known_12plus", "unknown_12plus"),
                 "div_12plus": ("share_div_12plus",),
                 "unknown_12_14": ("known_12_14",), "unknown_12plus": ("known_12plus",)}),
        tidy=share_tidy(key))


def benchmark_table(snapshot: pd.DataFrame, benchmark: dict, column: str, decimals: int | None = None) -> pd.DataFrame:
    """Workforce composition next to the labour-force composition given in the config. `decimals`: the
    register shares' rounding (config `disclosure.rounding.register_shares`); exact shares of a known
    base give the exact counts back (issue 25 A4: three shares at 6 decimals pinned the origin counts)."""
    shares = snapshot[column].astype("object").value_counts(normalize=True)
    if decimals is not None:
        shares = shares.round(decimals)
    bench = benchmark.get(column, {})
    rows = [{"groep": lv, "medewerkers": float(shares.get(lv, 0.0)), "beroepsbevolking": float(v),
             "verschil": float(shares.get(lv, 0.0)) - float(v)} for lv, v in bench.items()]
    return pd.DataFrame(rows)

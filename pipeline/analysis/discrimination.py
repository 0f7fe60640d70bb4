"""Experienced discrimination and unwanted behaviour: prevalence, grounds, sources, reporting, and the
change between the baseline study and its repeat.

Multiple-response questions (grounds, sources, to whom reported, reasons) are one 0/1 indicator per
option. Follow-up questions are asked only of those who experienced discrimination (or reported it);
their shares are domain estimates among those asked. Prevalence *per ground* in the whole workforce is
derived: experienced discrimination on that ground = experienced AND ground named.

Item non-response on the follow-ups (issue 15): an experiencer who skips the grounds question would
leave the denominator while every non-experiencer counts as 0, biasing "experienced X on ground G"
down by the skip rate. `chained_share` therefore estimates it as P(X) x P(G | X, answered) — the
product of the screening share and the share among experiencers who answered — with a linearised
standard error from the design, and reports the share who skipped. This assumes the skippers
resemble the experiencers who answered (missing at random within the domain).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analysis.gaps import level_table, yes_counts
from pipeline.codebook import load_codebook
from pipeline.disclosure.publish import Estimates, GroupSizes, Result
from pipeline.labels import group as label
from pipeline.results import Tidy
from pipeline.survey import DesignError, SurveyDesign
from pipeline.survey.design import _korn_graubard
from pipeline.survey.variance import domain_variance

PREVALENCE = ["ervaren_ongewenst", "gezien_ongewenst", "ervaren_discriminatie", "ervaren_racisme",
              "ervaren_microagressie", "ervaren_pesten", "ervaren_seksuele_intimidatie", "gezien_discriminatie"]
GROUNDS = ["grond_herkomst", "grond_religie", "grond_gender", "grond_seksuele_orientatie", "grond_beperking",
           "grond_leeftijd"]
SOURCES = ["bron_leidinggevende", "bron_collega", "bron_burger"]
REPORTING = ["gemeld", "gemeld_leidinggevende", "gemeld_vertrouwenspersoon", "gemeld_meldpunt",
             "gemeld_second_opinion", "tevreden_afhandeling"]
REASONS = ["reden_geen_zin", "reden_angst_gevolgen", "reden_wist_niet_waar", "reden_te_klein"]
KNOWLEDGE = ["kent_routekaart", "kent_vertrouwenspersoon"]


def labels(wave: int) -> dict[str, str]:
    cb = load_codebook("discrimination", wave)
    out = {n: v.get("label", n) for n, v in cb.variables.items()}
    out.update({f"discr_{g}": f"Discriminatie ervaren, {cb.variables[g]['label'].split(': ', 1)[1]}" for g in GROUNDS})
    out.update({"funnel_gemeld": "Ervaren én gemeld", "funnel_tevreden": "Ervaren, gemeld én tevreden over afhandeling"})
    return out


def add_derived(df: pd.DataFrame) -> pd.DataFrame:
    """Population-level indicators: discrimination per ground, and the reporting funnel. An item a
    wave did not ask (optional in its codebook, absent from the file) is carried as all missing, and
    so is every indicator derived from it: `measured` then says it was not measured that wave."""
    out = df.copy()
    for c in [*PREVALENCE, *GROUNDS, *SOURCES, *REPORTING, *REASONS, *KNOWLEDGE]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float) if c in out else np.nan
    exp = out["ervaren_discriminatie"]
    for g in GROUNDS:
        out[f"discr_{g}"] = np.where(exp == 0, 0.0, np.where(exp == 1, out[g], np.nan))
    rep, sat = out["gemeld"], out["tevreden_afhandeling"]
    out["funnel_gemeld"] = np.where(exp == 0, 0.0, np.where(exp == 1, rep, np.nan))
    out["funnel_tevreden"] = np.where(out["funnel_gemeld"] == 0, 0.0, np.where(out["funnel_gemeld"] == 1, sat, np.nan))
    if not out[GROUNDS].notna().any().all():  # a ground not asked: its indicator is not 0 for non-experiencers
        for g in GROUNDS:
            if out[g].isna().all():
                out[f"discr_{g}"] = np.nan
    if out["gemeld"].isna().all():
        out["funnel_gemeld"] = np.nan
    if out["tevreden_afhandeling"].isna().all() or out["gemeld"].isna().all():
        out["funnel_tevreden"] = np.nan
    return out


def measured(design: SurveyDesign, indicator: str) -> bool:
    """Whether a wave measured the indicator (it has at least one answer)."""
    data = design.data
    return indicator in data and bool(data[indicator].notna().any())


def with_derived(design: SurveyDesign) -> SurveyDesign:
    """A new design with add_derived's columns (the given design is left as it is)."""
    data = design.data
    derived = add_derived(data)
    return design.update(**{c: derived[c] for c in derived.columns
                            if c not in data or derived[c].dtype != data[c].dtype or not derived[c].equals(data[c])})


# nested population-level shares: indicator -> the indicator whose 1s it subdivides. Their ratio is a
# share within a sub-group (e.g. satisfied among those who reported), so disclosure is decided on
# that sub-group's unweighted n (rule 6 of pipeline.disclosure.suppress).
NESTED = {"funnel_gemeld": "ervaren_discriminatie", "funnel_tevreden": "funnel_gemeld",
          **{f"discr_{g}": "ervaren_discriminatie" for g in GROUNDS}}


def prevalence(design: SurveyDesign, indicators: list[str], dims: list[str]) -> Result:
    """Shares (Korn-Graubard intervals) overall and per group (disclosure: rules 1, 3, 4 and 6; nested
    funnel steps and grounds on their sub-group, `NESTED`)."""
    return level_table(design, indicators, dims, estimator="proportion", name="indicator", nested=NESTED)


CHAINS = {**{f"discr_{g}": ("ervaren_discriminatie", g) for g in GROUNDS},
          "funnel_gemeld": ("ervaren_discriminatie", "gemeld"),
          "funnel_tevreden": ("ervaren_discriminatie", "gemeld", "tevreden_afhandeling")}


def _chain(design: SurveyDesign, steps: tuple[str, ...], by, influence: bool = False):
    """theta = P(s1) x P(s2 | s1, s2 answered) x ... per domain of `by`, with SE from the linearised
    variable z = theta * sum_j (num_j / T_num_j - den_j / T_den_j) (delta method for a product of
    ratios), whose weighted total's variance the design gives (strata, FPC, calibration)."""
    data = design.data
    if by is None:
        codes, labels = np.zeros(len(data), dtype=int), pd.DataFrame(index=[0])
    else:
        cat = pd.Categorical(data[by])
        codes, labels = cat.codes.astype(int), pd.DataFrame({by: cat.categories})
    if len(design.domain) and not design.domain.all():
        codes = np.where(design.domain, codes, -1)
    D = len(labels)
    ok = codes >= 0
    c = np.where(ok, codes, 0)
    w = design.w
    vals = [pd.to_numeric(data[s], errors="coerce").to_numpy(float) for s in steps]
    eligible = ok.copy()
    nums, dens, theta = [], [], np.ones(D)
    for v in vals:
        den = eligible & ~np.isnan(v)
        num = den & (v == 1)
        T_den = np.bincount(c[den], weights=w[den], minlength=D)
        T_num = np.bincount(c[num], weights=w[num], minlength=D)
        with np.errstate(invalid="ignore", divide="ignore"):
            theta = theta * T_num / T_den
        nums.append((num, T_num))
        dens.append((den, T_den))
        last_eligible = eligible
        eligible = num
    z = np.zeros(len(w))
    with np.errstate(invalid="ignore", divide="ignore"):
        for (num, T_num), (den, T_den) in zip(nums, dens):
            z += np.where(num, 1 / T_num[c], 0.0) - np.where(den, 1 / T_den[c], 0.0)
        z = np.where(ok, theta[c] * z, 0.0)
    z = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
    # variance of each domain's weighted total of z, straight from the design's variance estimator
    # (strata, FPC, calibration residuals): no copy of the data per call
    var = domain_variance(w * z, np.where(ok, codes, -1), D, design.strata, design.lonely_psu, design.calibration)
    se = np.sqrt(var)
    df = np.full(D, design.degf, dtype=float)   # as svyciprop: the design's degrees of freedom
    asked = last_eligible  # eligible for the last question
    W_asked = np.bincount(c[asked], weights=w[asked], minlength=D)
    answered = asked & ~np.isnan(vals[-1])
    W_ans = np.bincount(c[answered], weights=w[answered], minlength=D)
    n = np.bincount(c[ok & ~np.isnan(vals[0])], minlength=D)
    # Korn-Graubard interval, as every published share (SHARE_INTERVAL): these shares are rare (0.5-7%),
    # where a Wald interval on the logit scale with the SE at the estimate under-covers (a low estimate
    # has a small SE: 0.70 coverage for a 0.5% share with ~5 yes-answers in 100 replicated samples) and
    # has zero width at 0
    lo, hi = _korn_graubard(theta, se, df, n.astype(float), np.bincount(c[ok], minlength=D).astype(float), design.level)
    with np.errstate(invalid="ignore", divide="ignore"):
        skipped = 1 - W_ans / W_asked
    out = labels.assign(estimate=theta, se=np.where(theta == 0, 0.0, se), ci_low=lo, ci_high=hi, n=n, deff=np.nan,
                        skipped=skipped,
                        n_followup=np.bincount(c[asked], minlength=D))
    if influence:  # for contrasts between domains (changes): the influence values and their domain
        return out, (w * z, np.where(ok, codes, -1))
    return out


def chained_share(design: SurveyDesign, indicators: list[str], dims: list[str]) -> Result:
    """Workforce shares of follow-up outcomes (`CHAINS`: discrimination on a ground, experienced and
    reported, ...) robust to skipped follow-ups, overall and per group; `skipped`: weighted share of
    those asked the last follow-up who left it blank. Disclosure as `prevalence` (rules 1, 3, 4)."""
    rows = []
    for ind in indicators:
        rows.append(_chain(design, CHAINS[ind], None).assign(indicator=ind, dimension="totaal", group="totaal",
                                                            group_label="Alle medewerkers"))
        for dim in dims:
            est = _chain(design, CHAINS[ind], dim)
            est["group"] = est[dim].astype(str)
            est["group_label"] = [label(dim, v) for v in est["group"]]
            rows.append(est.drop(columns=[dim]).assign(indicator=ind, dimension=dim))
    out = pd.concat(rows, ignore_index=True)
    # the skip share is reported for all staff only: per group it would rest on a handful of experiencers
    out.loc[out["dimension"] != "totaal", ["skipped", "n_followup"]] = np.nan
    cols = ["indicator", "dimension", "group", "group_label", "estimate", "se", "ci_low", "ci_high", "n", "deff",
            "skipped", "n_followup"]
    return Result(out[cols], Estimates(sizes=(GroupSizes.of(design.data, dims),)),
                  tidy=(Tidy("share", {"indicator": "indicator"}),
                        Tidy("skipped_share", {"estimate": "skipped", "n": "n_followup"},
                             {"se": np.nan, "ci_low": np.nan, "ci_high": np.nan}, only={"dimension": "totaal"})))


def population_shares(design: SurveyDesign, indicators: list[str], dims: list[str]) -> Result:
    """Workforce-level shares of every indicator in one table: screening questions and knowledge as
    plain design-based proportions, follow-up outcomes (`CHAINS`) by `chained_share`."""
    plain = prevalence(design, [i for i in indicators if i not in CHAINS], dims)
    follow = [i for i in indicators if i in CHAINS]
    chained = chained_share(design, follow, dims)
    # the chained rows are checked as the plain ones (rule 6: yes and no in the nested sub-group >= k);
    # without their counts every follow-up share was suppressed
    counts = yes_counts(design.data, follow, dims, NESTED, "indicator")
    chained_t = chained.table.merge(counts, on=["indicator", "dimension", "group"], how="left")
    table = pd.concat([plain.table.assign(chained=False), chained_t.assign(chained=True)], ignore_index=True)
    order = {ind: k for k, ind in enumerate(indicators)}
    table = table.sort_values("indicator", key=lambda x: x.map(order), kind="stable").reset_index(drop=True)
    return Result(table, plain.rule, tidy=(Tidy("share", {"indicator": "indicator"}),
                                           Tidy("skipped_share", {"estimate": "skipped", "n": "n_followup"},
                                                {"se": np.nan, "ci_low": np.nan, "ci_high": np.nan},
                                                only={"chained": True, "dimension": "totaal"})))


def chained_change(designs: dict, indicators: list[str], baseline, repeat, family: str = "verandering",
                   stacked: SurveyDesign | None = None, label_col: str = "golf") -> Result:
    """Change of a `chained_share` between two waves (overall). With `stacked` (the change stack of the
    two waves, `pipeline.analysis.load.change_designs`) the variance of the difference comes from that
    design (the linked-panel covariance of shared respondents included); without it the waves' samples
    are taken as independent (variances added)."""
    from pipeline.survey.variance import design_covariance
    rows = []
    for ind in indicators:
        a = _chain(designs[baseline], CHAINS[ind], None).iloc[0]
        b = _chain(designs[repeat], CHAINS[ind], None).iloc[0]
        d, se = b["estimate"] - a["estimate"], float(np.hypot(a["se"], b["se"]))
        if stacked is not None:
            both, (u, codes) = _chain(stacked, CHAINS[ind], label_col, influence=True)
            waves = list(both[label_col])
            ia, ib = waves.index(baseline), waves.index(repeat)
            diff = np.where(codes == ib, u, 0.0) - np.where(codes == ia, u, 0.0)
            var = design_covariance(diff[:, None], stacked.strata, stacked.lonely_psu, stacked.calibration)[0, 0]
            se = float(np.sqrt(max(var, 0.0)))
        dfree = max(int(a["n"]) + int(b["n"]) - 2, 1)
        q = stats.t.ppf(0.975, dfree)
        rows.append({"indicator": ind, "dimension": "totaal", "group": "totaal", "group_label": "Alle medewerkers",
                     "baseline": a["estimate"], "repeat": b["estimate"], "change": d, "se": se,
                     "ci_low": d - q * se, "ci_high": d + q * se, "p": 2 * stats.t.sf(abs(d) / se, dfree) if se > 0 else np.nan,
                     "n_baseline": int(a["n"]), "n_repeat": int(b["n"])})
    return Result(pd.DataFrame(rows), Estimates(n=("n_baseline", "n_repeat")), family=family,
                  tidy=(Tidy("change", {"estimate": "change", "n": "n_repeat"}),))


def change(stacked: SurveyDesign, indicators: list[str], dims: list[str], baseline, repeat,
           label_col: str = "golf", family: str = "verandering", controls: list[str] = (),
           model: SurveyDesign | None = None) -> Result:
    """Change repeat - baseline per indicator, overall and per group: raw (difference of design-based
    proportions on `stacked`: linked by the person key when it has one, `pipeline.analysis.linkage`),
    adjusted for composition (linear probability svyglm with pay-scale band, age band, gender and
    origin: config `models.composition_change`), Rao-Scott F for the indicator x wave table; BH over
    `family`. `model`: the stacked design for the adjusted change (the regression), e.g. without FPC in
    the superpopulation frame; default `stacked`.
    Disclosure: a group hidden on the stacked respondents, or with fewer than k in either wave; in
    each wave yes and no both at least k (rule 6; nested indicators on their sub-group)."""
    rows = []
    data = stacked.data
    counts = {}  # (indicator, dimension, group) -> unweighted yes counts and nested n per wave
    for wave, tag in ((baseline, "baseline"), (repeat, "repeat")):
        wd = data[data[label_col] == wave]
        for r in yes_counts(wd, list(indicators), dims, NESTED).itertuples():
            counts.setdefault((r.indicator, r.dimension, r.group), {}).update(
                {f"ja_{tag}": r.n_ja, f"sub_{tag}": r.n_sub})
    for ind in indicators:
        found = {}  # (dim, level) -> comparison row; one design pass per dimension
        for dim in ["totaal", *dims]:
            try:
                cmp = stacked.compare(ind, by=label_col, reference=baseline,
                                      within=None if dim == "totaal" else dim)
            except DesignError:
                continue
            for _, r in cmp[cmp[label_col] == repeat].iterrows():
                found[(dim, "totaal" if dim == "totaal" else str(r[dim]))] = r
        groups = [("totaal", "totaal", None)] + [
            (dim, str(lv), lv) for dim in dims for lv in data[dim].dropna().unique()]
        for dim, key, lv in groups:
            r = found.get((dim, key))
            if r is None:
                continue
            n_b = int(r["n_ref"])
            yes = counts.get((ind, dim, key), {})
            rows.append({**yes, "indicator": ind, "dimension": dim, "group": key,
                         "group_label": "Alle medewerkers" if lv is None else label(dim, lv),
                         "baseline": r["ref_estimate"], "repeat": r["estimate"], "change": r["difference"],
                         "se": r["se"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "p": r["p"],
                         "n_baseline": n_b, "n_repeat": int(r["n"])})
    out = pd.DataFrame(rows)
    # composition-adjusted change and Rao-Scott test, overall only
    adj, rs = {}, {}
    adjust = "".join(f" + {t}" for t in controls)
    for ind in indicators:
        try:
            fit = (model or stacked).glm(f"{ind} ~ C({label_col}, Treatment({baseline!r})){adjust}")
            term = fit[fit["term"].str.startswith(f"C({label_col}")].iloc[0]
            adj[ind] = (term["estimate"], term["p"])
        except (DesignError, IndexError, np.linalg.LinAlgError):
            adj[ind] = (np.nan, np.nan)
        try:
            rs[ind] = stacked.chisq(ind, label_col).iloc[0]["p"]
        except DesignError:
            rs[ind] = np.nan
    overall = out["dimension"] == "totaal"
    out["adj_change"] = np.where(overall, out["indicator"].map(lambda i: adj[i][0]), np.nan)
    out["adj_p"] = np.where(overall, out["indicator"].map(lambda i: adj[i][1]), np.nan)
    out["p_raoscott"] = np.where(overall, out["indicator"].map(rs), np.nan)
    tidy = (Tidy("change", {"estimate": "change", "n": "n_repeat"}),
            Tidy("adjusted_change", {"estimate": "adj_change", "p": "adj_p"}, {"se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_bh": np.nan}, only={"dimension": "totaal"}),
            Tidy("raoscott_test", {"p": "p_raoscott"}, {"estimate": np.nan, **{"se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_bh": np.nan}}, only={"dimension": "totaal"}))
    for c in ("ja_baseline", "sub_baseline", "ja_repeat", "sub_repeat"):
        out[c] = out[c].astype(float) if c in out else np.nan
    shares = (("ja_baseline", "n_baseline"), ("ja_repeat", "n_repeat"), ("ja_baseline", "sub_baseline"),
              ("ja_repeat", "sub_repeat"))
    return Result(out, Estimates(n=("n_baseline", "n_repeat"), sizes=(GroupSizes.of(data, dims),), shares=shares,
                                 item=("indicator",)), family=family, tidy=tidy)


def _pct(x: float) -> str:
    """A share in whole percentages, Dutch style ("11 %"), "niet getoond" when suppressed."""
    from pipeline.report import numbers as num
    return num.percent(x, 0) if pd.notna(x) else "niet getoond"


def reported_base(follow: pd.DataFrame) -> int | None:
    """About how many respondents the satisfaction with the handling of a report is based on (those
    who reported): the published n of the follow-up table, rounded to tens; None when not published."""
    row = follow[follow["indicator"] == "tevreden_afhandeling"]
    if row.empty or pd.isna(row["n"].iloc[0]) or pd.isna(row["estimate"].iloc[0]):
        return None
    return int(round(float(row["n"].iloc[0]), -1))


BASES = {"tevreden_afhandeling": "van wie een melding deed"}  # indicators whose base is not all staff
NOT_AN_EFFECT = "Of dit door het programma komt, laat deze vergelijking niet zien."


def summary_nl(prev: pd.DataFrame, chg: pd.DataFrame | None, labs: dict, wave: int, baseline=None,
               reported: int | None = None) -> str:
    """The chapter's summary, one finding per sentence; `reported`: about how many made a report (the
    base of the satisfaction with its handling, see `reported_base`)."""
    tot = prev[(prev["dimension"] == "totaal")].set_index("indicator")["estimate"]

    def pct(indicator: str) -> str:  # an item the wave did not ask: said so, not "niet getoond"
        return _pct(tot[indicator]) if indicator in tot else f"(niet gemeten in {wave})"
    lines = [f"In {wave} ervoer {pct('ervaren_ongewenst')} van de medewerkers ongewenst gedrag in de afgelopen "
             f"12 maanden. {pct('gezien_ongewenst')} zag het bij een ander. "
             f"{pct('ervaren_discriminatie')} ervoer discriminatie."]
    d = prev[(prev["indicator"] == "ervaren_discriminatie") & (prev["dimension"] != "totaal") & ~prev["onderdrukt"]]
    top = d.sort_values("estimate", ascending=False).head(3)
    if len(top):
        lines.append("Discriminatie ervoeren het vaakst: " + "; ".join(f"{r.group_label} ({_pct(r.estimate)})"
                                                                      for r in top.itertuples()) + ".")
    if chg is not None and len(chg):
        c = chg[(chg["dimension"] == "totaal") & chg["p_bh"].notna()]
        sig = c[c["p_bh"] < 0.05]
        if len(sig):
            def base(i):
                if i not in BASES:
                    return ""
                return f", {BASES[i]}" + (f" (ongeveer {reported} mensen in {wave})" if reported else "")
            items = [f"- {labs.get(r.indicator, r.indicator)}{base(r.indicator)}: {'▲ hoger' if r.change > 0 else '▼ lager'} "
                     f"({_pct(r.baseline)} → {_pct(r.repeat)})." for r in sig.itertuples()]
            lines.append(f"Aantoonbaar veranderd sinds {baseline}, na correctie voor de vele vergelijkingen:\n\n"
                         + "\n".join(items))
        else:
            lines.append(f"Geen van de veranderingen sinds {baseline} is aantoonbaar, na correctie voor de vele "
                         "vergelijkingen. De verschillen kunnen toeval zijn.")
        lines.append(NOT_AN_EFFECT)
    return "\n\n".join(lines)


def trend(stacked: SurveyDesign, indicators: list[str], waves: list, label_col: str = "golf") -> Result:
    """Linear trend of each share over every wave (slope per year, overall): a survey-weighted linear
    probability regression on the change stack (`pipeline.analysis.load.change_designs`, the frame of
    the levels). Disclosure: a slope over all respondents of every wave."""
    from pipeline.analysis.trend import trend_test
    from pipeline.disclosure.publish import NoSmallCells
    rows = []
    for ind in indicators:
        try:
            t = trend_test(stacked, ind, label_col)
        except (DesignError, np.linalg.LinAlgError):
            continue
        rows.append({"indicator": ind, "dimension": "totaal", "group": "totaal", "group_label": "Alle medewerkers",
                     "slope": t["slope"], "se": t["se"], "ci_low": t["ci_low"], "ci_high": t["ci_high"], "p": t["p"]})
    cols = ["indicator", "dimension", "group", "group_label", "slope", "se", "ci_low", "ci_high", "p"]
    return Result(pd.DataFrame(rows, columns=cols), NoSmallCells("slopes over all respondents of every wave"),
                  tidy=(Tidy("trend_slope", {"estimate": "slope"},
                             {"waves": f"{waves[0]}-{waves[-1]}", "p_bh": np.nan}),))

"""Experienced discrimination and unwanted behaviour: prevalence, grounds, sources, reporting, and the
change between the baseline study and its repeat.

Multiple-response questions (grounds, sources, to whom reported, reasons) are one 0/1 indicator per
option. Follow-up questions are asked only of those who experienced discrimination (or reported it);
their shares are domain estimates among those asked. Prevalence *per ground* in the whole workforce is
derived: experienced discrimination on that ground = experienced AND ground named.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analysis.gaps import level_table, yes_counts
from pipeline.codebook import load_codebook
from pipeline.disclosure.publish import Estimates, GroupSizes, Result
from pipeline.labels import group as label
from pipeline.results import Tidy
from pipeline.survey import DesignError, SurveyDesign

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
    """Population-level indicators: discrimination per ground, and the reporting funnel."""
    out = df.copy()
    exp = pd.to_numeric(out["ervaren_discriminatie"], errors="coerce").astype(float)
    for g in GROUNDS:
        ground = pd.to_numeric(out[g], errors="coerce").astype(float)
        out[f"discr_{g}"] = np.where(exp == 0, 0.0, np.where(exp == 1, ground, np.nan))
    rep = pd.to_numeric(out["gemeld"], errors="coerce").astype(float)
    sat = pd.to_numeric(out["tevreden_afhandeling"], errors="coerce").astype(float)
    out["funnel_gemeld"] = np.where(exp == 0, 0.0, np.where(exp == 1, rep, np.nan))
    out["funnel_tevreden"] = np.where(out["funnel_gemeld"] == 0, 0.0, np.where(out["funnel_gemeld"] == 1, sat, np.nan))
    for c in [*PREVALENCE, *GROUNDS, *SOURCES, *REPORTING, *REASONS, *KNOWLEDGE]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


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


def change(stacked: SurveyDesign, indicators: list[str], dims: list[str], baseline, repeat,
           label_col: str = "golf", family: str = "verandering", controls: list[str] = ()) -> Result:
    """Change repeat - baseline per indicator, overall and per group: raw (difference of design-based
    proportions on `stacked`: linked by the person key when it has one, `pipeline.analysis.linkage`), adjusted for composition (linear probability svyglm with pay-scale band,
    age band, gender and origin: config `models.composition_change`), Rao-Scott F for the indicator x
    wave table; BH over `family`.
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
            fit = stacked.glm(f"{ind} ~ C({label_col}, Treatment({baseline!r})){adjust}")
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
    return f"{100 * x:.0f}%"


def summary_nl(prev: pd.DataFrame, chg: pd.DataFrame | None, labs: dict, wave: int, baseline=None) -> str:
    tot = prev[(prev["dimension"] == "totaal")].set_index("indicator")["estimate"]
    lines = [f"In {wave} zegt {_pct(tot['ervaren_ongewenst'])} van de medewerkers in de afgelopen 12 maanden "
             f"ongewenst gedrag te hebben ervaren en {_pct(tot['gezien_ongewenst'])} het te hebben gezien; "
             f"{_pct(tot['ervaren_discriminatie'])} ervoer discriminatie."]
    d = prev[(prev["indicator"] == "ervaren_discriminatie") & (prev["dimension"] != "totaal") & ~prev["onderdrukt"]]
    top = d.sort_values("estimate", ascending=False).head(3)
    if len(top):
        lines.append("Het vaakst bij: " + "; ".join(f"{r.group_label} ({_pct(r.estimate)})" for r in top.itertuples()) + ".")
    if chg is not None and len(chg):
        c = chg[(chg["dimension"] == "totaal") & chg["p_bh"].notna()]
        sig = c[c["p_bh"] < 0.05]
        if len(sig):
            parts = [f"{labs.get(r.indicator, r.indicator).lower()} ({_pct(r.baseline)} → {_pct(r.repeat)})" for r in sig.itertuples()]
            lines.append(f"Significant veranderd sinds {baseline} (Benjamini–Hochberg): " + "; ".join(parts) + ".")
        else:
            lines.append(f"Geen van de veranderingen sinds {baseline} is significant na correctie voor meervoudig toetsen.")
    return "\n\n".join(lines)

"""Replicated survey samples from one synthetic workforce: does the pipeline's interval cover?

One demo sample per wave cannot tell bias from luck: all level rows of a wave share its sampling error.
Here the finite population (workforce, everyone's potential answers, register) is fixed, and only who
responds is drawn again, R times, with the generator's own response model (directorate, age, origin,
pay scale, disability; `surveys.respond`). Each replicate goes through the pipeline's own estimators:
the raked design of `pipeline.weight.weighted_design` (margins as configured) and the chapter's
`level_table` / `gap_table`. Across replicates, a 95% interval should contain the planted population
value (`generate.population_summary`) in 95% of the replicates, and the mean error should be small
against the standard error: the design-based (quasi-randomisation) check a statistics office runs.

Item non-response and the cleaning rules are applied once to everyone's potential answers (a fixed
trait of the finite population); the register frame is the generator's own export, cleaned by the
pipeline. Vectorised per replicate; the cost is the raking and the estimators, ~0.1-0.2 s a replicate.

Why here, above both the generator (pipeline.synth) and the estimator (analysis, weight): the world
that checks the pipeline is not built from it, so the generator imports nothing of the estimator;
this harness, used by tests/test_coverage.py and benchmarks/coverage_replicated.py, joins the two.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.clean.careless import careful
from pipeline.clean.pseudonymise import load_key, pseudonymise
from pipeline.clean.readers import read_raw
from pipeline.clean.run import clean_frame
from pipeline.codebook import load_codebook
from pipeline.config import synth_params
from pipeline.synth.generate import _discrimination, _mto, _nim, population_summary, register_frame, unknown_register_origin
from pipeline.synth import programme, training
from pipeline.synth.population import simulate_workforce
from pipeline.synth.surveys import add_item_missing, background_frame, encode, person_key, respond

BUILDERS = {"nim": _nim, "mto": _mto, "discrimination": _discrimination}


@dataclass
class World:
    """A fixed finite population: processed register, everyone's processed potential answers (`answers`,
    row i = person i of `pop`), the truth of every outcome and what `respond` needs."""
    source: str
    wave: int
    pop: pd.DataFrame
    register: pd.DataFrame
    answers: pd.DataFrame
    truth: dict
    response: dict = field(repr=False)
    dir_resp: pd.Series = field(repr=False)
    effects: dict = field(default_factory=dict)  # construct -> directorate -> planted programme effect
    # the source's earlier waves (wave -> that year's workforce), for the panel response of `draw`
    earlier: dict = field(default_factory=dict, repr=False)


def build_world(source: str = "nim", wave: int = 2024, *, scale: float = 0.25, seed: int = 7,
                tmp_dir=None, careless: dict | None = None) -> World:
    """The generator's workforce of `wave` at `scale`, its register export and everyone's potential
    answers to `source`, each cleaned by the pipeline (`clean_frame`) with the careless-responding
    rule `careless` (default: the configured one); the truth follows the same rule."""
    import tempfile
    from pathlib import Path

    from pipeline.synth.generate import careful_population
    if careless is None:
        from pipeline.settings import load_settings
        careless = load_settings().careless

    p = synth_params()
    p = {**p, "workforce_2019": int(round(p["workforce_2019"] * scale)), "seed": seed, "_seed": seed}
    rng = np.random.default_rng(seed)
    snap, dirs, _ = simulate_workforce(p, rng)
    snap = training.with_roles(snap, seed, p)
    unknown = unknown_register_origin(snap["person_id"].to_numpy(), p["register_unknown_origin"], seed)
    pop = snap[snap["year"] == wave].reset_index(drop=True)
    known = pop.assign(**{c: pop[c].where(~unknown[pop["person_id"].to_numpy()]) for c in ("herkomst_oud", "herkomst_cbs")})
    # register: the generator's export, read and cleaned as any register file
    reg_cb = load_codebook("register", wave)
    with tempfile.TemporaryDirectory(dir=tmp_dir) as tmp:
        path = Path(tmp) / f"register_{wave}.csv"
        register_frame(known, wave, dirs.set_index("directie_code")["directie"], seed).to_csv(
            path, sep=";", decimal=",", encoding="cp1252", index=False)
        raw_reg, _ = read_raw(path, reg_cb)
    register, _ = clean_frame(raw_reg, reg_cb, str(path), demo=True)
    # survey: everyone's potential answers, with the generator's item non-response
    dir_resp = pd.Series(rng.normal(0, p["response"]["directorate_sd"], len(dirs)), index=dirs["directie_code"])
    dir_effect = pd.Series(rng.normal(0, p[source].get("directorate_sd", 0.2), len(dirs)), index=dirs["directie_code"])
    wrng = np.random.default_rng([seed, wave, len(source)])
    answers, items, values = BUILDERS[source](pop, p, wave, dir_effect, wrng)
    kept, kept_values, _ = careful_population(pop, answers, values, source, wave, careless)
    kept_values, without = programme.split(kept_values)
    df = pd.concat([background_frame(pop, wave, wrng), answers], axis=1)
    df.insert(1, "persoonssleutel", person_key(pop))
    df = add_item_missing(df, [c for c in items if c in df], p[source].get("item_missing", 0.0), 8, wrng)
    cb = load_codebook(source, wave)
    raw, *_ = encode(df, cb)
    clean, _ = clean_frame(raw, cb, f"{source}_{wave} (replicated)", demo=True, careless=careless)
    clean = careful(clean, careless)
    # row i of `answers` = person i (NaN row for anyone the cleaning rules removed)
    ids = pseudonymise(raw[cb.raw_name(next(n for n, v in cb.variables.items() if v["type"] == "id"))],
                       load_key(demo=True))
    answers = clean.set_index("pseudo_id", drop=False).reindex(ids.to_numpy()).reset_index(drop=True)
    truth = population_summary(kept, kept_values)
    earlier = {int(w): snap[snap["year"] == int(w)].reset_index(drop=True)
               for w in p["response"][source] if int(w) < wave}
    return World(source, wave, pop, register, answers, truth, p["response"], dir_resp,
                 effects=programme.cell_effects(kept, kept_values, without, wave) if without else {}, earlier=earlier)


def answered_before(world: World, rng: np.random.Generator) -> np.ndarray:
    """Per person of the wave: did they answer the source's previous wave? The generator's panel chain
    over the earlier waves (the first by `respond`, each later one by `respond_panel`), drawn from a
    stream of its own (a child of `rng`, so the wave's own draw from `rng` is the same as without it)."""
    from pipeline.synth.surveys import respond_panel
    ids: set = set()
    if world.earlier:
        own = rng.spawn(1)[0]
        overlap = synth_params()["panel"]["overlap"]
        for w, pop in sorted(world.earlier.items()):
            before = pop["person_id"].isin(ids).to_numpy()
            hit = respond_panel(pop, world.response[world.source][w], world.response, world.dir_resp, own, before, overlap)
            ids = set(pop.loc[hit, "person_id"])
    return world.pop["person_id"].isin(ids).to_numpy()


def draw(world: World, rng: np.random.Generator, panel: bool = True) -> pd.DataFrame:
    """One replicate's respondents: the generator's response model at the wave's response rate. With
    `panel` as in the generator: who answered the previous wave answers again more often (about
    `panel.overlap` of a wave's respondents), so staff in their first year, who cannot have answered
    it, answer less often (the newcomer non-response the weighting's `nieuw` margin repairs)."""
    from pipeline.synth.surveys import respond_panel
    rate = world.response[world.source][world.wave]
    if panel and world.earlier:
        hit = respond_panel(world.pop, rate, world.response, world.dir_resp, rng, answered_before(world, rng),
                            synth_params()["panel"]["overlap"])
    else:
        hit = respond(world.pop, rate, world.response, world.dir_resp, rng)
    return world.answers[hit & world.answers["pseudo_id"].notna().to_numpy()].reset_index(drop=True)


def estimates(world: World, sample: pd.DataFrame, settings, constructs: list[str], dims: list[str],
              origin="config", margins: list[str] | None = None) -> pd.DataFrame:
    """Levels and raw gaps of one replicate by the pipeline's estimators, as tidy rows with the
    planted value: statistic, indicator, dimension, group, estimate, se, ci_low, ci_high, truth.
    `origin`: 'config' uses the configured weighting; None drops the origin margin (to show the
    check fails when weighting ignores a cause of non-response). `margins`: None the configured ones."""
    from pipeline.analysis.gaps import gap_table, level_table
    from pipeline.weight import weighted_design

    w = settings["weighting"]
    org = tuple(w.get("origin") or ()) or None if origin == "config" else origin
    design, _ = weighted_design(sample, world.register, strata=w["strata"],
                                margins=w["margins"] if margins is None else margins, origin=org,
                                trim=tuple(w["trim"]) if w.get("trim") else None)
    if world.source == "discrimination":  # workforce shares: plain proportions and the chained follow-ups
        from pipeline.analysis.discrimination import population_shares, with_derived
        rows = population_shares(with_derived(design), ["ervaren_discriminatie", *constructs], dims).table
        rows = rows.assign(statistic="level", ref_group=None)[["statistic", "indicator", "dimension", "group", "ref_group",
                                                              "estimate", "se", "ci_low", "ci_high"]]
        rows["truth"] = [_truth(world.truth, r) for r in rows.itertuples()]
        return rows[rows["truth"].notna()]
    refs = settings["groups"]["reference"]
    lv = level_table(design, constructs, dims).table.rename(columns={"construct": "indicator"})
    lv["statistic"] = "level"
    gp = gap_table(design, constructs, dims, refs, []).table.drop(columns=["estimate"]).rename(
        columns={"construct": "indicator", "difference": "estimate"})
    gp["statistic"] = "gap"
    gp["ref_group"] = gp["reference_key"]
    rows = pd.concat([lv, gp], ignore_index=True)[["statistic", "indicator", "dimension", "group", "ref_group",
                                                   "estimate", "se", "ci_low", "ci_high"]]
    rows["truth"] = [_truth(world.truth, r) for r in rows.itertuples()]
    return rows[rows["truth"].notna()]


def _truth(truth: dict, r) -> float | None:
    t = truth.get(r.indicator)
    if t is None:
        return None
    val = (lambda g: t["overall"] if r.dimension == "totaal" else t["groups"].get(r.dimension, {}).get(g))
    if r.statistic == "level":
        return val(r.group)
    a, b = val(r.group), val(r.ref_group)
    return None if a is None or b is None else a - b


def run(world: World, settings, constructs, dims, replicates: int, seed: int = 1, origin="config",
        margins: dict[str, list[str] | None] | None = None, panel: bool = True) -> pd.DataFrame:
    """All replicates stacked (column `replicate`). `margins`: {label: margin list (None: configured)}
    to weight each replicate's sample several ways (column `weighting`); default the configured one."""
    rngs = np.random.default_rng(seed).spawn(replicates)
    ways = margins or {"config": None}
    out = []
    for i, r in enumerate(rngs):
        sample = draw(world, r, panel)
        out += [estimates(world, sample, settings, constructs, dims, origin, m).assign(replicate=i, weighting=label)
                for label, m in ways.items()]
    return pd.concat(out, ignore_index=True)


def coverage(reps: pd.DataFrame, level: float = 0.95, alpha: float = 0.001) -> pd.DataFrame:
    """Per estimate (statistic, indicator, dimension, group): coverage of the intervals, the bias in
    units of the empirical SD and of the mean estimated SE, the ratio mean SE / empirical SD, and whether
    coverage lies in the two-sided binomial acceptance region of `level` at `alpha` (too low AND too
    high fail)."""
    r = reps.assign(covered=(reps["ci_low"] <= reps["truth"]) & (reps["truth"] <= reps["ci_high"]),
                    err=reps["estimate"] - reps["truth"])
    g = r.groupby(["statistic", "indicator", "dimension", "group"], sort=False)
    out = g.agg(replicates=("covered", "size"), coverage=("covered", "mean"), bias=("err", "mean"),
                sd=("estimate", "std"), mean_se=("se", "mean"), truth=("truth", "first")).reset_index()
    out["bias_se"] = out["bias"] / out["mean_se"]
    out["se_ratio"] = out["mean_se"] / out["sd"]
    lo, hi = binomial_band(out["replicates"].to_numpy(), level, alpha)
    out["in_band"] = (out["coverage"] >= lo) & (out["coverage"] <= hi)
    return out


def binomial_band(n, level: float = 0.95, alpha: float = 0.001):
    """Two-sided acceptance region for an observed coverage share out of n replicates when the true
    coverage is `level` (each tail alpha/2)."""
    n = np.asarray(n)
    return (stats.binom.ppf(alpha / 2, n, level) / n, stats.binom.ppf(1 - alpha / 2, n, level) / n)


# --- repeated waves: changes, gap changes and trends -------------------------------------------------
# The workforce of every wave (with its turnover), everyone's potential answers per wave (the person
# effect persists), and per replicate who responds: the first wave by `respond`, each later wave by the
# generator's panel model (`respond_panel`: about `overlap` of a wave's respondents answered the wave
# before). Each replicate goes through the weighting of every wave and the chapter's change stack.

def build_panel(source: str = "mto", waves=(2022, 2023, 2024), *, scale: float = 0.1, seed: int = 7) -> dict:
    """{wave: World} of one synthetic workforce (same seed: the same persons, directorate effects and
    response tendencies in every wave)."""
    return {w: build_world(source, w, scale=scale, seed=seed) for w in waves}


def draw_panel(worlds: dict, rng: np.random.Generator, overlap: float) -> dict:
    """One replicate's respondents per wave, the later waves overlapping the earlier as in the generator."""
    from pipeline.synth.surveys import respond_panel
    out, before_ids = {}, set()
    for w, world in worlds.items():
        rate = world.response[world.source][w]
        before = world.pop["person_id"].isin(before_ids).to_numpy()
        hit = respond_panel(world.pop, rate, world.response, world.dir_resp, rng, before, overlap)
        before_ids = set(world.pop.loc[hit, "person_id"])
        out[w] = world.answers[hit & world.answers["pseudo_id"].notna().to_numpy()].reset_index(drop=True)
    return out


def linked_stack(worlds: dict, samples: dict, settings) -> tuple[dict, object]:
    """(designs, linked): one replicate's waves raked as configured, and stacked as the chapters stack
    them for changes (the linked panel in the frame of the levels, with the registers' overlap)."""
    from pipeline.analysis import linkage
    from pipeline.weight import weighted_design

    w = settings["weighting"]
    designs = {}
    for wave, sample in samples.items():
        designs[wave], _ = weighted_design(sample, worlds[wave].register, strata=w["strata"], margins=w["margins"],
                                           origin=tuple(w.get("origin") or ()) or None,
                                           trim=tuple(w["trim"]) if w.get("trim") else None)
    overlap = linkage.frame_overlap({wave: worlds[wave].register for wave in samples}, w["strata"])
    linked, _ = linkage.stack_for_change(designs, frame=settings.frame("levels"), frame_overlap=overlap)
    return designs, linked


def panel_estimates(worlds: dict, samples: dict, settings, construct: str, dims: list[str]) -> pd.DataFrame:
    """Changes (baseline -> every wave and wave -> wave), raw gap changes (baseline -> last) and the
    trend slope of one replicate, on the chapters' change stack, with the planted finite-population value."""
    from pipeline.analysis import trend as T

    _, linked = linked_stack(worlds, samples, settings)
    waves = list(samples)
    truth = {wave: worlds[wave].truth.get(construct) for wave in waves}

    def value(wave, dim, group):
        t = truth[wave]
        return t["overall"] if dim == "totaal" else t["groups"].get(dim, {}).get(group)

    rows = []
    for r in T.changes(linked, construct, waves, dims=dims).table.itertuples():
        a, b = value(r.van, r.dimension, r.group), value(r.naar, r.dimension, r.group)
        rows.append({"statistic": "change", "indicator": construct, "dimension": r.dimension,
                     "group": f"{r.group} {r.van}-{r.naar}", "estimate": r.change, "se": r.se, "ci_low": r.ci_low,
                     "ci_high": r.ci_high, "truth": None if a is None or b is None else b - a})
    refs = settings["groups"]["reference"]
    base, last = waves[0], waves[-1]
    for dim in dims:
        ref = str(refs[dim])
        for lv in sorted(linked.data[dim].dropna().astype(str).unique()):
            if lv == ref:
                continue
            g = T.gap_change(linked, construct, dim, lv, ref, base, last)
            vals = [value(wv, dim, x) for wv in (last, base) for x in (lv, ref)]
            rows.append({"statistic": "gap_change", "indicator": construct, "dimension": dim, "group": lv,
                         "estimate": g["did"], "se": g["se"], "ci_low": g["ci_low"], "ci_high": g["ci_high"],
                         "truth": None if any(v is None for v in vals) else (vals[0] - vals[1]) - (vals[2] - vals[3])})
    t = T.trend_test(linked, construct)
    years = np.array(waves, dtype=float) - waves[0]
    size = np.array([len(worlds[wave].pop) for wave in waves], dtype=float)
    means = np.array([value(wave, "totaal", None) for wave in waves], dtype=float)
    centre = (size * years).sum() / size.sum()   # the census least-squares slope over the waves' staff
    slope = (size * (years - centre) * means).sum() / (size * (years - centre) ** 2).sum()
    rows.append({"statistic": "trend_slope", "indicator": construct, "dimension": "totaal", "group": "totaal",
                 "estimate": t["slope"], "se": t["se"], "ci_low": t["ci_low"], "ci_high": t["ci_high"], "truth": slope})
    out = pd.DataFrame(rows)
    return out[out["truth"].notna() & out["se"].notna()]


def run_panel(worlds: dict, settings, construct: str, dims: list[str], replicates: int, seed: int = 1,
              overlap: float | None = None) -> pd.DataFrame:
    """All replicates of `panel_estimates` stacked (column `replicate`)."""
    if overlap is None:
        overlap = synth_params()["panel"]["overlap"]
    rngs = np.random.default_rng(seed).spawn(replicates)
    return pd.concat([panel_estimates(worlds, draw_panel(worlds, r, overlap), settings, construct, dims)
                      .assign(replicate=i) for i, r in enumerate(rngs)], ignore_index=True)


# --- the programme's effect (issue 31): replicated samples of every wave of one source -------------

def effect_worlds(source: str = "mto", *, scale: float = 0.25, seed: int = 7, tmp_dir=None) -> dict[int, World]:
    """A `World` per wave of `source` (one workforce, everyone's potential answers with the planted
    programme effect in the exposed directorates from their start year, `World.effects`)."""
    return {int(w): build_world(source, int(w), scale=scale, seed=seed, tmp_dir=tmp_dir)
            for w in synth_params()["response"][source]}


def effect_truth(worlds: dict[int, World]) -> dict:
    """construct -> the planted aggregate effect over the exposed directorate-waves with a wave before
    their start (`programme.aggregate`, the estimator's estimand)."""
    return programme.aggregate({w: world.effects for w, world in worlds.items()}, sorted(worlds))


def effect_estimates(worlds: dict[int, World], samples: dict[int, pd.DataFrame], settings, outcomes: list[str],
                     cohorts: dict, k: int, before: bool = False) -> pd.DataFrame:
    """One replicate's effect analysis as chapters 06/07 run it: each wave raked as configured, the
    chapter's change stack (the linked panel in the frame of the levels, with the registers' overlap),
    the directorate panel of `pipeline.analysis.effect` with the covariance of its means, and the
    aggregate effect and placebo per outcome. `before`: also the SE of the estimator as it was before
    the linked panel (superpopulation frame, waves as independent samples), column `se_before`."""
    from pipeline.analysis import effect as E

    designs, linked = linked_stack(worlds, samples, settings)
    rows = []
    for o in outcomes:
        panel, cov = E.linked_directorate_panel(linked, o, min_n=k)
        f = E.analyse(panel, cohorts, settings.effect["control"], cov=cov)
        rows.append({"indicator": o, **{c: (f.overall or {}).get(c, np.nan) for c in ("estimate", "se", "ci_low", "ci_high", "p")},
                     "placebo": (f.placebo or {}).get("estimate", np.nan), "placebo_p": (f.placebo or {}).get("p", np.nan),
                     "treated": len(f.treated), "mde": f.mde, "verdict": E.verdict_of(f, (f.overall or {}).get("p", 1.0),
                                                                                settings.effect["min_treated"])[0]})
        if before:
            old = E.analyse(E.directorate_panel({wv: d.without_fpc() for wv, d in designs.items()}, o, min_n=k),
                            cohorts, settings.effect["control"])
            rows[-1]["se_before"] = (old.overall or {}).get("se", np.nan)
    return pd.DataFrame(rows)


def effect_run(worlds: dict[int, World], settings, outcomes: list[str], cohorts: dict, replicates: int,
               seed: int = 1, k: int = 10, overlap: float | None = None, before: bool = False) -> pd.DataFrame:
    """All replicates stacked (column `replicate`), with the planted effect in column `truth`. Who
    responds follows the generator's panel model (`draw_panel`: about `overlap` of a wave's respondents
    answered the wave before), so the linked panel's covariance is there to be used."""
    if overlap is None:
        overlap = synth_params()["panel"]["overlap"]
    truth = effect_truth(worlds)
    out = []
    for i, r in enumerate(np.random.default_rng(seed).spawn(replicates)):
        samples = draw_panel(dict(sorted(worlds.items())), r, overlap)
        out.append(effect_estimates(worlds, samples, settings, outcomes, cohorts, k, before).assign(replicate=i))
    reps = pd.concat(out, ignore_index=True)
    reps["truth"] = reps["indicator"].map(lambda o: truth.get(o, 0.0))
    return reps

"""R-indicator on data with a known response mechanism: 1 when response does not depend on the
auxiliaries, the closed form 1 - 2 sqrt(pi (1 - pi)) |rho1 - rho0| for a planted propensity difference."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.survey.representativeness import representativeness


def _population(n: int, rng) -> pd.DataFrame:
    return pd.DataFrame({"a": rng.choice(["x", "y", "z"], n), "b": rng.choice(["p", "q"], n, p=[0.3, 0.7]),
                         "c": rng.choice([f"d{i}" for i in range(10)], n)})


def test_r_is_one_when_response_does_not_depend_on_the_auxiliaries():
    rng = np.random.default_rng(1)
    pop = _population(20_000, rng)
    resp = pop[rng.random(len(pop)) < 0.3]
    rep = representativeness(pop, resp, ["a", "b", "c"])
    assert rep.response_rate == pytest.approx(len(resp) / len(pop))
    assert rep.R_adjusted > 0.98                  # bias-adjusted: estimation noise removed
    assert 0.93 < rep.R <= 1                       # unadjusted: only the noise of ~14 estimated coefficients
    assert rep.partial.groupby("variable")["P_u"].first().max() < 0.02


def test_r_matches_the_closed_form_for_a_planted_propensity_difference():
    # exact counts: 40% in group 1 with response 0.5, 60% in group 0 with response 0.2
    n1, n0 = 8_000, 12_000
    pop = pd.DataFrame({"g": ["een"] * n1 + ["nul"] * n0})
    resp = pd.concat([pop.iloc[:4_000], pop.iloc[n1:n1 + 2_400]])
    rep = representativeness(pop, resp, ["g"])
    N = n1 + n0
    S = np.sqrt(0.4 * 0.6 * N / (N - 1)) * 0.3
    assert rep.R == pytest.approx(1 - 2 * S, abs=1e-6)
    # partial indicator of the only variable is S itself (up to N/(N-1)); its signed parts add up in squares
    p = rep.partial.set_index("category")
    assert p["P_u"].iloc[0] == pytest.approx(0.3 * np.sqrt(0.24), rel=1e-4)
    assert p.loc["een", "partial"] > 0 > p.loc["nul", "partial"]
    assert p.loc["een", "rate"] == pytest.approx(0.5) and p.loc["nul", "rate"] == pytest.approx(0.2)
    # the delta-method SE agrees with the spread over repeated response draws
    rng = np.random.default_rng(3)
    draws = []
    for _ in range(150):
        r = np.where(np.arange(N) < n1, rng.random(N) < 0.5, rng.random(N) < 0.2)
        draws.append(representativeness(pop, pop[r], ["g"]).R)
    assert rep.se == pytest.approx(np.std(draws), rel=0.25)


def test_unplaced_respondents_are_scaled_in_not_dropped():
    rng = np.random.default_rng(2)
    pop = _population(10_000, rng)
    resp = pop[rng.random(len(pop)) < 0.4].copy()
    resp.loc[resp.sample(frac=0.1, random_state=1).index, "a"] = None
    rep = representativeness(pop, resp, ["a", "b"])
    assert rep.respondents_unplaced == int(resp["a"].isna().sum())
    assert rep.response_rate == pytest.approx(len(resp) / len(pop), rel=1e-9)


def test_partial_indicators_have_standard_errors_that_match_repeated_response_draws():
    """Delta-method SEs of the partial R-indicators (per category and P_u per variable) against the
    spread of the estimates over 150 response draws from a planted propensity model."""
    rng = np.random.default_rng(4)
    pop = _population(20_000, rng)
    logit = -1.0 + pop["a"].map({"x": 0.0, "y": 0.4, "z": -0.3}).to_numpy() + 0.5 * (pop["b"] == "q").to_numpy()
    prob = 1 / (1 + np.exp(-logit))
    reps = [representativeness(pop, pop[rng.random(len(pop)) < prob], ["a", "b"]).partial for _ in range(150)]
    stacked = pd.concat(reps, keys=range(len(reps)), names=["draw"]).reset_index(level=0)
    by_cat = stacked.groupby(["variable", "category"])
    empirical, estimated = by_cat["partial"].std(), by_cat["partial_se"].mean()
    assert (estimated > 0).all()
    assert np.allclose(estimated / empirical, 1, atol=0.25), (estimated / empirical)
    pu = stacked.groupby(["draw", "variable"])[["P_u", "P_u_se"]].first().groupby("variable")
    ratio = pu["P_u_se"].mean() / pu["P_u"].std()
    assert np.allclose(ratio, 1, atol=0.25), ratio

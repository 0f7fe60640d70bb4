"""The larger replicated-sample coverage run (tests/test_coverage.py runs a small one).

    .venv/bin/python benchmarks/coverage_replicated.py [--source nim] [--replicates 500] [--scale 0.25]
        [--no-origin]

Prints, per estimate, coverage of the 95% intervals over the replicates, bias in SE units and the
ratio estimated SE / empirical SD, then a summary per statistic; with --no-origin the raking leaves the
origin margin out (the weighting of before issue 15), to see what ignoring a cause of non-response does.
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from pipeline.settings import load_settings
from pipeline import replication as rp

CONSTRUCTS = {"nim": ["inclusion", "belonging", "authenticity"], "mto": ["psych_safety", "social_safety", "tevredenheid"],
              "discrimination": ["ervaren_discriminatie", "ervaren_microagressie", *(f"discr_grond_{g}" for g in (
                  "herkomst", "religie", "gender", "seksuele_orientatie", "beperking", "leeftijd")),
                                 "funnel_gemeld", "funnel_tevreden"]}
WAVE = {"nim": 2024, "mto": 2024, "discrimination": 2026}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default="nim", choices=sorted(CONSTRUCTS))
    ap.add_argument("--replicates", type=int, default=500)
    ap.add_argument("--scale", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-origin", action="store_true")
    ap.add_argument("--constructs", nargs="*", help="default: the chapter's constructs")
    ap.add_argument("--dims", nargs="*", help="default: groups.dimensions of config/report.yaml")
    a = ap.parse_args()
    settings = load_settings()
    t0 = time.perf_counter()
    world = rp.build_world(a.source, WAVE[a.source], scale=a.scale, seed=a.seed)
    dims = a.dims or settings["groups"]["dimensions"]
    reps = rp.run(world, settings, a.constructs or CONSTRUCTS[a.source], dims, a.replicates, origin=None if a.no_origin else "config")
    cov = rp.coverage(reps)
    pd.set_option("display.width", 200)
    print(f"{a.source} {WAVE[a.source]}, population {len(world.pop)}, {a.replicates} replicates, "
          f"origin margin {'off' if a.no_origin else 'on'}, {time.perf_counter() - t0:.0f} s")
    print(cov.round(3).to_string(index=False))
    summary = cov.groupby("statistic").agg(estimates=("coverage", "size"), coverage=("coverage", "mean"),
                                           min_coverage=("coverage", "min"), in_band=("in_band", "mean"),
                                           mean_abs_bias_se=("bias_se", lambda x: x.abs().mean()),
                                           max_abs_bias_se=("bias_se", lambda x: x.abs().max()),
                                           se_ratio=("se_ratio", "median"))
    print(summary.round(3).to_string())


if __name__ == "__main__":
    main()

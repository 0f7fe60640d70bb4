"""Time the full indicator x group table (5 constructs x 7 group dimensions + 2 intersections) on
10k, 100k and 1M rows; beside R survey doing the same svyby work when Rscript is installed.

    .venv/bin/python benchmarks/bench_survey.py [--sizes 10000 100000 1000000] [--no-r]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.survey import SurveyDesign

CONSTRUCTS = ["inclusion", "belonging", "authenticity", "psych_safety", "social_safety"]
DIMS = ["herkomst_oud", "herkomst_cbs", "geslacht", "jong", "lhbtiq", "beperking", "schaalband"]
INTER = [["herkomst_oud", "geslacht"], ["herkomst_oud", "schaalband"]]


def make(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "directie": rng.integers(0, 40, n).astype(str),
        "herkomst_oud": rng.choice(["nederlands", "westers", "niet_westers"], n, p=[.6, .12, .28]),
        "herkomst_cbs": rng.choice(["nederland", "europa", "buiten_europa"], n, p=[.6, .1, .3]),
        "geslacht": rng.choice(["man", "vrouw", "non_binair"], n, p=[.45, .54, .01]),
        "jong": rng.choice(["ja", "nee"], n, p=[.23, .77]),
        "lhbtiq": rng.choice(["ja", "nee"], n, p=[.08, .92]),
        "beperking": rng.choice(["ja", "nee"], n, p=[.15, .85]),
        "schaalband": rng.choice(["<=9", "10-11", "12-14", "15+"], n, p=[.45, .3, .2, .05]),
        "w": rng.uniform(1, 5, n),
    })
    for c in CONSTRUCTS:
        y = rng.normal(3.5, 0.8, n)
        y[rng.random(n) < 0.03] = np.nan
        df[c] = y
    n_h = df.groupby("directie")["w"].transform("size")
    df["N_h"] = (n_h * 3).astype(float)
    return df


def python_table(df: pd.DataFrame) -> int:
    des = SurveyDesign(df, weights="w", strata="directie", fpc="N_h")
    rows = 0
    for c in CONSTRUCTS:
        for by in [*DIMS, *INTER]:
            rows += len(des.mean(c, by=by))
    return rows


R_SCRIPT = """
suppressPackageStartupMessages(library(survey))
d <- read.csv("{csv}")
t0 <- Sys.time()
des <- svydesign(ids = ~1, strata = ~directie, fpc = ~N_h, weights = ~w, data = d)
for (c in c({constructs})) for (b in list({bys})) {{
  svyby(as.formula(paste("~", c)), as.formula(paste("~", paste(b, collapse = "+"))), des, svymean, na.rm = TRUE)
}}
cat(as.numeric(difftime(Sys.time(), t0, units = "secs")), "\\n")
"""


def r_seconds(df: pd.DataFrame) -> float | None:
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "d.csv"
        df.to_csv(csv, index=False)
        bys = ", ".join("c(" + ", ".join(f'"{v}"' for v in ([b] if isinstance(b, str) else b)) + ")" for b in [*DIMS, *INTER])
        script = R_SCRIPT.format(csv=csv, constructs=", ".join(f'"{c}"' for c in CONSTRUCTS), bys=bys)
        (Path(tmp) / "b.R").write_text(script)
        out = subprocess.run(["Rscript", str(Path(tmp) / "b.R")], capture_output=True, text=True, timeout=3600)
        return float(out.stdout.split()[-1]) if out.returncode == 0 else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--no-r", action="store_true")
    ap.add_argument("--r-max", type=int, default=100_000, help="largest size also timed in R")
    args = ap.parse_args()
    print(f"{'rows':>9} {'python s':>9} {'R s':>9} {'R/python':>9}  (table rows)")
    for n in args.sizes:
        df = make(n)
        t0 = time.perf_counter()
        rows = python_table(df)
        tp = time.perf_counter() - t0
        tr = None if args.no_r or n > args.r_max else r_seconds(df)
        ratio = f"{tr / tp:9.1f}" if tr else "        -"
        print(f"{n:>9} {tp:>9.2f} {tr if tr is not None else float('nan'):>9.2f} {ratio}  ({rows})", flush=True)


if __name__ == "__main__":
    main()

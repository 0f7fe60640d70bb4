"""Wall time of `make report` on the demo data, per number of parallel steps:
- from clean: processed data and reports removed, the raw (demo) inputs kept — what a researcher
  waits for after `make clean-processed clean-report` or a code change that touches every step;
- from fresh: the demo inputs removed too, so they are generated first (a new checkout);
- no-op rerun: nothing changed.
Results are printed and appended to benchmarks/results/report.csv (git-ignored). Targets on the
2-core machine: from clean <= 60 s, no-op rerun < 1 s.

    .venv/bin/python benchmarks/bench_report.py [--jobs 2 1] [--skip-fresh]
"""
from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wipe(keep_demo: bool) -> None:
    for d in (ROOT / "data" / "processed", ROOT / "reports"):
        for p in d.iterdir():
            if p.name != ".gitkeep":
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    if not keep_demo:
        shutil.rmtree(ROOT / "data" / "raw" / "demo", ignore_errors=True)


def timed(jobs: int) -> float:
    t0 = time.perf_counter()
    subprocess.run(["make", "report", f"JOBS={jobs}"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, nargs="+", default=[2, 1])
    ap.add_argument("--skip-fresh", action="store_true", help="do not time a run that generates the demo data")
    args = ap.parse_args()
    subprocess.run(["make", "setup"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    rows = []
    for jobs in args.jobs:
        fresh = None
        if not args.skip_fresh:
            wipe(keep_demo=False)
            fresh = timed(jobs)
        wipe(keep_demo=True)
        clean = timed(jobs)
        noop = timed(jobs)
        rows.append({"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "jobs": jobs,
                     "from_fresh_s": None if fresh is None else round(fresh, 1), "from_clean_s": round(clean, 1),
                     "noop_s": round(noop, 2)})
        print(f"jobs={jobs}: from clean {clean:6.1f} s (target 60)   no-op rerun {noop:5.2f} s (target 1)"
              + ("" if fresh is None else f"   from fresh (incl. demo data) {fresh:6.1f} s"), flush=True)
    f = out / "report.csv"
    if f.exists() and f.read_text().splitlines()[0] != ",".join(rows[0]):
        f.rename(f.with_suffix(".old.csv"))  # the columns changed: keep the old log beside the new one
    new = not f.exists()
    with open(f, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        if new:
            w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()

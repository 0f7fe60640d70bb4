"""Wall time of `make report` on the demo data: from clean (demo data, processed data and reports
removed) and a no-op rerun; serial and with -j2. Results are printed and appended to
benchmarks/results/report.csv (git-ignored). Targets on the 2-core machine: from clean <= 60 s,
no-op rerun <= 3 s.

    .venv/bin/python benchmarks/bench_report.py [--keep-demo] [--jobs 1 2]
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
    cmd = ["make", "report"] + ([f"-j{jobs}"] if jobs > 1 else [])
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep-demo", action="store_true", help="do not time the demo-data generation")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    subprocess.run(["make", "setup"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    rows = []
    for jobs in args.jobs:
        wipe(args.keep_demo)
        clean = timed(jobs)
        noop = timed(jobs)
        rows.append({"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "jobs": jobs,
                     "from_clean_s": round(clean, 1), "noop_s": round(noop, 2)})
        print(f"jobs={jobs}: from clean {clean:6.1f} s (target 60)   no-op rerun {noop:5.2f} s (target 3)", flush=True)
    f = out / "report.csv"
    new = not f.exists()
    with open(f, "a", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        if new:
            w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()

"""Wall time of `make report` on the demo data, per number of parallel steps:
- from clean: processed data and reports removed, the raw (demo) inputs kept — what a researcher
  waits for after `make clean-processed clean-report` or a code change that touches every step;
- from fresh: the demo inputs removed too, so they are generated first (a new checkout);
- no-op rerun: nothing changed;
- yearly rerun (`--new-wave`): the demo files configured as real data, the report built without the
  last MTO wave, then that wave added — what a researcher waits for in the yearly work (its cleaning,
  the chapters that read MTO, the dashboard, index, results and workbook rerun; the rest not).
Results are printed and appended to benchmarks/results/report.csv (git-ignored). Targets on the
2-core machine: from clean <= 60 s, no-op rerun < 1 s.

    .venv/bin/python benchmarks/bench_report.py [--jobs 2 1] [--skip-fresh] [--config CONFIG] [--pages all]
    .venv/bin/python benchmarks/bench_report.py --new-wave [--jobs 2]

`--config`: another report config (default config/report.yaml); `--pages plans|all|none`: the same config
with that `directorate_pages` (all: a page for every directorate, ~40), written beside the results.
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
        if not d.is_dir():  # a fresh clone before its first run
            continue
        for p in d.iterdir():
            if p.name != ".gitkeep":
                shutil.rmtree(p) if p.is_dir() else p.unlink()
    shutil.rmtree(ROOT / ".staging", ignore_errors=True)  # the release in staging keeps the step states
    if not keep_demo:
        shutil.rmtree(ROOT / "data" / "raw" / "demo", ignore_errors=True)


def timed(jobs: int, config: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(["make", "report", f"JOBS={jobs}", f"CONFIG={config}"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def with_pages(config: str, pages: str, out: Path) -> str:
    """A copy of `config` with `directorate_pages: pages` (its paths stay relative to the project)."""
    import yaml
    cfg = yaml.safe_load((ROOT / config).read_text(encoding="utf-8"))
    cfg["directorate_pages"] = pages
    target = out / f"report_pages_{pages}.yaml"
    target.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(target)


def new_wave(jobs: int, out: Path) -> None:
    """Time the yearly rerun: a built report (demo files as real data, without the last MTO wave),
    then the same config with that wave added. Writes its own processed data and reports under `out`."""
    import yaml
    subprocess.run(["make", "demo-data"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    demo = ROOT / "data" / "raw" / "demo"
    listed = yaml.safe_load((demo / "sources.yaml").read_text())["sources"]
    work = out / "new_wave"
    shutil.rmtree(work, ignore_errors=True)
    (work / "raw").mkdir(parents=True)
    for files in listed.values():
        for name in files.values():
            shutil.copy(demo / name, work / "raw" / name)  # outside the demo folder: real data, needs a key
    cfg = yaml.safe_load((ROOT / "config" / "report.yaml").read_text(encoding="utf-8"))
    cfg["paths"] = {"raw": str(work / "raw"), "processed": str(work / "processed"), "reports": str(work / "reports")}
    last = max(listed["mto"])
    config = work / "report.yaml"

    def run(sources) -> float:
        cfg["sources"] = sources
        config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
        import os
        env = {**os.environ, "INCLUSIEMONITOR_KEY": "0" * 64}
        t0 = time.perf_counter()
        subprocess.run(["make", "report", f"JOBS={jobs}", f"CONFIG={config}"], cwd=ROOT, check=True, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0
    before = {s: {w: f for w, f in ws.items() if not (s == "mto" and w == last)} for s, ws in listed.items()}
    load_before = load()
    built = run(before)
    yearly = run(listed)
    noop = run(listed)
    print(f"jobs={jobs} yearly rerun (mto {last} added to a built report): {yearly:6.1f} s   "
          f"(report without it from clean {built:6.1f} s, no-op after {noop:5.2f} s)   load {load_before} -> {load()}",
          flush=True)
    shutil.rmtree(work, ignore_errors=True)


def load() -> str:
    """The 1-minute load average: a timing on a busy machine says little (report it with the numbers)."""
    import os
    return f"{os.getloadavg()[0]:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, nargs="+", default=[2, 1])
    ap.add_argument("--skip-fresh", action="store_true", help="do not time a run that generates the demo data")
    ap.add_argument("--config", default="config/report.yaml", help="report config to time")
    ap.add_argument("--pages", choices=("plans", "all", "none"), help="time the config with this directorate_pages")
    ap.add_argument("--new-wave", action="store_true", help="time the yearly rerun: one new wave added to a built report")
    args = ap.parse_args()
    subprocess.run(["make", "setup"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    if args.new_wave:
        for jobs in args.jobs:
            new_wave(jobs, out)
        return
    config = with_pages(args.config, args.pages, out) if args.pages else args.config
    rows = []
    for jobs in args.jobs:
        fresh = None
        load_before = load()
        if not args.skip_fresh:
            wipe(keep_demo=False)
            fresh = timed(jobs, config)
        wipe(keep_demo=True)
        clean = timed(jobs, config)
        noop = timed(jobs, config)
        rows.append({"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "jobs": jobs,
                     "config": args.config, "pages": args.pages or "", "load_before": load_before,
                     "load_after": load(), "from_fresh_s": None if fresh is None else round(fresh, 1),
                     "from_clean_s": round(clean, 1), "noop_s": round(noop, 2)})
        print(f"jobs={jobs} {args.config}{' pages=' + args.pages if args.pages else ''}: from clean {clean:6.1f} s "
              f"(target 60)   no-op rerun {noop:5.2f} s (target 1)"
              + ("" if fresh is None else f"   from fresh (incl. demo data) {fresh:6.1f} s")
              + f"   load {load_before} -> {load()}", flush=True)
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

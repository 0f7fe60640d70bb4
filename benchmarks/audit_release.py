"""Release audit: its wall time inside the build, and the attacker's result on a built release.

    .venv/bin/python benchmarks/audit_release.py [--config CONFIG] [--reports DIR]

1. Times the build's own audit of the flow tables (`pipeline.disclosure.model.protect_flows`: every
   directorate, all periods, the stock-flow identities, the archive) on the processed register — the
   part of the directorate-page step that `directorate_pages: all` makes large. Target: <= 10 s.
2. Runs the outside attacker (`pipeline.disclosure.attack`) on the published files of DIR (default the
   config's reports folder): how many hidden counts of 1..k-1 it pins, and how many cells it finds
   shown in one file and hidden in another. Target: 0 and 0.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="config/report.yaml")
    ap.add_argument("--reports", default=None)
    args = ap.parse_args()
    from pipeline.analysis import unit_flows as F
    from pipeline.disclosure.attack import attack
    from pipeline.disclosure.model import protect_flows
    from pipeline.disclosure.publish import Policy, publish_all
    from pipeline.settings import load_settings
    s = load_settings(args.config)
    policy = Policy.from_settings(s)
    years = [int(y) for y in s["targets"]["years"] if int(y) in s.waves("register")]
    snaps = {y: policy.merged(pd.read_parquet(s.processed_dir / f"register_{y}.parquet")) for y in years}
    group = s["register_monitor"]["flow_group"]
    t0 = time.perf_counter()
    fl = F.flows(snaps, group)
    pub = publish_all(F.flow_results(fl, group), policy)
    t1, c1 = time.perf_counter(), time.process_time()
    _, _, result, added = protect_flows(pub["flows_org"], pub["flows_dir"], fl, policy)
    t2, c2 = time.perf_counter(), time.process_time()
    print(f"audit of the flow tables: {len(result)} hidden cells, {len(added)} hidden by the audit, "
          f"{sum(not r.protected for r in result)} unprotected; {t2 - t1:.2f} s, CPU {c2 - c1:.2f} s "
          f"(flows and publish {t1 - t0:.2f} s); once per build (the page steps share it)")
    reports = Path(args.reports) if args.reports else s.reports_dir
    t0, c0 = time.perf_counter(), time.process_time()
    from pipeline.report.build import _nested
    pinned, inconsistent, rel = attack(reports, s.min_cell_size, policy.rounding["register_counts"], _nested(s))
    print(f"attacker on {reports}: {len(rel.cells)} cells, {len(rel.hidden())} hidden; recovered 1..k-1: "
          f"{len(pinned)}; shown in one file, hidden in another: {len(inconsistent)} ({time.perf_counter() - t0:.1f} s, "
          f"CPU {time.process_time() - c0:.1f} s)")
    for key, value in pinned:
        print("  recovered", "/".join(map(str, key)), "=", value)
    for line in inconsistent:
        print("  inconsistent", line)


if __name__ == "__main__":
    main()

"""Shared fixtures: demo data generated once per test session (full size and a small one)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def demo_full(tmp_path_factory) -> Path:
    """The full-size demo data (~22,000 employees), as `make report` uses it."""
    from pipeline.synth import generate
    out = tmp_path_factory.mktemp("demo_full")
    generate(out, 20241107)
    return out


@pytest.fixture(scope="session")
def demo_small(tmp_path_factory) -> Path:
    """A 10% workforce, for fast round trips and notebook smoke tests."""
    from pipeline.synth import generate
    out = tmp_path_factory.mktemp("demo_small")
    generate(out, 7, scale=0.1)
    return out


@pytest.fixture(scope="session")
def truth_full(demo_full) -> dict:
    return json.loads((demo_full / "truth.json").read_text())


def weighted_waves(demo, source: str, waves, out) -> dict:
    """Clean a source and the register for each wave and return the raked designs (test helper)."""
    import pandas as pd

    from pipeline.clean import clean_source
    from pipeline.clean.careless import careful
    from pipeline.settings import load_settings
    from pipeline.weight import weighted_design
    designs = {}
    rule = load_settings().careless
    for w in waves:
        s = careful(pd.read_parquet(clean_source(source, w, demo / f"{source}_{w}.sav", out_dir=out, demo=True)), rule)
        r = pd.read_parquet(clean_source("register", w, demo / f"register_{w}.csv", out_dir=out, demo=True))
        designs[w] = weighted_design(s, r)[0]
    return designs


def report_config(tmp: Path, demo_dir: Path) -> Path:
    """A copy of config/report.yaml that reads the demo data in `demo_dir` and writes processed data
    and reports under `tmp` (test reports never touch the project's own folders)."""
    import yaml

    from pipeline.config import ROOT
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    cfg["paths"] = {"raw": str(tmp), "processed": str(tmp / "processed"), "reports": str(tmp / "reports")}
    cfg["demo"]["dir"] = str(demo_dir)
    path = tmp / "report.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture(scope="session")
def small_report(demo_small, tmp_path_factory) -> Path:
    """The report as `make report` builds it, on a 10% workforce: built once per session for every
    test that reads rendered pages (the browser tests, the dashboard's words against results.csv)."""
    import shutil

    from pipeline.report.build import build
    tmp = tmp_path_factory.mktemp("small_report")
    demo_dir = tmp / "demo"
    shutil.copytree(demo_small, demo_dir)
    build(report_config(tmp, demo_dir))
    return tmp / "reports"


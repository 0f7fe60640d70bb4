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

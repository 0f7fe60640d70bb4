"""Disclosure control: primary and secondary suppression, the output guard, repository safety, and an
adversarial tiny dataset whose single LGBTIQ+ respondent can neither be read nor derived."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pyreadstat
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from conftest import report_config
from pipeline.config import ROOT
from pipeline.disclosure.guard import scan_html_fragment, scan_notebook
from pipeline.disclosure.publish import hidden_groups
from pipeline.disclosure.suppress import merge_small, secondary_mask, suppress_counts


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 10_000))
def test_no_suppressed_count_follows_from_totals(r, c, seed):
    counts = np.random.default_rng(seed).integers(0, 30, (r, c))
    mask = secondary_mask(counts, 10)
    assert (mask >= ((counts > 0) & (counts < 10))).all()      # every small cell is hidden
    for lines in (mask, mask.T):                                # no line with exactly one hidden cell
        for line, vals in zip(lines, (counts if lines is mask else counts.T)):
            if line.sum() == 1:
                # allowed only when no other non-zero cell exists to hide
                assert ((vals > 0) & ~line).sum() == 0


def test_complementary_suppression_of_a_one_way_table():
    t = pd.DataFrame({"groep": list("abc"), "aantal": [3, 40, 25]})
    out = suppress_counts(t, "aantal", 10)
    assert out["onderdrukt"].tolist() == [True, False, True]   # the smallest other cell goes too


def test_hidden_groups_include_the_complement_and_intersections():
    df = pd.DataFrame({"lhbtiq": ["ja"] * 2 + ["nee"] * 40, "g": ["m", "v"] * 21})
    hidden = hidden_groups(df, ["lhbtiq", "g"], 10, [["lhbtiq", "g"]])
    assert ("lhbtiq", "ja") in hidden and ("lhbtiq", "nee") in hidden
    assert ("g", "m") not in hidden
    assert {("lhbtiq×g", "ja/m"), ("lhbtiq×g", "ja/v")} <= hidden


def test_merge_small_categories():
    df = pd.DataFrame({"d": ["A"] * 50 + ["B"] * 3 + ["C"] * 4})
    assert merge_small(df, "d", 10)["d"].value_counts().to_dict() == {"A": 50, "overig": 7}


def test_guard_catches_deliberate_leaks(tmp_path):
    nb = nbformat.v4.new_notebook()
    leak_table = pd.DataFrame({"groep": ["a", "b"], "n": [3, 250]}).to_html()
    listing = pd.DataFrame({"pseudo_id": ["p0123456789abcdef0123"], "inclusion": [2.5]}).to_html()
    clean = pd.DataFrame({"groep": ["a"], "n": [120]}).to_html()
    for html in (clean, leak_table, listing):
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
        nb.cells.append(cell)
    cell = nbformat.v4.new_code_cell("print(df)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="medewerker12@amsterdam.example 4.2")]
    nb.cells.append(cell)
    path = tmp_path / "leaky.ipynb"
    nbformat.write(nb, path)
    leaks = scan_notebook(path, 10)
    where = {x.where.split(" ")[1] for x in leaks}
    assert where == {"2", "3", "4"}                       # cell 1 is clean
    text = "\n".join(map(str, leaks))
    assert "toont 3" in text and "pseudo_id" in text and "e-mailadres" in text and "leaky.ipynb" in text


def test_guard_reads_dutch_number_formats():
    html = "<table><tr><th>groep</th><th>n</th></tr><tr><td>a</td><td>1\u202f234</td></tr>" \
           "<tr><td>b</td><td>&lt;k</td></tr></table>"
    assert scan_html_fragment(html, 10) == []
    assert scan_html_fragment(html.replace("1\u202f234", "7"), 10)


def test_repository_tracks_no_data_keys_or_reports():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    bad = [f for f in files
           if re.match(r"^(data/raw|data/processed|reports)/", f) and Path(f).name not in (".gitkeep", "README.md")
           or re.search(r"\.(sav|parquet|key|xlsx)$", f) or Path(f).name == ".pseudonym_key"]
    assert bad == [], f"tracked files that must stay out of git: {bad}"
    for nb_path in (ROOT / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), f"{nb_path} has outputs"


# the adversarial tiny world (one LGBTIQ+ respondent) is in tests/disclosure/test_tiny_world.py

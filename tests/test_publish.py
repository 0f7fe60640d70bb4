"""One way out: analysis results reach a page only through publish(); notebooks hold no logic."""
from __future__ import annotations

import ast
import json

import numpy as np
import pandas as pd
import pytest

from pipeline.config import ROOT
from pipeline.disclosure.publish import (Counts, Estimates, GroupSizes, NoSmallCells, Policy, Published, Result,
                                         figure, publish, publish_all)
from pipeline.stats import bh

K10 = Policy(k=10)


def _groups():
    data = pd.DataFrame({"g": ["a"] * 50 + ["b"] * 30 + ["c"] * 4, "h": ["x", "y"] * 42})
    table = pd.DataFrame({"dimension": ["totaal", "g", "g", "g"], "group": ["totaal", "a", "b", "c"],
                          "estimate": [0.5, 0.4, 0.6, 0.9], "n": [84, 50, 30, 4], "p": [np.nan, 0.01, 0.02, 0.03]})
    return data, table


def test_group_estimates_hide_the_small_group_and_its_complement():
    data, table = _groups()
    out = publish(Result(table, Estimates(sizes=(GroupSizes.of(data, ["g"]),))), K10).table
    assert out["onderdrukt"].tolist() == [False, False, True, True]   # c < k, and b (smallest other) with it
    assert out.loc[out["onderdrukt"], ["estimate", "n"]].isna().all().all()
    assert out.loc[~out["onderdrukt"], "estimate"].tolist() == [0.5, 0.4]


def test_a_comparison_with_a_hidden_reference_is_hidden():
    data = pd.DataFrame({"g": ["ref"] * 5 + ["a"] * 40 + ["b"] * 40})
    t = pd.DataFrame({"dimension": ["g", "g"], "group": ["a", "b"], "ref": ["ref", "ref"], "difference": [0.1, 0.2],
                      "n": [40, 40], "n_ref": [5, 5]})
    out = publish(Result(t, Estimates(n=("n",), sizes=(GroupSizes.of(data, ["g"]),), reference="ref")), K10).table
    assert out["onderdrukt"].all() and out["difference"].isna().all()


def test_keys_stay_and_drop_leaves_rows_out():
    t = pd.DataFrame({"jaar": [2024, 2025], "share": [0.2, 0.3], "n": [50, 3]})
    kept = publish(Result(t, Estimates(keys=("jaar",))), K10).table
    assert kept["jaar"].tolist() == [2024, 2025] and np.isnan(kept["share"].iloc[1])
    dropped = publish(Result(t, Estimates(drop=True)), K10).table
    assert dropped["jaar"].tolist() == [2024]


def test_bh_family_spans_tables_and_counts_only_visible_tests():
    data, table = _groups()
    other = pd.DataFrame({"dimension": ["totaal"], "group": ["totaal"], "n": [84], "p": [0.04]})
    rule = Estimates(sizes=(GroupSizes.of(data, ["g"]),))
    pub = publish_all({"a": Result(table, rule, family="f"), "b": Result(other, Estimates(), family="f")}, K10)
    visible = pd.Series([0.01, 0.04])        # the p of group a and of table b; b and c are hidden
    expected = bh(visible).to_numpy()
    assert pub["a"].table["p_bh"].iloc[1] == pytest.approx(expected[0])
    assert pub["b"].table["p_bh"].iloc[0] == pytest.approx(expected[1])
    assert pub["a"].table["p_bh"].iloc[2:].isna().all()


def test_threshold_comes_from_the_policy():
    t = pd.DataFrame({"waarde": list("abc"), "aantal": [12, 40, 25]})
    assert not publish(Result(t, Counts("aantal")), K10).table["onderdrukt"].any()
    # k = 15: 12 is hidden, and the smallest other cell with it (the total is implied)
    assert publish(Result(t, Counts("aantal")), Policy(k=15)).table["onderdrukt"].tolist() == [True, False, True]


def test_only_published_objects_reach_a_page():
    from pipeline.chapters import Chapter
    from pipeline.report import display as show
    raw = pd.DataFrame({"n": [3]})
    with pytest.raises(TypeError):
        Published(raw, NoSmallCells("x"), 0)
    with pytest.raises(TypeError):
        show.table(raw, "raw")
    with pytest.raises(TypeError):
        Chapter().table(raw, "raw")
    with pytest.raises(TypeError):
        figure(lambda df: df, raw)
    with pytest.raises(TypeError):
        show.figure(object())
    pub = publish(Result(raw, Estimates(n=("n",))), K10)
    assert pub.view(columns=["n"]).table["n"].isna().all()


def test_policy_from_settings_reads_the_config():
    from pipeline.settings import load_settings
    s = load_settings("config/report.yaml")
    assert Policy.from_settings(s).k == s.min_cell_size == s.raw["min_cell_size"]
    # the reference groups, for one decision per statistic on which survey groups are hidden
    assert Policy.from_settings(s).references == {d: str(r) for d, r in s.references.items()}
    assert Policy.from_settings(s).coordinated and Policy(k=10).coordinated is None


# --- notebooks are parameters, one chapter call and show.* ---------------------------------------

def _code_cells(path):
    nb = json.loads(path.read_text())
    return [(c.get("metadata", {}).get("tags", []), "".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_parameters_one_chapter_call_and_show(path):
    cells = _code_cells(path)
    params = [src for tags, src in cells if "parameters" in tags]
    assert len(params) == 1
    for node in ast.parse(params[0]).body:          # parameters: names bound to literals only
        assert isinstance(node, ast.Assign), ast.dump(node)
        ast.literal_eval(node.value)
    assert "min_cell_size" not in params[0], "the disclosure threshold comes from the config, not a parameter"
    body = [ast.parse(src) for tags, src in cells if "parameters" not in tags]
    calls = []
    for tree in body:
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Call), \
                f"{path.name}: only imports and show.* calls, found {ast.dump(node)[:80]}"
            func = node.value.func
            assert isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "show", \
                f"{path.name}: a statement that is not a show.* call"
            calls.append(node)
        forbidden = (ast.For, ast.While, ast.If, ast.With, ast.FunctionDef, ast.Lambda, ast.ListComp, ast.DictComp,
                     ast.SetComp, ast.GeneratorExp, ast.Subscript, ast.BinOp)
        bad = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, forbidden)]
        assert bad == [], f"{path.name}: logic in a notebook ({bad})"
    builds = [n for c in calls for n in ast.walk(c) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
              and n.func.attr == "build"]
    assert len(builds) == 1, f"{path.name}: exactly one chapter function call"


def test_results_rows_carry_codes_and_never_a_suppressed_number():
    from pipeline.results import COLUMNS, Tidy, tidy_rows
    data, table = _groups()
    spec = Tidy("level", {"indicator": lambda t: ["y"] * len(t)}, {"waves": "2024"})
    pub = publish(Result(table, Estimates(sizes=(GroupSizes.of(data, ["g"]),)), tidy=(spec,)), K10)
    rows = tidy_rows(pub.table, pub.tidy[0], chapter="c", table="t")
    assert list(rows.columns) == COLUMNS
    assert rows["group"].tolist() == ["totaal", "a", "b", "c"] and (rows["waves"] == "2024").all()
    assert rows.loc[rows["suppressed"], ["estimate", "n", "p"]].isna().all().all()
    assert rows.loc[~rows["suppressed"], "estimate"].tolist() == [0.5, 0.4]
    only = tidy_rows(pub.table, Tidy("x", only={"dimension": "g"}), chapter="c", table="t")
    assert len(only) == 3

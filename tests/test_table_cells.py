"""What an empty cell says in the page and in the CSV: the suppression mark only where disclosure control hid a value.
A directorate whose interval is too wide ("te onzeker om te tonen") and the organisation's average row
(nothing to compare, no interval) are not suppressed; a number in a column that also holds a mark is
written the way the CSV writes every number (decimal comma, six significant digits)."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.chapters.inclusion import AVERAGE, TOO_UNSURE, versus_average
from pipeline.disclosure.errors import SUPPRESSED
from pipeline.disclosure.publish import Estimates, Policy, Result, publish
from pipeline.report.display import table_html

K = 10


def _csv(tmp_path, monkeypatch, published, caption="Tabel") -> list[list[str]]:
    monkeypatch.setenv("INCLUSIEMONITOR_TABLES", str(tmp_path))
    html = table_html(published, caption, k=K)
    name = re.search(r'href="[^"]*/([^"/]+\.csv)"', html).group(1)
    lines = (tmp_path / name).read_text(encoding="utf-8-sig").splitlines()
    return html, [line.split(";") for line in lines]


def _row(html: str, label: str) -> list[str]:
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if f">{label}<" in r)
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _directorates() -> pd.DataFrame:
    """Five directorates: A and B shown, C with 40 respondents but too wide an interval, D with 4, E with
    3 and too wide an interval (suppressed all the same)."""
    t = pd.DataFrame({"dimension": "directie_code", "group": list("ABCDE"), "group_label": list("ABCDE"),
                      "estimate": [3.5, 3.1, 3.3, 3.0, 3.2], "ci_low": [3.4, 3.0, 2.5, 2.0, 1.5],
                      "ci_high": [3.6, 3.2, 4.1, 4.0, 4.9], "n": [200, 150, 40, 4, 3],
                      "te_onzeker": [False, False, True, False, True], "verschil": [0.3, -0.2, 0.1, 0.0, 0.1],
                      "p": [0.001, 0.01, 0.5, 0.9, 0.5], "p_bh": [0.002, 0.02, np.nan, np.nan, np.nan]})
    for c in ("estimate", "ci_low", "ci_high", "verschil", "p"):  # as gaps.directorate_table does
        t[c] = t[c].where(~t["te_onzeker"])
    return t


def test_too_uncertain_and_the_average_row_are_not_counted_or_written_as_suppressed(tmp_path, monkeypatch):
    pub = publish(Result(_directorates(), Estimates()), Policy(k=K))
    shown = pub.view(columns=["group_label", "estimate", "ci_low", "ci_high", "n", "onderdrukt", "te_onzeker",
                              "verschil", "p_bh"]).derive(versus_average, 3.25)
    # only D's estimate, interval and n are hidden by disclosure control (and a complement, if any)
    hidden_rows = set(shown.table.loc[shown.hidden.any(axis=1), "group_label"])
    assert "C" not in hidden_rows and AVERAGE not in hidden_rows and "D" in hidden_rows
    # a suppressed row's empty cells are all suppressed, as the page shows them: E's level too
    e = shown.table["group_label"] == "E"
    assert shown.hidden.loc[e, ["estimate", "ci_low", "ci_high", "n"]].to_numpy().all()
    html, rows = _csv(tmp_path, monkeypatch, shown)
    head = rows[0]
    by_label = {r[0]: dict(zip(head, r)) for r in rows[1:]}
    c, avg, d = by_label["C"], by_label[AVERAGE], by_label["D"]
    assert c["vergeleken met het gemiddelde"] == TOO_UNSURE
    assert c["schatting"] == c["95%-interval onder"] == "–" and c["n"] == "40"  # not the mark: 40 is shown
    assert SUPPRESSED not in avg.values() and avg["schatting"] == "3,25"
    assert d["schatting"] == d["n"] == SUPPRESSED  # a small directorate stays suppressed
    n_hidden = int(shown.hidden.to_numpy().sum())
    assert f"({n_hidden} cellen niet getoond)" in html or f"({n_hidden} cel niet getoond)" in html
    assert _row(html, AVERAGE)[1:3] == ["3,25", "n.v.t."]
    assert _row(html, "C")[2] == TOO_UNSURE and "–" not in _row(html, "C")


def test_a_number_beside_a_mark_in_one_column_gets_the_decimal_comma(tmp_path, monkeypatch):
    t = pd.DataFrame({"group": ["a", "b", "c"], "did_adjusted": [0.15966171603606638, np.nan, -1234.5],
                      "n": [820.0, 60.0, 45.0]})
    pub = publish(Result(t, Estimates()), Policy(k=K))
    _, rows = _csv(tmp_path, monkeypatch, pub)
    assert [r[1] for r in rows[1:]] == ["0,159662", "–", "-1234,5"]
    assert [r[2] for r in rows[1:]] == ["820", "60", "45"]


def test_unknown_levels_of_two_dimensions_get_distinct_capitalised_labels():
    """The exit chapter's outflow table lists the unknown level of each dimension: origin's (which
    classifications.yaml does not label) must not read "onbekend" beside gender's "Onbekend" (a reader,
    and the release audit, could not tell the two rows apart)."""
    from pipeline.analysis.exit import flow_and_response
    before = pd.DataFrame({"pseudo_id": [f"p{i}" for i in range(8)],
                           "herkomst_oud": ["nederlands", "nederlands", "westers", None, None, "niet_westers",
                                            "nederlands", "westers"],
                           "geslacht": ["man", "vrouw", None, "man", "vrouw", "vrouw", "man", None]})
    left = before.iloc[[0, 3, 2]]
    out, _ = flow_and_response(before, left, left.iloc[:1], 2024, dims=("herkomst_oud", "geslacht"))
    names = out.table["group_label"].tolist()
    unknown = [n for n in names if "onbekend" in n.lower()]
    assert len(unknown) == 2 and len(set(unknown)) == 2
    assert all(n[0].isupper() for n in names)

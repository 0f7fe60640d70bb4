"""Issue 27, the right words for a missing cell: a row without respondents for a PUBLIC reason (the
directorate is not in the wave's frame, or its 0 % response is what the response table publishes
anyway; the item was not in the wave's questionnaire) says so ("geen respondenten in 2024", "niet
gemeten in 2028"); a row hidden for privacy stays "–" under "minder dan k". A directorate without
respondents in a wave keeps its row in chapter 02 and on its page."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from pipeline.disclosure.publish import ABSENT, ABSENT_FRAME, Estimates, Policy, Result, publish
from pipeline.report.display import table_html

K = 10
NONE_2024 = "geen respondenten in 2024"


def _table(rows: list[dict]) -> pd.DataFrame:
    t = pd.DataFrame(rows)
    t["dimension"] = "directie_code"
    t["group_label"] = t["group"]
    for c in ("estimate", "ci_low", "ci_high"):
        t[c] = np.where(t["n"] > 0, 3.0, np.nan)
    t[ABSENT] = t.get(ABSENT, pd.Series("", index=t.index)).fillna("")
    return t


def _cells(html: str, label: str) -> list[str]:
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if f">{label}<" in r)
    return [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def _render(t: pd.DataFrame) -> str:
    p = publish(Result(t, Estimates()), Policy(k=K))
    return table_html(p.view(columns=["group_label", "estimate", "ci_low", "ci_high", "n", "onderdrukt", ABSENT]),
                      "Inclusie per directie", export=False, k=K)


def test_absent_for_a_public_reason_is_said_in_words_and_a_small_group_stays_a_dash():
    t = _table([
        {"group": "A", "n": 50},
        {"group": "B", "n": 0, ABSENT: NONE_2024, ABSENT_FRAME: 0},      # not in the wave's frame at all
        {"group": "C", "n": 0, ABSENT: NONE_2024, ABSENT_FRAME: 12},     # 0 of 12: the response table hides it
        {"group": "D", "n": 0, ABSENT: NONE_2024, ABSENT_FRAME: 300},    # 0 % of 300: published anyway
        {"group": "E", "n": 4},
        {"group": "G", "n": 7},                                          # two hidden rows: see the attack below
        {"group": "F", "n": 0, ABSENT: "niet gemeten in 2024"},          # not in the questionnaire
    ])
    html = _render(t)
    assert _cells(html, "B")[1:] == [NONE_2024, "", "", "0"]
    assert _cells(html, "D")[1:] == [NONE_2024, "", "", "0"]
    assert _cells(html, "F")[1] == "niet gemeten in 2024"
    assert set(_cells(html, "C")[1:]) == {"–"} and set(_cells(html, "E")[1:]) == {"–"}  # never "geen respondenten"
    assert "minder dan 10 respondenten" in html
    assert "(9 cellen niet getoond)" in html  # C (its n), E and G (estimate, interval, n); not B, D, F


def test_a_table_whose_only_empty_rows_are_absent_has_no_privacy_footnote():
    html = _render(_table([{"group": "A", "n": 50}, {"group": "B", "n": 0, ABSENT: NONE_2024, ABSENT_FRAME: 0}]))
    assert NONE_2024 in html
    assert "minder dan" not in html and "niet getoond" not in html and "–" not in html


def test_a_reason_on_a_row_with_respondents_is_dropped_and_a_number_under_a_reason_is_refused():
    """Attack: a row with 3 respondents labelled 'geen respondenten' would disclose a small group as
    empty; publish drops the reason and hides the row. A reason next to a number is a bug: refused."""
    html = _render(_table([{"group": "A", "n": 50}, {"group": "B", "n": 3, ABSENT: NONE_2024, ABSENT_FRAME: 300}]))
    assert set(_cells(html, "B")[1:]) == {"–"} and NONE_2024 not in html
    t = _table([{"group": "A", "n": 50}, {"group": "B", "n": 0, ABSENT: NONE_2024, ABSENT_FRAME: 0}])
    t.loc[1, "estimate"] = 3.0
    with pytest.raises(ValueError, match="absent"):
        publish(Result(t, Estimates()), Policy(k=K))


@hsettings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), frame=st.one_of(st.none(), st.integers(0, 60)), k=st.integers(2, 15))
def test_a_row_is_labelled_absent_only_for_a_public_reason_and_never_when_hidden(n, frame, k):
    t = _table([{"group": "A", "n": 500}, {"group": "B", "n": n, ABSENT: NONE_2024,
                                            ABSENT_FRAME: np.nan if frame is None else frame}])
    t["estimate"] = t["estimate"].where(t[ABSENT].eq(""))  # a row marked absent holds no number
    p = publish(Result(t, Estimates()), Policy(k=k))
    row = p.table.iloc[1]
    public = n == 0 and (frame is None or frame == 0 or frame >= 2 * k)
    assert (row[ABSENT] == NONE_2024) == public
    assert not (row[ABSENT] and p.hidden.iloc[1].any())
    assert ABSENT_FRAME not in p.table  # the frame size is read, never published
    if not public and n < k:
        assert bool(row["onderdrukt"])


# --- a directorate without respondents in NIM 2024 (chapter 02 and its page) -----------------------


@pytest.mark.slow
def test_a_directorate_without_respondents_keeps_its_row_in_chapter_02_and_on_its_page(demo_small, tmp_path,
                                                                                       monkeypatch):
    """NIM 2024 without D05 (44 employees in the 10 % register: 0 % response is public there): chapter
    02's directorate tables and D05's page say 'geen respondenten in 2024'; before, D05 vanished from
    chapter 02 and its page said 'te weinig respondenten'. Directorates with respondents are unchanged."""
    import pyreadstat
    from test_rerun import KEY_A, real_config

    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    cfg = real_config(tmp_path, demo_small, {"register": [2024], "nim": [2024]}, ["02_inclusie"], pages="all")
    sav = tmp_path / "raw" / "nim_2024.sav"
    df, meta = pyreadstat.read_sav(sav, user_missing=True)
    assert (df["directie"] == "D05").any()
    assert (tmp_path / "raw" / "register_2024.csv").read_bytes().count(b";D05;") >= 2 * K  # public: 0 % of 2k+
    keep = df[df["directie"] != "D05"]
    pyreadstat.write_sav(keep, sav, column_labels=[meta.column_names_to_labels.get(c) for c in keep.columns],
                         variable_value_labels=meta.variable_value_labels, missing_ranges=meta.missing_ranges or {})
    build(cfg)
    reports = tmp_path / "reports"
    page = (reports / "02_inclusie.html").read_text()
    name = pd.read_csv(tmp_path / "raw" / "register_2024.csv", sep=";", encoding="cp1252").set_index(
        "directie_code")["directie"].groupby(level=0).first()["D05"]
    rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if f">{name}<" in r]
    # one per construct, and (issue 28) one per construct in its researchers' detail (the model estimate's
    # root MSE and weight): never "–"
    said = [r for r in rows if NONE_2024 in r]
    assert len(said) == 3 and len(rows) == 6 and all("–" not in r for r in rows), rows
    results = pd.read_csv(reports / "results.csv")
    d05 = results[(results["table"] == "dir:inclusion") & (results["group"] == "D05")
                  & (results["statistic"] == "level")]
    assert len(d05) == 1 and d05["n"].iloc[0] == 0 and not d05["suppressed"].iloc[0] and d05["estimate"].isna().all()
    d05_page = (reports / "directies" / "D05.html").read_text()
    assert NONE_2024 in d05_page and "te weinig respondenten om" not in d05_page
    other = results[(results["table"] == "dir:inclusion") & (results["group"] != "D05") & (results["n"] == 0)]
    assert other.empty  # only the directorate without respondents says so


def test_a_directorate_page_says_no_respondents_only_where_the_chapter_published_it():
    """The page's survey table reads the chapters' rows: D05 published without respondents (n 0, not
    suppressed), D41 not in the 2024 register (chapters 02/03 list every directorate of it) say 'geen
    respondenten in 2024'; a suppressed row, and a directorate missing from chapter 05's table (which
    does not list the frame), stay 'te weinig respondenten'."""
    from pipeline.chapters.directorate import FEW, survey_table
    row = dict(chapter="02_inclusie", indicator="inclusion", waves=2024, se=np.nan, p=np.nan, p_bh=np.nan)
    results = pd.DataFrame([
        {**row, "table": "levels", "statistic": "level", "dimension": "totaal", "group": "totaal", "estimate": 3.2,
         "ci_low": 3.1, "ci_high": 3.3, "n": 900, "suppressed": False},
        {**row, "table": "dir:inclusion", "statistic": "level", "dimension": "directie_code", "group": "D05",
         "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": 0, "suppressed": False},
        {**row, "table": "dir:inclusion", "statistic": "level", "dimension": "directie_code", "group": "D06",
         "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "n": np.nan, "suppressed": True},
        {**row, "chapter": "05_discriminatie", "indicator": "ervaren_discriminatie", "table": "prev:2024",
         "statistic": "share", "dimension": "totaal", "group": "totaal", "estimate": 0.1, "ci_low": 0.08,
         "ci_high": 0.12, "n": 900, "suppressed": False}])
    said = {code: survey_table(results, code) for code in ("D05", "D06", "D41")}
    assert said["D05"].set_index("indicator")[ABSENT].iloc[0] == NONE_2024
    assert said["D41"].set_index("indicator")[ABSENT].iloc[0] == NONE_2024
    assert ABSENT not in said["D06"] and (said["D06"]["vergelijking"] == FEW).all()
    assert (said["D41"][ABSENT].iloc[1] == "") and said["D41"]["vergelijking"].iloc[1] == FEW  # chapter 05
    p = publish(Result(said["D05"], Estimates(n=("n",), keys=("meting", "gemeente", "gemeente_laag", "gemeente_hoog"))),
                Policy(k=K))
    html = table_html(p.view(columns=["indicator", "meting", "directie", "n", "gemeente", "vergelijking", ABSENT]),
                      "Inclusie, veiligheid en discriminatie", export=False, k=K)
    inclusion, discrimination = _cells(html, "Ervaren inclusie (NIM, 1–5)"), \
        _cells(html, "Ervaren discriminatie, 12 maanden (aandeel)")
    assert NONE_2024 in inclusion and "–" not in inclusion[1:] and "3,20" in inclusion  # the organisation's level
    assert discrimination[2] == "–" and "minder dan 10" in html  # no row in chapter 05: hidden, not 'geen'


def test_a_zero_is_not_named_where_it_would_give_away_the_one_other_hidden_row():
    """Attack by differencing: the directorates add up to the published total. With D05 (0 of 300)
    named and E the only other hidden row, E = total - shown. So D05 stays '–' there; with two hidden
    rows holding k or more together, naming the 0 tells nothing about either."""
    one = _render(_table([{"group": "A", "n": 50}, {"group": "D", "n": 0, ABSENT: NONE_2024, ABSENT_FRAME: 300},
                          {"group": "E", "n": 4}]))
    assert NONE_2024 not in one and set(_cells(one, "D")[1:]) == {"–"}
    two = _render(_table([{"group": "A", "n": 50}, {"group": "D", "n": 0, ABSENT: NONE_2024, ABSENT_FRAME: 300},
                          {"group": "E", "n": 4}, {"group": "G", "n": 7}]))
    assert _cells(two, "D")[1] == NONE_2024
    gone = _render(_table([{"group": "A", "n": 50}, {"group": "D", "n": 0, ABSENT: NONE_2024, ABSENT_FRAME: 0},
                           {"group": "E", "n": 4}]))
    assert _cells(gone, "D")[1] == NONE_2024  # not in the frame at all: the organisation chart says so

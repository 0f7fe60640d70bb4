"""Women per pay-scale band (chapter 04, directorate pages): the bands follow the declared scale bands,
counts and shares are worked out by hand, unknown gender leaves the denominator, and the published
directorate cells obey the targets' rule (no count below k, counts to base 5)."""
from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analysis import gender_scale as G
from pipeline.analysis import targets as T
from pipeline.disclosure.publish import Policy, publish_all


def _unit(unit: str, scales: list[int], genders: list) -> pd.DataFrame:
    return pd.DataFrame({"pseudo_id": [f"{unit}-{i}" for i in range(len(scales))], "directie_code": unit,
                         "salarisschaal": scales, "geslacht": genders, "leeftijd": 40})


def test_bands_follow_the_declared_scale_bands():
    assert G.bands() == {"<=9": (None, 9), "10-11": (10, 11), "12-14": (12, 14), "15+": (15, None), "12+": (12, None)}
    assert list(G.column_labels().values()) == ["tot en met schaal 9", "schaal 10–11", "schaal 12–14",
                                                 "vanaf schaal 15", "vanaf schaal 12"]


def test_counts_by_hand():
    """D01: scale 8: 3 women of 5; scale 13: 1 woman, 2 men, 1 unknown; scale 15: 2 women of 2.
    From 12: 3 women of 5 known (the unknown one leaves the denominator)."""
    d = _unit("D01", [8] * 5 + [13] * 4 + [15] * 2,
              ["vrouw"] * 3 + ["man"] * 2 + ["vrouw", "man", "man", None] + ["vrouw"] * 2)
    c = G.counts({2026: d}).set_index(["eenheid", "schaalgroep"])
    assert c.loc[("D01", "<=9"), ["aantal", "noemer"]].tolist() == [3, 5]
    assert c.loc[("D01", "12-14"), ["aantal", "noemer", "n"]].tolist() == [1, 3, 11]
    assert c.loc[("D01", "12+"), ["aantal", "noemer"]].tolist() == [3, 5]
    assert c.loc[("D01", "12+"), "aandeel"] == pytest.approx(0.6)
    assert c.loc[(T.ORGANISATION, "15+"), "aandeel"] == 1.0
    assert set(c["indicator"]) == {f"women_share:{b}" for b in G.bands()}


def test_published_directorate_cells_are_never_below_k_and_rounded():
    """Two directorates: a band with 3 women in one is hidden there, and in the other too (the
    organisation's count is published: the rest would give it away)."""
    big = _unit("D01", [8] * 200 + [13] * 100, ["vrouw"] * 120 + ["man"] * 80 + ["vrouw"] * 43 + ["man"] * 57)
    small = _unit("D02", [8] * 150 + [13] * 40, ["vrouw"] * 70 + ["man"] * 80 + ["vrouw"] * 3 + ["man"] * 37)
    pub = publish_all(G.results(G.counts({2026: pd.concat([big, small], ignore_index=True)})), Policy(k=10))
    d = pub["gender_dir"].table.set_index(["eenheid", "target"])
    assert pd.isna(d.loc[("D02", "vrouwen:12-14"), "aantal"]) and pd.isna(d.loc[("D01", "vrouwen:12-14"), "aantal"])
    shown = d["aantal"].dropna()
    assert len(shown) and (shown >= 10).all() and (shown % 5 == 0).all()
    wide = G.wide_org(pub["gender_org"].table)
    assert list(wide.columns) == ["jaar", *G.column_labels().values()]


def test_a_hidden_band_is_no_difference_of_shown_numbers():
    """D02 has 3 staff from scale 15 (hidden): 12+ minus 12-14 would give them, and so would the
    headcount minus the other bands; so 12+ and the smallest other band go too."""
    big = _unit("D01", [8] * 200 + [10] * 60 + [13] * 100 + [15] * 40,
                ["vrouw", "man"] * 100 + ["vrouw", "man"] * 30 + ["vrouw", "man"] * 50 + ["vrouw", "man"] * 20)
    small = _unit("D02", [8] * 150 + [10] * 50 + [13] * 40 + [15] * 3,
                  ["vrouw", "man"] * 75 + ["vrouw", "man"] * 25 + ["vrouw", "man"] * 20 + ["vrouw", "man", "vrouw"])
    pub = publish_all(G.results(G.counts({2026: pd.concat([big, small], ignore_index=True)})), Policy(k=10))
    before = pub["gender_dir"].table.set_index(["eenheid", "target"])
    assert pd.isna(before.loc[("D02", "vrouwen:15+"), "noemer"]) and pd.notna(before.loc[("D02", "vrouwen:12+"), "noemer"])
    after = G.protect(pub["gender_dir"]).table.set_index(["eenheid", "target"])
    assert pd.isna(after.loc[("D02", "vrouwen:12+"), ["aantal", "noemer", "aandeel"]]).all()
    hidden = [b for b in G.PARTITION if pd.isna(after.loc[("D02", f"vrouwen:{b}"), "noemer"])]
    assert len(hidden) >= 2 and "15+" in hidden

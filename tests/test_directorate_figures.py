"""The directorate pages' charts: drawn from published tables only, hidden values left out and
counted, the key finding in the alt text, a survey indicator with too few respondents without number."""
from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from pipeline.disclosure.publish import Estimates, Policy, Rates, Result, figure, publish
from pipeline.report import display, figures

matplotlib.use("Agg")


def _flows(rates: dict) -> pd.DataFrame:
    rows = [{"periode": p, "stroom": s, "groep": g, "aantal": 20.0, "noemer": 100.0, "rate": r}
            for (p, s, g), r in rates.items()]
    return pd.DataFrame(rows)


def test_flows_chart_names_the_largest_difference_and_counts_hidden_values():
    org = _flows({("2024-2025", "uitstroom", "nederlands"): 0.08, ("2024-2025", "uitstroom", "niet_westers"): 0.10,
                  ("2024-2025", "instroom", "nederlands"): 0.09, ("2024-2025", "instroom", "niet_westers"): 0.12})
    own = _flows({("2024-2025", "uitstroom", "nederlands"): 0.09, ("2024-2025", "uitstroom", "niet_westers"): 0.20,
                  ("2024-2025", "instroom", "nederlands"): 0.10, ("2024-2025", "instroom", "niet_westers"): 0.11})
    own.loc[3, ["aantal", "rate"]] = np.nan                               # hidden: 1..k-1 persons
    pub = publish(Result(own, Rates("aantal", "noemer", columns=("rate",))), Policy(k=10))
    pub_org = publish(Result(org, Rates("aantal", "noemer", columns=("rate",))), Policy(k=10))
    fig = figure(figures.unit_flows, pub, pub_org, "herkomst_oud", "Directie X").fig
    assert "uitstroom van Niet-westers" in fig.get_label() and "20,0" in fig.get_label()
    assert any("1 waarde(n)" in t.get_text() for t in fig.texts)
    assert all(ax.get_ylim()[0] == 0 for ax in fig.axes)                  # shares from 0
    assert display.png_bytes(fig)[:4] == b"\x89PNG"


def test_survey_chart_shows_no_number_for_too_few_respondents():
    t = pd.DataFrame({"indicator": ["Ervaren inclusie (NIM, 1–5)", "Ervaren discriminatie, 12 maanden (aandeel)"],
                      "meting": ["2024", "2026"], "directie": [3.6, 0.2], "directie_laag": [3.4, 0.1],
                      "directie_hoog": [3.8, 0.3], "n": [40, 6], "gemeente": [3.3, 0.11],
                      "gemeente_laag": [3.25, 0.10], "gemeente_hoog": [3.35, 0.12],
                      "vergelijking": ["hoger dan de gemeente", "te weinig respondenten"]})
    pub = publish(Result(t, Estimates(n=("n",), keys=("meting", "gemeente", "gemeente_laag", "gemeente_hoog"))),
                  Policy(k=10))
    assert pub.table["directie"].isna().tolist() == [False, True]
    fig = figure(figures.unit_survey, pub, {"Ervaren inclusie (NIM, 1–5)": (1, 5)}, "Directie X").fig
    label = fig.get_label()
    assert "ervaren inclusie: 3,60 tegen 3,30 (hoger dan de gemeente)" in label
    assert "ervaren discriminatie, 12 maanden: te weinig respondenten" in label and "20" not in label
    assert fig.axes[0].get_xlim() == (1, 5) and fig.axes[1].get_xlim()[0] == 0
    assert any(t.get_text() == "te weinig respondenten" for t in fig.axes[1].texts)
    with pytest.raises(TypeError):
        figure(figures.unit_survey, t, {}, "X")                           # never a raw table

"""Figures reviewers read at a glance, with one colour per group dimension in every chapter."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

DIMENSION_COLOURS = {
    "herkomst_oud": "#004699", "herkomst_cbs": "#009dec", "geslacht": "#a00078", "jong": "#ff9100",
    "lhbtiq": "#bed200", "beperking": "#00a03c", "schaalband": "#767676", "leeftijdsband": "#ffe600",
}
DIMENSION_LABELS = {
    "herkomst_oud": "Migratieachtergrond (westers/niet-westers)", "herkomst_cbs": "Herkomst (CBS 2022)",
    "geslacht": "Gender", "jong": "Jonger dan 35", "lhbtiq": "LHBTIQ+", "beperking": "Beperking/chronische ziekte",
    "schaalband": "Salarisschaal", "leeftijdsband": "Leeftijd",
}
plt.rcParams.update({"svg.hashsalt": "inclusiemonitor", "figure.dpi": 100, "font.size": 9})


def forest(gaps: pd.DataFrame, construct: str, title: str, xlabel: str = "Verschil met referentiegroep (schaalpunten)"):
    """Raw gap (dot, 95% interval) and adjusted gap (open square) per group; suppressed groups omitted."""
    g = gaps[(gaps["construct"] == construct) & ~gaps["dimension"].str.contains("×")]
    shown = g[~g["onderdrukt"]]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(shown) + 1.4))
    y = np.arange(len(shown))[::-1]
    colours = [DIMENSION_COLOURS.get(d, "#333333") for d in shown["dimension"]]
    ax.errorbar(shown["difference"], y, xerr=[shown["difference"] - shown["ci_low"], shown["ci_high"] - shown["difference"]],
                fmt="none", ecolor=colours, elinewidth=1.5)
    ax.scatter(shown["difference"], y, c=colours, zorder=3, label="ruw verschil")
    ax.scatter(shown["adj_difference"], y, facecolors="none", edgecolors=colours, marker="s", zorder=3,
               label="gecorrigeerd verschil")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [f"{lab}  (vs {ref})" for lab, ref in zip(shown["group_label"], shown["reference"])])
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / max(len(shown), 1)), ncol=2, fontsize=8,
              frameon=False)
    n_sup = int(g["onderdrukt"].sum())
    if n_sup:
        fig.text(0.01, 0.01, f"{n_sup} groep(en) niet getoond: minder respondenten dan de minimale celgrootte.",
                 fontsize=7, color="#666666")
    fig.tight_layout()
    return fig

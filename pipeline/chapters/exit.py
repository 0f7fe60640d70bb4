"""Chapter: exit feedback — who leaves, who answers, why they leave and how that differs by group,
with young leavers separately (exit questionnaire linked to the register's outflow)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.careless import careful

from pipeline import labels
from pipeline.analysis import exit as ex
from pipeline.analysis.gaps import level_table
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.disclosure.publish import Policy, Published, hide_cells, one_status, publish_all
from pipeline.settings import Settings

RATE_COLUMNS = {"group_label": "groep", "aantal": "aantal", "noemer": "van", "rate": "aandeel"}
LEVEL_COLUMNS = {"group_label": "groep", "estimate": "aandeel", "ci_low": "95%-interval laag",
                 "ci_high": "95%-interval hoog", "n": "respondenten"}


def young_one_status(reasons: Published, young: Published) -> tuple[Published, Published]:
    """One cell, one status (issue 25 A1): the young and the older leavers' share of an outcome are
    the `jong` rows of the level table and the two sides of the young-vs-older comparison. Where either
    table hides one of them, the comparison row (its shares, difference and test) and both `jong` rows
    of the level table are hidden."""
    lv = reasons.table
    at = (lv["dimension"] == "jong").to_numpy()
    gone = set(lv.loc[at & reasons.hidden["estimate"].to_numpy(), "vraag"])
    gone |= set(young.table.loc[young.hidden["jong"].to_numpy() | young.hidden["ouder"].to_numpy(), "vraag"])
    numeric = tuple(c for c in young.table.columns if c != "vraag" and pd.api.types.is_numeric_dtype(young.table[c])
                    and not pd.api.types.is_bool_dtype(young.table[c]))
    level_cols = ("estimate", "se", "ci_low", "ci_high", "n", "deff", "n_ja", "n_sub")
    return (hide_cells(reasons, at & lv["vraag"].isin(gone).to_numpy(), level_cols),
            hide_cells(young, young.table["vraag"].isin(gone).to_numpy(), numeric))


def hidden_hold_k(p: Published, raw: pd.DataFrame, k: int) -> Published:
    """Attribute rule for the hidden rows of a dimension together: per question, the total (shown
    elsewhere: the young leavers' share) minus the shown rows gives the hidden rows' yes-count (about,
    weighted), so the hidden rows must hold at least k people with and k without the attribute;
    otherwise the smallest shown row is hidden too (the unknown origin as a row made western + unknown
    a group of 39 with about 5 naming salary)."""
    t, h = p.table, p.hidden
    keys = t["vraag"].astype(str) + "\x1f" + t["group"].astype(str)
    counts = raw.assign(_k=raw["vraag"].astype(str) + "\x1f" + raw["group"].astype(str)).set_index("_k")
    yes, n = keys.map(counts["n_ja"]).astype(float), keys.map(counts["n"]).astype(float)
    hide = np.zeros(len(t), dtype=bool)
    levels = (t["dimension"] != "totaal").to_numpy()
    for _, idx in t[levels].groupby("vraag", sort=False).indices.items():
        rows = np.flatnonzero(levels)[idx]
        hidden = set(rows[h["estimate"].to_numpy()[rows] | t["estimate"].isna().to_numpy()[rows]])
        while hidden and len(hidden) < len(rows):
            y, m = yes.iloc[list(hidden)].sum(), n.iloc[list(hidden)].sum()
            if y >= k and m - y >= k:
                break
            shown = [r for r in rows if r not in hidden and n.iloc[r] > 0]
            if not shown:
                break
            hidden.add(min(shown, key=lambda r: n.iloc[r]))
        hide[list(hidden)] = True
    return hide_cells(p, hide & ~t["estimate"].isna().to_numpy(), ("estimate", "se", "ci_low", "ci_high", "n", "deff",
                                                                     "n_ja", "n_sub"))


def build(settings: Settings, *, wave=None, dimensions=None) -> Chapter:
    policy = Policy.from_settings(settings)
    dims = list(dimensions or ["jong", "herkomst_oud", "geslacht", "schaalband"])
    waves = [w for w in settings.waves("exit") if w - 1 in settings.waves("register") and w in settings.waves("register")]
    wave = int(wave or max(waves))
    cb = settings.codebook("exit", wave)
    reg = lambda y: policy.merged(pd.read_parquet(settings.processed_dir / f"register_{y}.parquet"))  # noqa: E731
    results, reports = {}, {}
    for w in waves:
        before, after = reg(w - 1), reg(w)
        answers = careful(pd.read_parquet(settings.processed_dir / f"exit_{w}.parquet"), settings.careless)
        left = ex.leavers(before, after)
        results[f"outflow:{w}"], results[f"response:{w}"] = ex.flow_and_response(before, left, answers, w, dims)
        if w == wave:
            results["response_dir"] = ex.response_by_unit(left, answers, w, base=policy.rounding["register_counts"])
            design, reports = ex.design(answers, left)
    reasons = [n for n in cb.variables if n.startswith("reden_")]
    outcomes = [*reasons, *ex.YESNO]
    results["reasons"] = level_table(design, outcomes, dims, estimator="proportion", name="vraag")
    # per directorate, for the directorate pages (results rows only; suppressed as every group estimate)
    results["dir:reasons"] = level_table(design, reasons, ["directie_code"], estimator="proportion", name="vraag")
    results["inclusion"] = level_table(design, ["exit_inclusion"], dims, name="vraag")
    results["young"] = ex.young_vs_older(design, [*outcomes, "exit_inclusion"], proportions=tuple(outcomes))
    # young leavers by origin: the unknown origin is a level of its own (hidden when small), else it is
    # the young leavers' n minus the listed rows (issue 25 A2: 234 - 139 - 31 - 56 = 8)
    young = ex.unknown_level(design, "herkomst_oud").subset(design.data["jong"].astype("object") == "ja")
    results["young_reasons"] = level_table(young, reasons, ["herkomst_oud"], estimator="proportion", name="vraag")
    pub = publish_all(results, policy)
    for w in waves:  # the leavers of a group appear in both tables: one cell, one status
        pub[f"outflow:{w}"], pub[f"response:{w}"] = one_status(
            pub[f"outflow:{w}"], "aantal", pub[f"response:{w}"], "noemer", on=("dimension", "group"),
            also_a=("rate",), also_b=("aantal", "rate"))
    pub["reasons"], pub["young"] = young_one_status(pub["reasons"], pub["young"])
    pub["young_reasons"] = hidden_hold_k(pub["young_reasons"], results["young_reasons"].table, policy.k)
    text = {n: cb.variables[n]["label"].removeprefix("Reden vertrek: ") for n in outcomes}
    text["exit_inclusion"] = cb.scales["exit_inclusion"]["label"]

    ch = Chapter()
    for key, p in pub.items():
        w = key.split(":")[1] if ":" in key else ""
        ch.record({key: p}, source="exit", waves=w if w.isdigit() else str(wave))
    ch.heading("Exitfeedback: wie vertrekt en waarom", 1)
    ch.text("Medewerkers die de gemeente verlaten, krijgen bij de offboarding een vragenlijst van een externe "
            "leverancier. De antwoorden zijn gekoppeld aan de uitstroom in het HR-register, via het "
            "gepseudonimiseerde personeelsnummer. Vertrekkers stonden aan het begin van het jaar in het register en "
            "aan het eind niet meer. Zo is per groep bekend wie vertrok en wie de vragenlijst invulde, en worden de "
            "antwoorden gewogen naar alle vertrekkers (per leeftijdsgroep en herkomst). Groepen komen uit het "
            f"register. Aantallen kleiner dan {policy.k} worden niet getoond. Aantallen medewerkers en vertrekkers "
            "uit het register zijn afgerond op vijftallen, zoals in hoofdstuk 04; aandelen zijn daaruit berekend.")
    ch.heading(f"Samenvatting ({wave})")
    tot = pub[f"response:{wave}"].table
    tot = tot[tot["dimension"] == "totaal"].iloc[0]
    rs = pub["reasons"].table
    top = rs[(rs["dimension"] == "totaal") & rs["vraag"].isin(reasons)].sort_values("estimate", ascending=False).head(3)
    lines = [f"- {int(tot['noemer'])} medewerkers vertrokken; {tot['rate']:.0%} vulde de exitvragenlijst in."
             if pd.notna(tot["rate"]) else "- Respons niet te tonen."]
    lines.append("- Meest genoemde redenen: " + "; ".join(f"{text[r.vraag].lower()} ({r.estimate:.0%})"
                                                         for r in top.itertuples() if pd.notna(r.estimate)) + ".")
    yg = pub["young"].table
    sig = yg[(yg["p_bh"] < 0.05)]
    if len(sig):
        lines.append("- Jonge vertrekkers (< " + str(settings.young_cutoff) + ") verschillen aantoonbaar van oudere op: "
                     + "; ".join(f"{text[r.vraag].lower()} ({r.jong:.0%} tegen {r.ouder:.0%})" if r.vraag != "exit_inclusion"
                                 else f"{text[r.vraag].lower()} ({r.jong:.2f} tegen {r.ouder:.2f})".replace(".", ",")
                                 for r in sig.itertuples()) + ".")
    ch.text("\n".join(lines))
    if reports.get("not_linked") or reports.get("leavers_unrepresented"):
        ch.text(f"Niet aan de uitstroom te koppelen: {reports['not_linked']} ingevulde vragenlijsten (bijvoorbeeld "
                "vertrek na de peildatum). Vertrekkers in een weegcel zonder respondenten: "
                f"{reports['leavers_unrepresented']}." if reports["not_linked"] >= policy.k or not reports["not_linked"]
                else f"Niet aan de uitstroom te koppelen: minder dan {policy.k} ingevulde vragenlijsten.")
    ch.heading("Wie vertrekt en wie vult de vragenlijst in")
    for w in waves:
        ch.table(pub[f"outflow:{w}"].view(columns=list(RATE_COLUMNS), rename={**RATE_COLUMNS, "noemer": "personeel begin jaar",
                                                                              "rate": "uitstroom"}),
                 f"Uitstroom {w} per groep (register)", decimals=3, integers=["personeel begin jaar"],
                 percent=["uitstroom"])
        ch.table(pub[f"response:{w}"].view(columns=list(RATE_COLUMNS), rename={**RATE_COLUMNS, "aantal": "ingevuld",
                                                                               "noemer": "vertrekkers", "rate": "respons"}),
                 f"Respons op de exitvragenlijst {w} per groep", decimals=3, integers=["ingevuld", "vertrekkers"],
                 percent=["respons"])
    names = reg(wave).groupby("directie_code", observed=True)["directie"].first()
    ch.table(pub["response_dir"].view(columns=["directie_code", "vertrekkers", "respondenten", "respons"],
                                      map={"directie_code": lambda c: names.get(c, c)}, rename={"directie_code": "directie"}),
             f"Vertrekkers en respons per directie ({wave})", decimals=3, integers=["vertrekkers", "respondenten"],
             percent=["respons"])
    ch.heading("Waarom medewerkers vertrekken")
    ch.text("Meerdere redenen konden worden gekozen; aandelen zijn gewogen naar alle vertrekkers, met 95%-interval "
            "(logit) en standaardfouten volgens het steekproefontwerp.")
    for dim in ["totaal", *dims]:
        ch.table(pub["reasons"].view(rows=pub["reasons"].table["dimension"] == dim,
                                     columns=["vraag", *LEVEL_COLUMNS], map={"vraag": text},
                                     rename={**LEVEL_COLUMNS, "vraag": "reden of vraag"}),
                 "Alle vertrekkers" if dim == "totaal" else f"Naar {labels.dimension(dim).lower()}", decimals=3)
    ch.table(pub["inclusion"].view(columns=list(LEVEL_COLUMNS), rename={**LEVEL_COLUMNS, "estimate": "gemiddelde"}),
             f"{text['exit_inclusion']} (schaal 1 tot 5) per groep", decimals=2)
    ch.heading("Jonge vertrekkers")
    ch.text(f"Vertrekkers jonger dan {settings.young_cutoff} tegen oudere vertrekkers; *p (BH)*: na correctie voor de "
            "vele vergelijkingen (alle vergelijkingen in deze tabel).")
    ch.table(pub["young"].view(columns=["vraag", "jong", "ouder", "difference", "ci_low", "ci_high", "p_bh", "n", "n_ref"],
                               map={"vraag": text}, rename={"vraag": "reden of vraag", "difference": "verschil",
                                                           "n": "n jong", "n_ref": "n ouder"}),
             "Jonge tegen oudere vertrekkers", decimals=3, sheet="Jong tegen oud")
    ch.table(pub["young_reasons"].view(rows=pub["young_reasons"].table["dimension"] != "totaal",
                                       columns=["vraag", *LEVEL_COLUMNS], map={"vraag": text},
                                       rename={**LEVEL_COLUMNS, "vraag": "reden"}),
             "Redenen van jonge vertrekkers naar migratieachtergrond", decimals=3)
    ch.provenance({**{f"exit {w}": load_manifest(settings.processed_dir, "exit", w)["input"] for w in waves},
                   **{f"register {y}": load_manifest(settings.processed_dir, "register", y)["input"]
                      for y in sorted({*waves, *(w - 1 for w in waves)})}},
                  {"wave": wave, "dimensions": dims, "weighting_cells": list(ex.CELLS), "min_cell_size": policy.k},
                  settings)
    return ch

"""Figures reviewers read at a glance, with one colour per group dimension in every chapter."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pipeline import labels as catalogue
from pipeline.report import numbers as num

# Okabe–Ito colours: distinguishable with every common colour-vision deficiency; never used alone
GOOD, BAD, NEUTRAL = "#0072B2", "#D55E00", "#999999"

# Views of the label catalogue (config/labels.yaml) for notebooks that still read them from here;
# new code asks pipeline.labels (dimension, colour).
DIMENSION_COLOURS = catalogue.colours()
DIMENSION_LABELS = catalogue.dimensions()
plt.rcParams.update({"svg.hashsalt": "inclusiemonitor", "figure.dpi": 100, "font.size": 9})


def _err(t: pd.DataFrame, col: str = "estimate") -> np.ndarray:
    """Error-bar lengths (2 × n array) from an estimate and its interval; plain floats, so matplotlib
    never calls float() on a pandas Series (a FutureWarning on one-row tables)."""
    est = t[col].to_numpy(float)
    return np.vstack([est - t["ci_low"].to_numpy(float), t["ci_high"].to_numpy(float) - est])


AANTOONBAAR = "aantoonbaar (na correctie voor de vele vergelijkingen)"


def _interval(lo, hi, decimals: int = 2, share: bool = False) -> str:
    """"95%-interval −0,45 tot −0,17" (signed points) or "95%-interval 12 % tot 18 %" (shares)."""
    f = (lambda v: num.percent(v, 0)) if share else (lambda v: num.decimal(v, decimals, sign=True))
    return f"95%-interval {f(lo)} tot {f(hi)}"


def _scale(scale) -> str:
    """" op een schaal van 1 tot 5" when the scale's range is known."""
    lo, hi = scale if scale else (None, None)
    return f" op een schaal van {num.decimal(lo, 0)} tot {num.decimal(hi, 0)}" if lo is not None and hi is not None else ""


def forest(gaps: pd.DataFrame, construct: str, title: str, xlabel: str = "Verschil met referentiegroep (schaalpunten)"):
    """Raw gap (dot, 95% interval) and adjusted gap (open square) per group; suppressed groups omitted."""
    g = gaps[(gaps["construct"] == construct) & ~gaps["dimension"].str.contains("×")]
    shown = g[~g["onderdrukt"]]
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(shown) + 1.4))
    y = np.arange(len(shown))[::-1].astype(float)
    colours = [catalogue.colour(d, "#333333") for d in shown["dimension"]]
    ax.errorbar(shown["difference"].to_numpy(float), y, xerr=_err(shown, "difference"),
                fmt="none", ecolor=colours, elinewidth=1.5)
    ax.scatter(shown["difference"], y, c=colours, zorder=3, label="ruw verschil")
    ax.scatter(shown["adj_difference"], y - 0.3, facecolors="none", edgecolors=colours, marker="s", zorder=3,
               label="bij gelijke schaal, leeftijd, dienstjaren en directie")  # just below the raw one: the two never hide each other
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y - 0.15, [f"{lab}  (t.o.v. {ref})" for lab, ref in zip(shown["group_label"], shown["reference"])])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(num.tick_decimal(2)))
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.6 / max(len(shown), 1)), ncol=2, fontsize=8,
              frameon=False)
    n_sup = int(g["onderdrukt"].sum())
    if n_sup:
        fig.text(0.01, 0.01, f"{n_sup} groep(en) niet getoond: minder respondenten dan de minimale celgrootte.",
                 fontsize=7, color="#666666")
    shown_p = shown[shown["p_bh"] < 0.05] if "p_bh" in shown else shown.iloc[:0]
    if len(shown_p):  # the finding, from the shown (published) rows only
        r = shown_p.loc[shown_p["difference"].abs().idxmax()]
        fig.set_label(f"Grootste aantoonbare verschil: {r['group_label']} scoort {num.decimal(abs(r['difference']), 2)} "
                      f"punt {'lager' if r['difference'] < 0 else 'hoger'} dan {r['reference']} "
                      f"({_interval(r['ci_low'], r['ci_high'])}); {len(shown_p)} van de {len(shown)} verschillen zijn "
                      f"{AANTOONBAAR}.")
    elif len(shown):
        fig.set_label(f"Geen van de {len(shown)} verschillen is {AANTOONBAAR}; het grootste is "
                      f"{num.decimal(shown['difference'].abs().max(), 2)} punt.")
    else:
        fig.set_label("Geen van de verschillen kan worden getoond: te weinig respondenten.")
    fig.tight_layout()
    return fig


def target_trend(counts: pd.DataFrame, specs: dict):
    """One panel per declared target (specs: name -> (label, kind, value, baseline_year)): the value per
    year and the target as a dashed line (a relative increase: baseline share x (1 + increase))."""
    fig, axes = plt.subplots(1, max(len(specs), 1), figsize=(3.4 * max(len(specs), 1), 3.2), squeeze=False)
    findings = []
    for ax, (name, (label, kind, value, base_year)) in zip(axes[0], specs.items()):
        sub = counts[counts["target"] == name].sort_values("jaar")
        years = sub["jaar"].astype(int)
        col = "aantal" if kind == "count" else "aandeel"
        vals = sub[col].astype(float)
        base = vals[years == base_year]
        goal = value if kind != "relative_increase" else (base.iloc[0] * (1 + value) if len(base) else np.nan)
        ax.plot(years, vals, marker="o", color="#004699")
        if not np.isnan(goal):
            ax.axhline(goal, ls="--", color="#ec0000", lw=1)
            ax.text(years.min(), goal, " streefcijfer", color="#ec0000", va="bottom", fontsize=8)
        ax.set_title(label, fontsize=9, loc="left", wrap=True)
        ax.set_xticks(years, [str(y) for y in years])
        if kind != "count":
            _pct_axis(ax, "y")
        top = np.nanmax([goal, vals.max()]) if len(vals) else 1.0
        ax.set_ylim(0, (top if np.isfinite(top) and top > 0 else 1.0) * 1.25)
        shown = vals.notna().to_numpy()
        if shown.any():
            fmt = num.integer if kind == "count" else (lambda v: num.percent(v, 1))
            last, v = int(years[shown].iloc[-1]), vals[shown].iloc[-1]
            goal_txt = f"streefcijfer {fmt(goal)}, {'gehaald' if v >= goal else 'nog niet gehaald'}" \
                if np.isfinite(goal) else "geen streefcijfer"
            findings.append(f"{label}: {fmt(v)} in {last} ({goal_txt})")
    if findings:
        fig.set_label("; ".join(findings) + ".")
    fig.tight_layout()
    return fig


def pipeline_bars(rep: pd.DataFrame):
    """Share of the diverse group per pay-scale band, one bar group per year: the 'pipeline'."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bands = list(dict.fromkeys(rep["schaalband"]))
    years = sorted(rep["jaar"].unique())
    width = 0.8 / len(years)
    blues = ["#a3c4ec", "#4d8bd6", "#004699", "#002a5c"]
    for i, y in enumerate(years):
        sub = rep[rep["jaar"] == y].set_index("schaalband").reindex(bands)
        ax.bar(np.arange(len(bands)) + i * width, sub["aandeel"], width, label=str(y), color=blues[i % len(blues)])
    ax.set_xticks(np.arange(len(bands)) + width * (len(years) - 1) / 2,
                  [catalogue.group("schaalband", b) for b in bands])
    _pct_axis(ax, "y")
    ax.set_ylabel("aandeel met niet-westerse\nmigratieachtergrond")
    ax.legend(frameon=False, fontsize=8)
    shown = rep[rep["aandeel"].notna()]
    if len(shown):
        last = shown[shown["jaar"] == shown["jaar"].max()].set_index("schaalband").reindex(bands).dropna(subset=["aandeel"])
        fig.set_label(f"In {num.year(shown['jaar'].max())}: " + ", ".join(
            f"{catalogue.group('schaalband', b)} {num.percent(v, 0)}" for b, v in last["aandeel"].items()) + ".")
    fig.tight_layout()
    return fig


def women_by_scale(panels: dict, band_labels: dict):
    """Share of women per pay-scale band, one bar group per band and one bar per year; a panel per unit
    (`panels`: title -> published counts with `target` 'vrouwen:<band>', `jaar`, `aandeel`), e.g. a
    directorate beside the organisation. A hidden share is a missing bar."""
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 3.2), squeeze=False, sharey=True)
    blues = ["#a3c4ec", "#4d8bd6", "#004699", "#002a5c"]
    bands = list(band_labels)
    findings = []
    for ax, (title, t) in zip(axes[0], panels.items()):
        t = t.assign(band=t["target"].str.split(":", n=1).str[1])
        years = sorted(t["jaar"].unique())
        width = 0.8 / max(len(years), 1)
        for i, y in enumerate(years):
            sub = t[t["jaar"] == y].set_index("band").reindex(bands)
            ax.bar(np.arange(len(bands)) + i * width, sub["aandeel"].astype(float), width, label=str(y),
                   color=blues[i % len(blues)])
        ax.set_xticks(np.arange(len(bands)) + width * (len(years) - 1) / 2,
                      [band_labels[b].replace("schaal ", "") for b in bands], fontsize=8)
        ax.set_xlabel("salarisschaal", fontsize=8)
        ax.set_title(title, fontsize=9, loc="left")
        _pct_axis(ax, "y", top=1.0)
        shown = t[t["aandeel"].notna()]
        if len(shown):
            last = shown[shown["jaar"] == shown["jaar"].max()].set_index("band").reindex(bands).dropna(subset=["aandeel"])
            findings.append(f"{title}, {shown['jaar'].max()}: " + ", ".join(
                f"{band_labels[b]} {num.percent(v, 0)}" for b, v in last["aandeel"].items()))
    axes[0][0].set_ylabel("aandeel vrouwen")
    axes[0][-1].legend(frameon=False, fontsize=8)
    if findings:
        fig.set_label("Aandeel vrouwen per salarisschaalgroep. " + "; ".join(findings) + ".")
    fig.tight_layout()
    return fig


def flow_rates_plot(rates: pd.DataFrame, group: str, labels: dict | None = None):
    """Flow rates per group with exact 95% intervals; suppressed groups left out with a note.
    `labels`: level -> label (default: the catalogue's labels of `group`)."""
    labels = catalogue.groups(group) if labels is None else labels
    shown = rates[~rates["onderdrukt"]]
    flows_ = list(dict.fromkeys(shown["stroom"]))
    fig, axes = plt.subplots(1, len(flows_), figsize=(3.3 * len(flows_), 2.8), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, flow in zip(axes, flows_):
        sub = shown[shown["stroom"] == flow]
        periods = sorted(sub["periode"].unique())
        levels = list(dict.fromkeys(sub[group]))
        for j, per in enumerate(periods):
            s = sub[sub["periode"] == per].set_index(group).reindex(levels)
            x = np.arange(len(levels)) + (j - (len(periods) - 1) / 2) * 0.25
            ax.errorbar(x, s["rate"].to_numpy(float), yerr=_err(s, "rate"),
                        fmt=["o", "s", "^"][j % 3], label=per, color=["#56B4E9", "#0072B2", "#000000"][j % 3], ms=4)
        ax.set_xticks(np.arange(len(levels)), [labels.get(str(v), str(v)) for v in levels], fontsize=8)
        ax.set_title(flow.capitalize(), fontsize=9, loc="left")
    _pct_axis(axes[0], "y")  # shared: one scale from 0 for all flows
    axes[0].set_ylabel("percentage van het personeel")
    axes[-1].legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    n_sup = int(rates["onderdrukt"].sum())
    if n_sup:
        fig.text(0.01, 0.01, f"{n_sup} waarde(n) niet getoond (minder dan de minimale celgrootte).", fontsize=7)
    fig.set_label(_flow_finding(shown, group, labels))
    fig.tight_layout()
    return fig


def _flow_finding(shown: pd.DataFrame, group: str, labels: dict) -> str:
    """Per flow, the last period: highest and lowest group, and which differ demonstrably from the
    reference group (the table's BH-corrected Fisher test)."""
    out = []
    p_col = next((c for c in ("p_vs_referentie_bh", "p_bh") if c in shown), None)
    for flow, sub in shown[shown["rate"].notna()].groupby("stroom", sort=False):
        sub = sub[sub["periode"] == max(sub["periode"])]
        name = lambda r: labels.get(str(r[group]), str(r[group]))  # noqa: E731
        hi, lo = sub.loc[sub["rate"].idxmax()], sub.loc[sub["rate"].idxmin()]
        text = (f"{str(flow).capitalize()} {sub['periode'].iloc[0]}: hoogst bij {name(hi)} ({num.percent(hi['rate'], 1)}), "
                f"laagst bij {name(lo)} ({num.percent(lo['rate'], 1)})")
        if p_col:
            sig = [name(r) for _, r in sub.iterrows() if r[p_col] < 0.05]
            text += (f"; {AANTOONBAAR} anders dan de referentiegroep: {', '.join(sig)}" if sig
                     else "; geen aantoonbaar verschil met de referentiegroep")
        out.append(text)
    return ". ".join(out) + "." if out else "Geen van de stroomcijfers kan worden getoond: te weinig medewerkers."


def _pct_axis(ax, axis="x", zero: bool = True, top: float | None = None):
    """A share axis: from 0 (unless `zero` is False, e.g. for changes), ticks at whole percentages
    in a nice step, Dutch labels ("25 %"). Call after drawing."""
    from matplotlib.ticker import MultipleLocator
    get, put = (ax.get_xlim, ax.set_xlim) if axis == "x" else (ax.get_ylim, ax.set_ylim)
    lo, hi = get()
    if zero:
        lo = min(0.0, lo) if lo < 0 else 0.0
    hi = top if top is not None else hi
    put(lo, hi)
    span = 100 * (hi - lo)
    step = next((s for s in (1, 2, 5, 10, 20, 25) if span / s <= 8), 50)
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MultipleLocator(step / 100))
    target.set_major_formatter(plt.FuncFormatter(num.tick_percent))


def prevalence_bars(prev: pd.DataFrame, indicators: list[str], labels: dict, title: str, dimension: str = "totaal",
                    xmax: float | None = None):
    """Horizontal bars of shares with 95% intervals, one bar per indicator (or per group for one indicator).
    `xmax`: the same share axis for a series of these charts (small multiples), from 0."""
    sub = prev[(prev["dimension"] == dimension) & prev["indicator"].isin(indicators) & ~prev["onderdrukt"]]
    if dimension != "totaal":
        names = sub["group_label"].tolist()
    else:
        sub = sub.set_index("indicator").reindex([i for i in indicators if i in set(sub["indicator"])]).reset_index()
        names = [labels.get(i, i) for i in sub["indicator"]]
    fig, ax = plt.subplots(figsize=(7, 0.34 * len(sub) + 1.2))
    y = np.arange(len(sub))[::-1]
    ax.barh(y, sub["estimate"], color="#0072B2")
    ax.errorbar(sub["estimate"].to_numpy(float), y, xerr=_err(sub),
                fmt="none", ecolor="black", elinewidth=1)
    ax.set_yticks(y, names, fontsize=8)
    for yy, v, hi in zip(y, sub["estimate"], sub["ci_high"]):  # the value as text, right of its interval
        ax.annotate(num.percent(v, 0), (hi if pd.notna(hi) else v, yy), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=7, color="#1a1a1a")
    _pct_axis(ax, top=xmax)
    ax.set_title(title, loc="left", fontsize=10)
    if len(sub):
        hi, lo = int(np.argmax(sub["estimate"].to_numpy(float))), int(np.argmin(sub["estimate"].to_numpy(float)))
        fig.set_label(f"Hoogste: {names[hi]} ({num.percent(sub['estimate'].iloc[hi], 0)}); laagste: {names[lo]} "
                      f"({num.percent(sub['estimate'].iloc[lo], 0)}).")
    else:
        fig.set_label("Geen van de aandelen kan worden getoond: te weinig respondenten.")
    n_sup = int(prev[(prev["dimension"] == dimension) & prev["indicator"].isin(indicators)]["onderdrukt"].sum())
    if n_sup:
        fig.text(0.01, 0.01, f"{n_sup} groep(en) niet getoond: minder respondenten dan de minimale celgrootte.", fontsize=7)
    fig.tight_layout()
    return fig


def funnel(prev_by_wave: dict, title: str):
    """Reporting funnel per wave: experienced -> reported -> satisfied with the handling (shares of all staff)."""
    steps = [("ervaren_discriminatie", "ervaren"), ("funnel_gemeld", "ervaren en gemeld"),
             ("funnel_tevreden", "gemeld en tevreden")]
    fig, ax = plt.subplots(figsize=(7, 2.8))
    waves = sorted(prev_by_wave)
    width = 0.8 / len(waves)
    findings = []
    for j, w in enumerate(waves):
        p = prev_by_wave[w]
        est = p[p["dimension"] == "totaal"].drop_duplicates("indicator").set_index("indicator")["estimate"]
        vals = [float(est[s]) if s in est.index else np.nan for s, _ in steps]
        findings.append(f"{w}: " + ", ".join(f"{lab} {num.percent(v, 0) if np.isfinite(v) else 'niet getoond'}"
                                             for (_, lab), v in zip(steps, vals)))
        ax.bar(np.arange(3) + j * width, vals, width, label=str(w), color=["#56B4E9", "#0072B2", "#000000"][j % 3],
               hatch=["", "//", ""][j % 3], edgecolor="white")
    ax.set_xticks(np.arange(3) + width * (len(waves) - 1) / 2, [lab for _, lab in steps])
    _pct_axis(ax, "y")
    ax.set_ylabel("aandeel van alle medewerkers")
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    fig.set_label("Aandeel van alle medewerkers: " + "; ".join(findings) + ".")
    fig.tight_layout()
    return fig


def change_dots(chg: pd.DataFrame, labels: dict, title: str):
    """Baseline vs repeat side by side per indicator (overall), significant changes (BH) marked."""
    sub = chg[(chg["dimension"] == "totaal") & ~chg["onderdrukt"]]
    sub = sub[sub["baseline"].notna() | sub["repeat"].notna()]  # not an item one wave did not ask (no numbers)
    fig, ax = plt.subplots(figsize=(7, 0.36 * len(sub) + 1.3))
    y = np.arange(len(sub))[::-1]
    ax.hlines(y, sub["baseline"], sub["repeat"], color="#999999")
    ax.scatter(sub["baseline"], y, facecolors="white", edgecolors="#0072B2", marker="o", label="nulmeting", zorder=3)
    ax.scatter(sub["repeat"], y, color="#0072B2", marker="D", label="herhaling", zorder=3)
    _pct_axis(ax)
    for yy, (_, r) in zip(y, sub.iterrows()):
        word = "● geen aantoonbaar verschil" if not r["p_bh"] < 0.05 else ("▲ hoger" if r["change"] > 0 else "▼ lager")
        ax.annotate(word, (1.01, yy), xycoords=("axes fraction", "data"), va="center", fontsize=7)
    ax.set_yticks(y, [labels.get(i, i) for i in sub["indicator"]], fontsize=8)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2)
    sig = sub[sub["p_bh"] < 0.05]
    moved = "; ".join(f"{labels.get(r['indicator'], r['indicator'])} {'▲ hoger' if r['change'] > 0 else '▼ lager'} "
                      f"({num.percent(r['baseline'], 0)} → {num.percent(r['repeat'], 0)})" for _, r in sig.iterrows())
    fig.set_label(f"{len(sig)} van de {len(sub)} aandelen {AANTOONBAAR} veranderd" + (f": {moved}." if moved else "."))
    fig.tight_layout()
    return fig


def dashboard_figure(dash: pd.DataFrame):
    """Change since the baseline per programme indicator, one panel per unit (scale points and
    percentage points never share an axis). A gap is drawn as how much *smaller* it became (right =
    smaller, whatever its sign), so right is always the good side for a gap. Direction toward the goal
    is told by colour (blue/orange, safe for colour blindness) AND marker and word; a change that is not
    demonstrable is hollow."""
    from pipeline.report import headline
    kinds = dash.apply(headline.kind, axis=1) if len(dash) else pd.Series(dtype=str)
    panels = [("punt", "Kloven: hoeveel kleiner (rechts) of groter (links), in punten", kinds == "kloof"),
              ("procentpunt", "Aandelen: verandering in procentpunten", kinds.isin(["aandeel", "doel_aandeel"])),
              ("procent", "Streefcijfers als relatieve toename: toename sinds de nulmeting in %, met het doel (- -)",
               kinds == "doel_relatief")]
    panels = [(u, t, m) for u, t, m in panels if m.any()]
    if not panels:
        fig, ax = plt.subplots(figsize=(8, 1))
        ax.axis("off")
        ax.text(0, 0.5, "Nog geen programma-indicatoren met een nulmeting.", fontsize=9)
        return fig
    heights = [int(m.sum()) + 1.2 for _, _, m in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 0.42 * sum(heights) + 0.6),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (unit, title, mask) in zip(axes[:, 0], panels):
        sub = dash[mask]
        scale = 1.0 if unit == "punt" else 100.0
        # a gap below its reference group (basis < 0) shrinks as the change is positive
        flip = [(-1.0 if unit == "punt" and pd.notna(r.get("basis")) and r["basis"] > 0 else 1.0)
                for _, r in sub.iterrows()]
        y = np.arange(len(sub))[::-1]
        xs = []
        for yy, f, (_, r) in zip(y, flip, sub.iterrows()):
            toward, shown = bool(r["naar_doel"]), headline.demonstrable(r) is not False
            colour = GOOD if toward else BAD
            if pd.notna(r["ci_low"]):
                lo, hi = sorted([f * scale * r["ci_low"], f * scale * r["ci_high"]])
                ax.plot([lo, hi], [yy, yy], color=colour, lw=2)
                xs += [lo, hi]
            ax.scatter([f * scale * r["verandering"]], [yy], s=60, zorder=3, marker="o" if toward else "X",
                       facecolors=colour if shown else "white", edgecolors=colour, linewidths=1.5)
            xs.append(f * scale * r["verandering"])
            if unit == "procent" and pd.notna(r.get("doel")):  # the target, in its own kind
                ax.plot([scale * r["doel"]] * 2, [yy - 0.35, yy + 0.35], color="#333333", ls="--", lw=1.2)
                xs.append(scale * r["doel"])
        xmax = max(1e-9, float(np.nanmax(np.abs(np.asarray(xs, float)))))
        ax.set_xlim(-1.15 * xmax, 1.15 * xmax)
        for yy, (_, r) in zip(y, sub.iterrows()):
            ax.annotate(headline.figure_word(r), (1.01, yy), xycoords=("axes fraction", "data"), fontsize=8,
                        va="center", color="#333333")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, [f"{i} ({p})" for i, p in zip(sub["indicator"], sub["periode"])], fontsize=8)
        ax.set_ylim(-0.7, len(sub) - 0.3)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(num.tick_decimal(2 if unit == "punt" else 0)))
        ax.set_title(title, loc="left", fontsize=9)
    axes[-1, 0].set_xlabel("verandering sinds de nulmeting, met 95%-interval\n● de goede kant op · × de verkeerde "
                           "kant op · open symbool = niet aantoonbaar", fontsize=8)
    fig.tight_layout()
    return fig


def gap_trend(levels_: pd.DataFrame, dim: str, title: str, wave_col: str = "golf"):
    """Level per wave per group of one dimension, with 95% intervals (suppressed groups omitted)."""
    sub = levels_[(levels_["dimension"] == dim) & levels_["estimate"].notna()]
    fig, ax = plt.subplots(figsize=(6, 3))
    styles = ["-", "--", ":", "-."]
    markers = ["o", "s", "^", "D"]
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    for i, (g, s) in enumerate(sub.groupby("group_label", sort=False)):
        s = s.sort_values(wave_col)
        ax.errorbar(s[wave_col].astype(int).to_numpy(), s["estimate"].to_numpy(float), yerr=_err(s),
                    ls=styles[i % 4], marker=markers[i % 4], color=colours[i % 4], label=g, capsize=2)
    waves = sorted(sub[wave_col].astype(int).unique())
    ax.set_xticks(waves, [str(w) for w in waves])
    ax.yaxis.set_major_formatter(plt.FuncFormatter(num.tick_decimal(2)))
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


def gap_trends(levels_: pd.DataFrame, dims: list[str], title: str, wave_col: str = "golf",
               gaps: pd.DataFrame | None = None, scale=None):
    """Small multiples: the level per wave of each group, one panel per dimension, one shared scale
    (so a gap looks as large in every panel as it is). Groups differ by colour, marker and line style,
    and each line is labelled at its end, so no legend has to be matched by colour.
    `gaps`: the published gap changes of this indicator (the alt text's key finding); `scale`: (low, high)."""
    from pipeline import labels as L
    dims = [d for d in dims if (levels_["dimension"] == d).any()]
    cols = 3 if len(dims) > 4 else 2
    rows_ = max(1, -(-len(dims) // cols))
    fig, axes = plt.subplots(rows_, cols, figsize=(10, 2.9 * rows_ + 0.6), sharey=True, squeeze=False)
    styles, markers = ["-", "--", ":", "-."], ["o", "s", "^", "D"]
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    for ax, dim in zip(axes.ravel(), dims):
        sub = levels_[(levels_["dimension"] == dim) & levels_["estimate"].notna()]
        waves = sorted(sub[wave_col].astype(int).unique())
        for i, (g, s) in enumerate(sub.groupby("group_label", sort=False)):
            s = s.sort_values(wave_col)
            x = s[wave_col].astype(int)
            ax.errorbar(x.to_numpy(), s["estimate"].to_numpy(float), yerr=_err(s),
                        ls=styles[i % 4], marker=markers[i % 4], color=colours[i % 4], capsize=2, ms=4, label=g)
        ax.set_xticks(waves, [str(w) for w in waves])
        ax.set_title(L.dimension(dim), loc="left", fontsize=9)
        ax.legend(frameon=False, fontsize=7, loc="best")
        ax.yaxis.set_major_formatter(plt.FuncFormatter(num.tick_decimal(2)))
    for ax in axes.ravel()[len(dims):]:
        ax.axis("off")
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    fig.set_label(_gap_trend_finding(levels_[levels_["dimension"].isin(dims)], wave_col, gaps, scale))
    fig.tight_layout()
    return fig


def _gap_trend_finding(levels_: pd.DataFrame, wave_col: str, gaps: pd.DataFrame | None, scale) -> str:
    """The change of the gaps (the largest demonstrable one) and the lowest and highest group in the last wave."""
    out = []
    if gaps is not None:
        g = gaps[gaps["did"].notna() & gaps["p_bh"].notna()]
        g = g[~g["onderdrukt"].astype(bool)] if "onderdrukt" in g else g
        waves = sorted(int(c[4:]) for c in g.columns if c.startswith("gap_") and c[4:].isdigit())
        sig = g[g["p_bh"] < 0.05]
        if len(sig) and waves:
            r = sig.loc[sig["did"].abs().idxmax()]
            first, last = waves[0], waves[-1]
            way = "kleiner" if r["did"] * r[f"gap_{first}"] < 0 else "groter"
            out.append(f"{len(sig)} van de {len(g)} kloven zijn tussen {first} en {last} {AANTOONBAAR} veranderd; de "
                       f"grootste verandering: de kloof van {r['group_label']} met {r['reference']} werd {way}, van "
                       f"{num.decimal(r[f'gap_{first}'], 2, sign=True)} naar {num.decimal(r[f'gap_{last}'], 2, sign=True)} "
                       f"punt ({num.decimal(r['did'], 2, sign=True)}, {_interval(r['ci_low'], r['ci_high'])})")
        elif len(g) and waves:
            out.append(f"Geen van de {len(g)} kloven is tussen {waves[0]} en {waves[-1]} {AANTOONBAAR} veranderd")
    shown = levels_[levels_["estimate"].notna()]
    if len(shown):
        last = shown[shown[wave_col].astype(int) == shown[wave_col].astype(int).max()]
        lo, hi = last.loc[last["estimate"].idxmin()], last.loc[last["estimate"].idxmax()]
        out.append(f"In {int(lo[wave_col])} is het gemiddelde het laagst bij {lo['group_label']} "
                   f"({num.decimal(lo['estimate'], 2)}) en het hoogst bij {hi['group_label']} "
                   f"({num.decimal(hi['estimate'], 2)}){_scale(scale)}")
    return ". ".join(out) + "." if out else "Geen van de gemiddelden kan worden getoond: te weinig respondenten."


def mdc_plot(mdc: pd.DataFrame, title: str):
    """Minimal detectable change of each gap against the expected response rate of the next wave."""
    fig, ax = plt.subplots(figsize=(6, 3))
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    for i, (g, s) in enumerate(mdc.groupby("group_label", sort=False)):
        ax.plot(s["respons"], s["mdc"], marker=markers[i % len(markers)], label=g)
    _pct_axis(ax, zero=False)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(num.tick_decimal(2)))
    ax.set_xlabel("verwachte respons volgende meting")
    ax.set_ylabel("kleinste aantoonbare\nverandering van de kloof")
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside, not over, the lines
    m = mdc[np.isfinite(mdc["mdc"].astype(float))] if len(mdc) else mdc
    if len(m):
        parts = []
        for rate in sorted({m["respons"].min(), m["respons"].max()}):
            s = m[m["respons"] == rate]
            lo, hi = s.loc[s["mdc"].idxmin()], s.loc[s["mdc"].idxmax()]
            parts.append(f"bij {num.percent(rate, 0)} respons van {num.decimal(lo['mdc'], 2)} punt ({lo['group_label']}) "
                         f"tot {num.decimal(hi['mdc'], 2)} punt ({hi['group_label']})")
        fig.set_label("De kleinste verandering van een kloof die de volgende meting kan aantonen, loopt " +
                      "; ".join(parts) + ".")
    fig.tight_layout()
    return fig


def likert_palette(n: int) -> list[str]:
    """Unfavourable (orange) -> neutral (grey) -> favourable (blue), safe for colour blindness; the
    neutral middle is a mid grey, not a pale yellow that disappears on white."""
    orange, blue = ["#A6440A", "#D55E00", "#F0A66B"], ["#9CC6E8", "#3C8DC6", "#0B4F8A"]
    half = n // 2
    mid = ["#9E9E9E"] if n % 2 else []
    return orange[3 - half:] + mid + blue[:half] if half <= 3 else list(plt.get_cmap("PuOr", n).colors)


def likert_bars(shares: pd.DataFrame, item_labels: dict, value_labels: dict, title: str, by_group: bool = False,
                reversed_items=()):
    """Stacked horizontal bars of the answer distribution per item (or per group for one item).
    Colours mean favourable/unfavourable, not answer number: for a reverse-worded item (marked "↺")
    "helemaal mee eens" is the unfavourable answer and gets the unfavourable colour."""
    keys = "group_label" if by_group else "item"
    rows = list(dict.fromkeys(shares[keys]))
    if not rows:
        fig, ax = plt.subplots(figsize=(6, 0.8))
        ax.axis("off")
        ax.text(0, 0.5, f"{title}: te weinig respondenten om te tonen.", fontsize=9)
        return fig
    answers = sorted(shares["answer"].unique())
    colours = likert_palette(len(answers))
    rev = set(reversed_items)
    if by_group:  # one item for every group: flip all rows when that item is reverse-worded
        flip = [bool(set(shares["item"].unique()) & rev)] * len(rows) if "item" in shares else [False] * len(rows)
    else:
        flip = [r in rev for r in rows]
    if by_group and any(flip):
        title = f"{title} ↺"
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(rows) + 1.7))
    left = np.zeros(len(rows))
    y = np.arange(len(rows))[::-1]
    for j, a in enumerate(answers):
        vals = shares[shares["answer"] == a].set_index(keys)["share"].reindex(rows).fillna(0).to_numpy()
        c = [colours[len(answers) - 1 - j] if f else colours[j] for f in flip]
        ax.barh(y, vals, left=left, color=c, edgecolor="white", linewidth=0.5)
        left += vals
    names = [(item_labels.get(r, r) + (" ↺" if f else "")) if not by_group else r for r, f in zip(rows, flip)]
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlim(0, 1)
    _pct_axis(ax, top=1.0)
    ax.set_title(title, loc="left", fontsize=10)
    from matplotlib.patches import Patch
    handles = [Patch(color=colours[j], label=value_labels.get(a, str(a))) for j, a in enumerate(answers)]
    note = "  (↺ omgekeerde vraag: kleuren van eens/oneens omgewisseld, blauw is steeds gunstig)" if any(flip) else ""
    ax.legend(handles=handles, ncol=len(answers), fontsize=7 if len(answers) <= 5 else 6, frameon=False,
              loc="upper center", handlelength=1.2, columnspacing=0.8,
              bbox_to_anchor=(0.5, -0.08 - 0.5 / len(rows)), title=("antwoord" + note) if note else None,
              title_fontsize=7)
    fig.set_label(_likert_finding(shares, keys, rows, flip, answers, names, value_labels))
    if "answer_tot" in shares and (shares["answer_tot"].astype(float) != shares["answer"].astype(float)).any():
        # disclosure control merged answers given by too few respondents with a neighbouring answer
        fig.text(0.01, 0.01, "Bij sommige groepen zijn aangrenzende antwoorden samengevoegd (te weinig respondenten).",
                 fontsize=7, color="#666666")
    fig.tight_layout()
    return fig


def _likert_finding(shares, keys, rows, flip, answers, names, value_labels) -> str:
    """The favourable share per bar (the answers above the middle; below it for a reverse-worded item),
    highest and lowest, from the shares the chart shows."""
    half = len(answers) // 2
    if not half:
        return ""
    fav = []
    for r, f in zip(rows, flip):
        pick = answers[:half] if f else answers[len(answers) - half:]
        s = shares[(shares[keys] == r) & shares["answer"].isin(pick)]["share"]
        fav.append(float(s.sum()))
    top = [str(value_labels.get(a, a)).lower() for a in answers[len(answers) - half:]]
    what = f"Gunstig antwoord ({' of '.join(top)}" + ("; bij ↺ juist oneens)" if any(flip) else ")")
    if len(rows) == 1:
        return f"{what}: {num.percent(fav[0], 0)}."
    hi, lo = int(np.argmax(fav)), int(np.argmin(fav))
    return f"{what}: het vaakst bij {names[hi]} ({num.percent(fav[hi], 0)}), het minst bij {names[lo]} ({num.percent(fav[lo], 0)})."


def training_progress(table: pd.DataFrame, courses: dict, roles: dict, target: float):
    """Share trained per year, one line per course and role (colour, marker and line style differ),
    with the target as a dashed line; the axis in whole percentages from 0."""
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    styles, markers = ["-", "--", ":", "-."], ["o", "s", "^", "D"]
    colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
    for i, ((course, role), g) in enumerate(table.groupby(["cursus", "rol"], sort=False)):
        ax.plot(g["jaar"].astype(int).to_numpy(), g["aandeel"].to_numpy(float), ls=styles[i % 4],
                marker=markers[i % 4], color=colours[i % 4], label=f"{courses[course]}: {roles[role].lower()}")
    ax.axhline(target, ls="--", color="0.4", lw=1)
    ax.text(ax.get_xlim()[0], target, f" doel {num.percent(target, 0)}", va="bottom", fontsize=8, color="0.3")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: num.percent(v, 0)))
    ax.set_ylabel("aandeel getraind")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    shown = table[table["aandeel"].notna()]
    if len(shown):
        last = shown[shown["jaar"].astype(int) == shown["jaar"].astype(int).max()]
        parts = [f"{courses[r['cursus']]}, {roles[r['rol']].lower()}: {num.percent(r['aandeel'], 0)}" for _, r in last.iterrows()]
        met = int((last["aandeel"] >= target).sum())
        fig.set_label(f"In {int(last['jaar'].astype(int).iloc[0])} getraind: " + "; ".join(parts)
                      + f". Het doel van {num.percent(target, 0)} is gehaald bij {met} van de {len(last)}.")
    fig.tight_layout()
    return fig


FLOW_ORDER = ("instroom", "doorstroom", "uitstroom")
OKABE_ITO = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]


def unit_flows(own: pd.DataFrame, org: pd.DataFrame, group: str, name: str, labels: dict | None = None):
    """A directorate's in-, through- and outflow per group and period (solid line, filled marker) next to
    the organisation's (dashed, open marker): one panel per flow, one share axis from 0 for all three.
    Hidden values (too few persons) are left out and counted in a note. `own`/`org`: published flow
    tables (periode, stroom, groep, rate)."""
    labels = catalogue.groups(group) if labels is None else labels
    flows_ = [f for f in FLOW_ORDER if f in set(own["stroom"]) | set(org["stroom"])]
    periods = sorted(set(own["periode"]) | set(org["periode"]))
    levels = [g for g in dict.fromkeys([*org["groep"], *own["groep"]]) if pd.notna(g)]
    fig, axes = plt.subplots(1, max(len(flows_), 1), figsize=(3.1 * max(len(flows_), 1) + 1.6, 2.9), sharey=True,
                             squeeze=False)
    x = np.arange(len(periods))
    gaps = []
    for ax, flow in zip(axes[0], flows_):
        for i, g in enumerate(levels):
            colour, marker = OKABE_ITO[i % len(OKABE_ITO)], MARKERS[i % len(MARKERS)]
            lab = labels.get(str(g), str(g))
            o = org[(org["stroom"] == flow) & (org["groep"] == g)].set_index("periode")["rate"].reindex(periods)
            d = own[(own["stroom"] == flow) & (own["groep"] == g)].set_index("periode")["rate"].reindex(periods)
            ax.plot(x, o.to_numpy(float), ls="--", marker=marker, mfc="white", color=colour, lw=1, ms=4)
            ax.plot(x, d.to_numpy(float), ls="-", marker=marker, color=colour, lw=1.6, ms=5, label=lab)
            gaps += [(abs(dv - ov), dv, ov, flow, lab, p) for p, dv, ov in zip(periods, d, o)
                     if pd.notna(dv) and pd.notna(ov)]
        ax.set_xticks(x, [p.replace("-", "–") for p in periods], fontsize=7)
        ax.set_xlim(-0.4, len(periods) - 0.6)  # room for the period labels between the panels
        ax.set_title(flow.capitalize(), fontsize=9, loc="left")
    _pct_axis(axes[0, 0], "y")
    axes[0, 0].set_ylabel(f"aandeel van de groep\naan het begin van de periode")
    from matplotlib.lines import Line2D
    handles, names = axes[0, 0].get_legend_handles_labels()
    handles += [Line2D([], [], color="#333333", ls="-", marker="o", ms=4),
                Line2D([], [], color="#333333", ls="--", marker="o", mfc="white", ms=4)]
    names += ["directie", "gemeente"]
    axes[0, -1].legend(handles, names, frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    n_hidden = int(own["rate"].isna().sum())
    if n_hidden:
        fig.text(0.01, 0.01, f"{n_hidden} waarde(n) van de directie niet getoond (te weinig medewerkers).", fontsize=7,
                 color="#666666")
    if gaps:
        _, dv, ov, flow, lab, p = max(gaps, key=lambda t: t[0])
        fig.set_label(f"Grootste verschil met de gemeente: {flow} van {lab} in {p.replace('-', '–')}, "
                      f"{num.percent(dv, 1)} in {name} tegen {num.percent(ov, 1)} in de gemeente.")
    else:
        # nothing of the directorate to compare: the organisation's own flows of the last period, in words
        shown = org[org["rate"].notna()]
        last = shown[shown["periode"] == shown["periode"].max()].drop_duplicates("stroom") if len(shown) else shown
        org_words = "; ".join(f"{r.stroom} van {labels.get(str(r.groep), str(r.groep)).lower()} "
                              f"{num.percent(r.rate, 1)}" for r in last.itertuples())
        fig.set_label(f"Te weinig medewerkers om de stromen van {name} per groep te tonen; alleen de gemeente"
                      + (f" ({str(last['periode'].iloc[0]).replace('-', '–')}: {org_words})." if len(last) else "."))
    # fixed margins, no tight_layout and no crop when saved (display.png_bytes): ~40 pages draw this chart
    fig.subplots_adjust(left=0.09, right=0.88, top=0.9, bottom=0.2 if n_hidden else 0.12, wspace=0.1)
    fig.fixed_layout = True
    return fig


def unit_survey(table: pd.DataFrame, ranges: dict, name: str):
    """Per survey indicator the directorate's level (filled dot) and the organisation's (open square),
    each with its 95% interval; one panel per indicator, on its own scale (`ranges`: indicator label ->
    (low, high) of the answer scale, or None for a share, drawn from 0). An indicator with too few
    respondents shows only the organisation and says so. `table`: the page's published survey table."""
    rows = list(table.itertuples())
    fig, axes = plt.subplots(max(len(rows), 1), 1, figsize=(6.4, 0.72 * max(len(rows), 1) + 0.5), squeeze=False)
    findings = []
    for ax, r in zip(axes[:, 0], rows):
        ax.errorbar([r.gemeente], [0], xerr=[[r.gemeente - r.gemeente_laag], [r.gemeente_hoog - r.gemeente]],
                    fmt="s", mfc="white", color="#555555", capsize=3, ms=6)
        shown = pd.notna(r.directie)
        if shown:
            ax.errorbar([r.directie], [1], xerr=[[r.directie - r.directie_laag], [r.directie_hoog - r.directie]],
                        fmt="o", color=GOOD, capsize=3, ms=6)
        else:
            ax.text(0.02, 1, "te weinig respondenten", transform=ax.get_yaxis_transform(), va="center", fontsize=8,
                    color="#666666")
        ax.set_yticks([0, 1], ["gemeente", "directie"], fontsize=8)
        ax.set_ylim(-0.6, 1.6)
        ax.set_title(r.indicator, fontsize=8, loc="left")
        scale = ranges.get(r.indicator)
        if scale is None:
            ax.set_xlim(0, max(0.05, np.nanmax([r.gemeente_hoog, r.directie_hoog if shown else 0])) * 1.25)
            _pct_axis(ax, "x")
            fmt = lambda v: num.percent(v, 0)  # noqa: E731
        else:
            from matplotlib.ticker import MultipleLocator
            ax.set_xlim(*scale)
            ax.xaxis.set_major_locator(MultipleLocator(1))  # the answer points
            ax.xaxis.set_major_formatter(plt.FuncFormatter(num.tick_decimal(0)))
            fmt = lambda v: num.decimal(v, 2)  # noqa: E731
        short = r.indicator.split(" (")[0].lower()
        findings.append(f"{short}: {fmt(r.directie)} tegen {fmt(r.gemeente)} ({r.vergelijking})" if shown
                        else f"{short}: te weinig respondenten (gemeente {fmt(r.gemeente)})")
    fig.set_label(f"{name} tegen de gemeente, " + "; ".join(findings) + "." if findings else "Geen metingen.")
    # fixed margins, no tight_layout and no crop when saved (display.png_bytes): ~40 pages draw this chart
    fig.subplots_adjust(left=0.13, right=0.97, top=1 - 0.3 / fig.get_figheight(), bottom=0.3 / fig.get_figheight(),
                        hspace=1.3)
    fig.fixed_layout = True
    return fig


def event_study(events: pd.DataFrame, names: dict, title: str, shares=()):
    """The programme's effect by years since the start (event study): one panel per outcome, each
    estimate with its 95% interval; before the start (leads) the estimates should lie around 0. The
    base wave (the last before the start) is the reference and has no point. `shares`: outcomes that are
    shares (drawn in percentage points). The key finding (alt text) is each outcome's effect in the
    start year and the range of the estimates before it."""
    outcomes = list(dict.fromkeys(events["indicator"]))
    events = events.copy()
    scale = events["indicator"].isin(list(shares)).map({True: 100.0, False: 1.0})
    for c in ("estimate", "ci_low", "ci_high"):
        events[c] = events[c].astype(float) * scale
    findings = []
    fig, axes = plt.subplots(1, max(len(outcomes), 1), figsize=(3.2 * max(len(outcomes), 1), 2.8), sharey=True,
                             squeeze=False)
    for ax, o in zip(axes[0], outcomes):
        s = events[(events["indicator"] == o) & events["estimate"].notna()]
        e = s["e"].astype(float).to_numpy()
        pre = e < 0
        for mask, colour, label in ((pre, "#7F7F7F", "vóór de start"), (~pre, "#0B4F8A", "vanaf de start")):
            if mask.any():
                est = s["estimate"].to_numpy(float)[mask]
                ax.errorbar(e[mask], est, yerr=[est - s["ci_low"].to_numpy(float)[mask],
                                                s["ci_high"].to_numpy(float)[mask] - est],
                            fmt="o", color=colour, capsize=3, label=label)
        ax.axhline(0, color="black", lw=0.8)
        ax.axvline(-0.5, color="#7F7F7F", lw=0.8, ls="--")
        ax.set_title(names.get(o, o), fontsize=9, loc="left")
        ax.set_xlabel("jaren sinds de start")
        unit = "procentpunt" if o in shares else "punt"
        after = s[s["e"].astype(int) >= 0].sort_values("e")
        lead = s.loc[s["e"].astype(int) < 0, "estimate"].astype(float)
        words = []
        if len(after):  # the first estimate from the start on
            e0 = int(after["e"].iloc[0])
            words.append(f"{num.decimal(float(after['estimate'].iloc[0]), 2, sign=True)} {unit} "
                         + ("in het startjaar" if e0 == 0 else f"{e0} jaar na de start"))
        if len(lead):
            words.append(f"vóór de start van {num.decimal(lead.min(), 2, sign=True)} tot {num.decimal(lead.max(), 2, sign=True)}")
        if words:
            findings.append(f"{names.get(o, o)}: " + ", ".join(words))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(num.tick_decimal(2)))
        if len(e):
            ax.set_xticks(sorted(set(e.astype(int))))
    axes[0][0].set_ylabel("effect (procentpunt)" if set(outcomes) <= set(shares) else "effect (punt)")
    if findings:
        fig.set_label("Effect van het programma. " + "; ".join(findings) + ".")
    handles, labels_ = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels_, frameon=False, fontsize=7, loc="lower center", ncol=2, bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig

"""Declared targets (config/targets.yaml) and the directorate pages: every kind of target on small
hand-made registers with answers worked out by hand; no count on a directorate page below k or
recoverable as the organisation's count minus the other directorates (checked by recomputation);
a target added in a test config appears without code."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.analysis import targets as T
from pipeline.analysis import unit_flows as F
from pipeline.disclosure.publish import Policy, publish_all

K = 10


def _target(**kw) -> T.Target:
    base = {"name": "t", "label": "t", "scope": "organisation", "counted": "young", "kind": "share", "value": 0.2,
            "baseline_year": 2024, "target_year": 2026}
    return T.from_dict({**base, **kw})


def _staff(n: int, *, young: int = 0, scale: int = 8, origin=None, unit: str = "D01", start: int = 0) -> pd.DataFrame:
    origin = origin or ["nederlands"] * n
    return pd.DataFrame({"pseudo_id": [f"{unit}-{start + i}" for i in range(n)], "directie_code": unit,
                         "leeftijd": [25] * young + [45] * (n - young), "salarisschaal": scale,
                         "herkomst_oud": origin, "schaalband": "12-14" if scale >= 12 else "<=9"})


def test_share_target_by_hand():
    """2024: 100 staff, 10 young; 2025: 100 staff, 15 young. Target 20% in 2026: the straight line
    gives 15% in 2025, so 15% is exactly on track."""
    snaps = {2024: _staff(100, young=10), 2025: _staff(100, young=15, start=1000)}
    t = _target()
    c = T.counts(snaps, [t], 35)
    org = c[c["eenheid"] == T.ORGANISATION].set_index("jaar")
    assert org.loc["2024", "aandeel"] == 0.10 and org.loc["2025", "aandeel"] == 0.15
    out = T.outflow(snaps, [t], 35)
    org_out = out[out["eenheid"] == T.ORGANISATION].set_index("deel")
    assert list(org_out.loc[["groep", "overig"], "uitstroom"]) == [1.0, 1.0]  # everybody replaced
    assert list(org_out.loc[["groep", "overig"], "basis"]) == [10, 90]
    prog = T.progress(c, out, [t]).set_index("eenheid").loc[T.ORGANISATION]
    assert prog["pad"] == pytest.approx(0.15) and prog["oordeel"] == "op koers"
    # one year left, everyone leaves each year: all 20 young places must be filled in that year, of 100 free
    assert prog["nodig_per_jaar"] == 20 and prog["vacatures_per_jaar"] == 100


def test_relative_increase_and_unknown_origin_by_hand():
    """Scale 12+: 2024 10 of 50 known (20%; 10 unknown leave the denominator); 2026 12 of 48 (25%).
    +25% means 25% in 2026: reached exactly."""
    origin24 = ["niet_westers"] * 10 + ["nederlands"] * 40 + [None] * 10
    origin26 = ["niet_westers"] * 12 + ["nederlands"] * 36 + [None] * 12
    snaps = {2024: _staff(60, scale=12, origin=origin24), 2026: _staff(60, scale=13, origin=origin26)}
    t = _target(kind="relative_increase", value=0.25, scale=[12, None], counted={"origin": "old"})
    c = T.counts(snaps, [t], 35)
    org = c[c["eenheid"] == T.ORGANISATION].set_index("jaar")
    assert list(org["noemer"]) == [50, 48] and org.loc["2026", "aandeel"] == 0.25
    prog = T.progress(c, T.outflow(snaps, [t], 35), [t]).set_index("eenheid").loc[T.ORGANISATION]
    assert prog["streefwaarde"] == pytest.approx(0.25) and prog["oordeel"] == "gehaald"


def test_count_target_and_population_filter_by_hand():
    """A count target on scale 12-14 only: staff in scale 8 never count."""
    snaps = {2024: pd.concat([_staff(30, young=30, scale=13), _staff(50, young=50, scale=8, start=100)]),
             2025: pd.concat([_staff(30, young=30, scale=13), _staff(50, young=50, scale=8, start=100)])}
    t = _target(kind="count", value=40, scale=[12, 14], target_year=2027)
    c = T.counts(snaps, [t], 35)
    org = c[c["eenheid"] == T.ORGANISATION].set_index("jaar")
    assert list(org["aantal"]) == [30, 30] and list(org["noemer"]) == [30, 30]
    prog = T.progress(c, T.outflow(snaps, [t], 35), [t]).set_index("eenheid").loc[T.ORGANISATION]
    # the straight line from 30 (2024) to 40 (2027) is at 33.3 in 2025: 30 is behind
    assert prog["pad"] == pytest.approx(30 + 10 / 3) and prog["oordeel"] == "achter op schema"
    # nobody left (same ids): 10 more in two years = 5 a year (all 30 are young: no others, no rate for them)
    assert prog["uitstroom_groep"] == 0 and pd.isna(prog["uitstroom_overig"]) and prog["nodig_per_jaar"] == 5


def _leaving(n_group: int, n_other: int, left_group: int, left_other: int, hired_group: int, hired_other: int,
             unit: str = "D01") -> dict[int, pd.DataFrame]:
    """Scale 13, 2024 -> 2025: `left_*` of each part leave, `hired_*` new staff join."""
    origin = ["niet_westers"] * n_group + ["nederlands"] * n_other
    a = _staff(n_group + n_other, scale=13, origin=origin, unit=unit)
    stay = a.drop(index=list(range(left_group)) + list(range(n_group, n_group + left_other)))
    new = _staff(hired_group + hired_other, scale=13, origin=["niet_westers"] * hired_group + ["nederlands"] * hired_other,
                 unit=unit, start=10_000)
    return {2024: a, 2025: pd.concat([stay, new], ignore_index=True)}


def test_intake_uses_the_group_and_the_others_outflow_by_hand():
    """2024: 20 of 100 non-western; 5 of them leave (25%), 8 of the 80 others (10%); 3 + 10 hired, so
    2025: 18 of 100. Target 30% in 2027, two years left. By hand: x = (30 - 18 * 0.75^2) / (1 + 0.75)
    = 11.36, so 12 a year (11 reaches 29.4). Free places: 0.25*18 + 0.10*82 = 12.7 in 2026, then with
    25.5 group members 0.25*25.5 + 0.10*74.5 = 13.825 in 2027: 13 on average. One pooled rate (13%)
    would have said 9."""
    snaps = _leaving(20, 80, 5, 8, 3, 10)
    t = _target(scale=[12, 14], counted={"origin": "old"}, value=0.30, target_year=2027)
    c, out = T.counts(snaps, [t], 35), T.outflow(snaps, [t], 35)
    org_out = out[out["eenheid"] == T.ORGANISATION].set_index("deel")
    assert org_out.loc["groep", ["vertrek", "basis"]].tolist() == [5, 20]
    assert org_out.loc["overig", ["vertrek", "basis"]].tolist() == [8, 80]
    prog = T.progress(c, out, [t]).set_index("eenheid").loc[T.ORGANISATION]
    assert prog["huidig"] == 0.18 and prog["pad"] == pytest.approx(0.2 + 0.1 / 3) and prog["oordeel"] == "achter op schema"
    assert (prog["uitstroom_groep"], prog["uitstroom_overig"]) == (0.25, 0.10)
    assert prog["nodig_per_jaar"] == 12 and prog["vacatures_per_jaar"] == 13
    assert T.needed_per_year(30, 18, 0.13, 2) == 9                    # what one rate for all would say


def test_a_young_member_who_turns_35_leaves_the_group_not_the_population():
    a = _staff(20, young=10)
    b = a.copy()
    b.loc[:3, "leeftijd"] = 35                                        # 4 of the 10 young turned 35
    out = T.outflow({2024: a, 2025: b}, [_target()], 35).set_index(["eenheid", "deel"])
    assert out.loc[(T.ORGANISATION, "groep"), "vertrek"] == 4 and out.loc[(T.ORGANISATION, "overig"), "vertrek"] == 0
    assert out.loc[(T.ORGANISATION, "groep_weg"), "vertrek"] == 0     # they free no place
    # 10 young of 20 wanted next year, 6 now, 40% of them turn 35 each year: 10 - 6 * 0.6 = 6.4, so 7 needed;
    # nobody leaves the population, so no place comes free (the goal needs growth or exchanges)
    need, free = T.intake_plan(10, 6, 20, 0.4, 0.0, 1, rate_group_gone=0.0)
    assert (need, free) == (7, 0.0)


def test_a_rate_hidden_for_the_directorate_is_the_organisations_and_the_page_says_so():
    """D02's group outflow is hidden (too few leavers): its intake uses the organisation's group rate,
    its own rate for the others, and the shown table marks the borrowed one."""
    snaps = _leaving(20, 80, 5, 8, 3, 10)
    t = _target(name="d", scope=["D01"], scale=[12, 14], counted={"origin": "old"}, value=0.30, target_year=2027)
    c, out = T.counts(snaps, [t], 35), T.outflow(snaps, [t], 35)
    out.loc[(out["eenheid"] == "D01") & (out["deel"] == "groep"), "uitstroom"] = np.nan  # as disclosure control would
    out.loc[(out["eenheid"] == T.ORGANISATION) & (out["deel"] == "groep"), "uitstroom"] = 0.5
    prog = T.progress(c, out, [t], {"d": ["D01"]})
    r = prog.iloc[0]
    assert (r["uitstroom_groep"], r["bron_groep"], r["uitstroom_overig"], r["bron_overig"]) == (0.5, "gemeente", 0.1, "eigen")
    # x = (30 - 18 * 0.5^2) / 1.5 = 17
    assert r["nodig_per_jaar"] == 17
    shown = T.shown_progress(prog, [t]).iloc[0]
    assert shown["uitstroom_groep"].endswith("(gemeente)") and not shown["uitstroom_overig"].endswith("(gemeente)")
    assert "van de gemeente" in T.summary_nl(prog, [t], "D01", "D01")


def test_needed_per_year_reaches_the_goal_and_one_less_does_not():
    for goal, d0, rate, years in ((60, 20, 0.1, 3), (30, 25, 0.2, 1), (100, 10, 0.05, 5)):
        x = T.needed_per_year(goal, d0, rate, years)
        grow = lambda x: (lambda d: [d := d * (1 - rate) + x for _ in range(years)][-1])(d0)  # noqa: E731
        assert grow(x) >= goal - 1e-9 and grow(x - 1) < goal


def _org(n_dirs: int = 7, seed: int = 3) -> dict[int, pd.DataFrame]:
    """Directorates of very different sizes (one tiny), two years, people moving and leaving."""
    rng = np.random.default_rng(seed)
    snaps, ids = {}, None
    sizes = [400, 250, 120, 60, 35, 18, 8][:n_dirs]
    rows = []
    for d, size in enumerate(sizes):
        for i in range(size):
            rows.append({"pseudo_id": f"p{d}-{i}", "directie_code": f"D{d + 1:02d}", "leeftijd": int(rng.integers(20, 64)),
                         "salarisschaal": int(rng.integers(6, 16)),
                         "herkomst_oud": rng.choice(["nederlands", "westers", "niet_westers", None], p=[.55, .15, .27, .03])})
    a = pd.DataFrame(rows)
    b = a.sample(frac=0.9, random_state=seed).copy()
    b["salarisschaal"] = np.minimum(b["salarisschaal"] + (rng.random(len(b)) < 0.1), 18)
    new = a.sample(frac=0.12, random_state=seed + 1).copy()
    new["pseudo_id"] = [f"n{i}" for i in range(len(new))]
    b = pd.concat([b, new], ignore_index=True)
    for df in (a, b):
        df["schaalband"] = pd.cut(df["salarisschaal"], [0, 9, 11, 14, 99], labels=["<=9", "10-11", "12-14", "15+"]).astype(str)
    snaps[2024], snaps[2025] = a, b
    return snaps


def _never_derivable(table: pd.DataFrame, org: pd.DataFrame, keys: list[str], cols: list[str], unit: str):
    """Recompute each hidden directorate count as organisation minus the shown directorates: that must
    only ever be possible for a pair of hidden cells, never a single one; no shown count is 1..k-1."""
    for col in cols:
        shown = table[col].dropna()
        assert not ((shown > 0) & (shown < K)).any(), (col, shown[(shown > 0) & (shown < K)].tolist())
        for key, sub in table.groupby(keys):
            hidden = sub[col].isna()
            total = org.set_index(keys).loc[key if isinstance(key, tuple) else (key,), col] \
                if len(keys) > 1 else org.set_index(keys[0]).loc[key, col]
            if not pd.isna(total):
                assert hidden.sum() != 1, (col, key, sub.loc[hidden, unit].tolist())


def test_directorate_counts_never_below_k_nor_derivable_from_the_organisation():
    snaps = _org()
    targets = [_target(name="jong"), _target(name="nw", scale=[12, 14], counted={"origin": "old"}),
               _target(name="nw12", scale=[12, None], counted={"origin": "old"}, kind="relative_increase", value=0.25)]
    pub = publish_all({**T.count_results(T.counts(snaps, targets, 35)),
                       **F.flow_results(F.flows(snaps, "herkomst_oud"), "herkomst_oud")}, Policy(k=K))
    d, o = pub["targets_dir"].table, pub["targets_org"].table
    assert d["aantal"].isna().any() and d["aantal"].notna().any()      # the test is not vacuous
    _never_derivable(d, o, ["target", "jaar"], ["aantal", "noemer"], "eenheid")
    assert d.loc[d["eenheid"] == "D07", ["aantal", "noemer", "aandeel"]].isna().all().all()  # 8 staff: nothing
    fd, fo = pub["flows_dir"].table, pub["flows_org"].table
    _never_derivable(fd, fo, ["periode", "stroom", "groep"], ["aantal", "noemer"], "eenheid")
    # within a directorate the groups add up to its headcount (shown on its page): never one hidden group
    for key, sub in fd.groupby(["periode", "stroom", "eenheid"]):
        assert sub["noemer"].isna().sum() != 1, key
    # a shown rate never reveals a hidden count
    assert (fd["rate"].isna() | (fd["aantal"].notna() & fd["noemer"].notna())).all()


def test_a_target_added_in_a_config_appears_without_code(tmp_path):
    from pipeline.chapters import directorate as D
    from pipeline.config import ROOT
    from pipeline.settings import load_settings
    declared = yaml.safe_load(open(ROOT / "config" / "targets.yaml"))
    declared["targets"].append({"name": "d05_vrouwen_15plus", "label": "Vrouwen vanaf schaal 15", "scope": ["D05"],
                                "scale": [15, None], "counted": {"column": "geslacht", "levels": ["vrouw"]},
                                "kind": "count", "value": 12, "baseline_year": 2024, "target_year": 2027})
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(declared, allow_unicode=True))
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    cfg["targets"]["declared"] = str(tmp_path / "targets.yaml")
    cfg["directorate_pages"] = "plans"
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
    settings = load_settings(tmp_path / "report.yaml")
    added = [t for t in settings.targets if t.name == "d05_vrouwen_15plus"]
    assert added and added[0].scope == ("D05",) and added[0].kind == "count"
    assert D.pages(settings, ["D01", "D02", "D03", "D05", "D06"]) == ["D01", "D02", "D03", "D05"]  # D01: Data's plan
    snaps = _org()
    for df in snaps.values():
        df["geslacht"] = np.where(np.arange(len(df)) % 2, "vrouw", "man")
    c = T.counts(snaps, settings.targets, 35)
    prog = T.progress(c, T.outflow(snaps, settings.targets, 35), settings.targets, {"d05_vrouwen_15plus": ["D05"]})
    assert (prog["target"] == "d05_vrouwen_15plus").sum() == 1


def test_a_wrong_target_is_a_config_error(tmp_path):
    from pipeline.config import ROOT
    from pipeline.settings import ConfigError, load_settings
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump({"targets": [
        {"name": "x", "label": "x", "scope": "organisation", "counted": "old people", "kind": "more",
         "value": 2, "baseline_year": 2026, "target_year": 2024, "colour": "red"}]}))
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    cfg["targets"]["declared"] = str(tmp_path / "targets.yaml")
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path / "report.yaml")
    for word in ("colour", "kind", "counted", "target_year"):
        assert word in str(err.value)


def _cells(page: Path, caption_start: str) -> pd.DataFrame:
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(page.read_text(), "html.parser")
    table = next(t for t in soup.find_all("table") if t.caption and t.caption.get_text().startswith(caption_start))
    heads = [th.get_text(strip=True) for th in table.select("thead th")]
    return pd.DataFrame([[td.get_text(strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")],
                        columns=heads)


def _num(v: str) -> float:
    """A shown number; NaN for a suppressed cell ("–"); -1 for "n.v.t." (empty, not hidden)."""
    if v in ("x", "<k", "–"):
        return np.nan
    if v == "n.v.t.":
        return -1.0
    return float(v.replace("\u202f", "").replace(".", "").replace(",", "."))


@pytest.mark.slow
def test_pages_show_no_count_below_k_nor_one_the_organisation_gives_away(demo_small, tmp_path):
    """All directorate pages of the small demo, read back from their HTML: no count 1..k-1, and for every
    target and year (and every flow) never exactly one directorate hidden while the organisation's
    count is published — recomputed as organisation minus the pages that show it."""
    from pipeline.clean import clean_source
    from pipeline.config import ROOT
    from pipeline.report import directorate_pages as P
    from pipeline.settings import load_settings
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    cfg["paths"] = {"raw": str(tmp_path), "processed": str(tmp_path / "processed"), "reports": str(tmp_path / "reports")}
    cfg["demo"]["dir"] = str(demo_small)
    cfg["directorate_pages"] = "all"
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
    settings = load_settings(tmp_path / "report.yaml")
    k = settings.min_cell_size
    for y in settings["targets"]["years"]:
        clean_source("register", y, demo_small / f"register_{y}.csv", out_dir=settings.processed_dir, demo=True)
    P.run(settings, [], "test")
    pages = sorted((settings.reports_dir / "directies").glob("*.html"))
    assert len(pages) >= 30
    trend = pd.concat([_cells(p, "Streefcijfers per jaar").assign(page=p.stem) for p in pages])
    flows = pd.concat([_cells(p, "Stromen per").assign(page=p.stem) for p in pages])
    # a directorate's own target counts what an organisation target counts: it is hidden exactly as there
    d02 = trend[trend["page"] == "D02"].set_index(["streefcijfer", "jaar"])
    for year in d02.index.get_level_values("jaar").unique():
        assert d02.loc[("Dienstverlening: niet-westerse migratieachtergrond in schaal 12–14", year), "aantal"] == \
            d02.loc[("Niet-westerse migratieachtergrond in schaal 12–14", year), "aantal"]
    shared = trend.groupby("streefcijfer")["page"].transform("nunique") == len(pages)
    trend = trend[shared]  # the organisation's targets, on every page
    for table, keys in ((trend, ["streefcijfer", "jaar"]), (flows, ["periode", "stroom", "groep"])):
        for col in ("aantal", "noemer"):
            values = table[col].map(_num)
            assert not ((values > 0) & (values < k)).any(), table[(values > 0) & (values < k)]
            assert values.isna().any() and values.notna().any()       # small data: some hidden, some shown
            hidden = values.isna().groupby([table[c] for c in keys]).sum()
            assert not (hidden == 1).any(), hidden[hidden == 1]
    # within a page the groups' start headcounts add up to the directorate's headcount: where that is
    # shown (a directorate of fewer than k shows none), never exactly one group hidden
    staff = trend[trend["streefcijfer"] == "Medewerkers jonger dan 35"]
    shown = {(p, y) for p, y, n in zip(staff["page"], staff["jaar"], staff["noemer"]) if n not in ("x", "<k", "–")}
    flows = flows[[(p, per[:4]) in shown for p, per in zip(flows["page"], flows["periode"])]]
    per_page = flows["noemer"].map(_num).isna().groupby([flows["page"], flows["periode"], flows["stroom"]]).sum()
    assert len(per_page) and not (per_page == 1).any(), per_page[per_page == 1]


def test_chapter_04_shares_and_the_declared_targets_count_alike():
    """One rule for every target share: the shares table of chapter 04 and the declared targets give the
    same counts and denominators (unknown origin out of the denominator)."""
    snaps = _org()
    table = T.share_table(snaps, by="directie_code")
    targets = [_target(name="nw", scale=[12, 14], counted={"origin": "old"}),
               _target(name="nw12", scale=[12, None], counted={"origin": "old"})]
    c = T.counts(snaps, targets, 35)
    c = c[c["eenheid"] != T.ORGANISATION].set_index(["target", "eenheid", "jaar"])
    for r in table.itertuples():
        key = (str(r.directie_code), str(r.jaar))
        assert (c.loc[("nw", *key), "aantal"], c.loc[("nw", *key), "noemer"]) == (r.div_12_14, r.known_12_14)
        assert (c.loc[("nw12", *key), "aantal"], c.loc[("nw12", *key), "noemer"]) == (r.div_12plus, r.known_12plus)
    assert (table["unknown_12plus"] > 0).any()                        # the test is not vacuous


# --- monitored goals (kind monitor) and hold goals (issue 30) ------------------------------------

def _women(n: int, women: int, *, scale: int = 12, unit: str = "D01", start: int = 0) -> pd.DataFrame:
    d = _staff(n, scale=scale, unit=unit, start=start)
    return d.assign(geslacht=["vrouw"] * women + ["man"] * (n - women - 2) + [None, None])


def test_a_monitored_goal_has_no_value_no_deadline_and_no_verdict_by_hand():
    """Women from scale 12: 2024 20 of 48 known (2 unknown leave the denominator), 2026 31 of 48.
    A goal without a number is followed: 41,7% -> 64,6% (+22,9 points), never 'gehaald' or 'niet gehaald'."""
    t = _target(kind="monitor", value=None, target_year=None, scale=[12, None],
                counted={"column": "geslacht", "levels": ["vrouw"]})
    assert t.monitored and np.isnan(t.value) and t.target_year is None and "zonder streefwaarde" in t.describe()
    snaps = {2024: _women(50, 20), 2026: _women(50, 31, start=500)}
    c = T.counts(snaps, [t], 35)
    prog = T.progress(c, T.outflow(snaps, [t], 35), [t])
    org = prog.set_index("eenheid").loc[T.ORGANISATION]
    assert org["basis"] == pytest.approx(20 / 48) and org["huidig"] == pytest.approx(31 / 48)
    assert org["oordeel"] == T.MONITORED and np.isnan(org["streefwaarde"]) and np.isnan(org["nodig_per_jaar"])
    shown = T.shown_progress(prog, [t]).set_index("eenheid").loc[T.ORGANISATION]
    assert shown["streefwaarde"] == shown["nodig_per_jaar"] == shown["doeljaar"] == T.NO_NUMBER
    text = T.summary_nl(prog, [t], T.ORGANISATION, "de gemeente")
    assert "65% in 2026, gestegen met 23 procentpunt sinds 2024 (42%)" in text
    assert "gehaald" not in text and "streefwaarde" in text


def test_monitored_goal_check_refuses_a_value_and_needs_no_target_year():
    ok = {"name": "m", "label": "m", "scope": ["D01"], "counted": "young", "kind": "monitor", "baseline_year": 2024}
    assert T.check({"targets": [ok]}) == []
    bad = T.check({"targets": [{**ok, "value": 0.3}]})
    assert bad and "no value and no target_year" in bad[0]
    assert T.check({"targets": [{**ok, "kind": "share"}]})  # a share needs its value and target year


def test_a_share_goal_met_at_the_baseline_is_shown_as_hold():
    """Under-35s, goal 20%: 25% in 2024 and 22% in 2026 is reached at the baseline -> 'gehaald,
    vasthouden'; 15% in 2024 and 22% in 2026 is reached later -> 'gehaald'."""
    t = _target(target_year=2028)
    for young24, expected in ((25, T.HOLD), (15, "gehaald")):
        snaps = {2024: _staff(100, young=young24), 2026: _staff(100, young=22, start=500)}
        prog = T.progress(T.counts(snaps, [t], 35), T.outflow(snaps, [t], 35), [t])
        org = prog[prog["eenheid"] == T.ORGANISATION]
        assert org["oordeel"].iloc[0] == "gehaald"  # the published verdict (results.csv) stays the same
        assert T.shown_progress(org, [t])["oordeel"].iloc[0] == expected
        assert ("vasthouden" in T.summary_nl(prog, [t], T.ORGANISATION, "x")) == (expected == T.HOLD)


def test_a_directorate_with_only_monitored_goals_gets_a_page_without_deadline_or_verdict():
    from pipeline.chapters import directorate as D
    followed = [_target(name=f"m{i}", kind="monitor", value=None, target_year=None, scope=["D09"]) for i in (1, 2)]
    assert D.plans(followed) == {"D09"}
    assert D._deadlines(followed) == ""
    text = D._own_goals_nl("Data", followed)
    assert "zonder streefwaarden" in text and "doeljaar" not in text
    mixed = D._own_goals_nl("Data", [*followed, _target(name="h", scope=["D09"], target_year=2028)])
    assert "doeljaar 2028" in mixed and "zonder streefwaarde" in mixed

"""Issue 25: each table is safe, the release is not. One attack test per route that recovered hidden
1-9 counts from a demo build, each on a hand-made register small enough to check by eye: the attack
recovers the hidden value with the protection switched off and fails to with it on. The attacker is
the release audit itself (`pipeline.disclosure.audit`): it bounds a hidden count by linear programming
over everything published, which is at least as strong as any hand arithmetic."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from pipeline.analysis import unit_flows as F
from pipeline.disclosure.audit import Release, audit, protect, rounding_interval
from pipeline.disclosure.model import archived_flows, flow_cells, flow_identities, load_archive, protect_flows
from pipeline.disclosure.publish import Policy, Rates, Result, one_status, publish, publish_all
from pipeline.disclosure import SUPPRESSED
from pipeline.disclosure.publish import rounded
from pipeline.results import Tidy, tidy_rows

K, WIDTH = 10, 5
ON = Policy(k=K)
# the old behaviour: exact counts, shares at full precision, no audit
OFF = Policy(k=K, audit=False, rounding={"register_counts": 1, "register_shares": 9, "register_rates": 9})


# --- a hand-made register: three directorates, two groups, three years -------------------------------
# (unit, group): staff at the start of 2024, then per period (leavers, joiners). Directorate A's group x
# loses 3 people in 2024-25: the small count an attacker is after.
WORLD = {("A", "x"): (30, [(3, 12), (10, 11)]), ("A", "y"): (40, [(14, 13), (12, 12)]),
         ("B", "x"): (50, [(15, 20), (11, 10)]), ("B", "y"): (60, [(12, 11), (13, 14)]),
         ("C", "x"): (45, [(11, 16), (12, 13)]), ("C", "y"): (55, [(13, 12), (11, 10)])}
YEARS = (2024, 2025, 2026)


def register(world=WORLD, years=YEARS) -> dict[int, pd.DataFrame]:
    """Snapshots of the staff at the start of each year: ids, directorate, group, pay-scale band."""
    snaps, serial = {y: [] for y in years}, iter(range(10 ** 6))
    for (unit, group), (n0, periods) in world.items():
        people = [next(serial) for _ in range(n0)]
        for i, y in enumerate(years):
            snaps[y] += [(f"p{p:05d}", unit, group) for p in people]
            if i < len(periods) and i + 1 < len(years):
                out, new = periods[i]
                people = people[out:] + [next(serial) for _ in range(new)]
    return {y: pd.DataFrame(rows, columns=["pseudo_id", "directie_code", "herkomst_oud"]).assign(schaalband="<=9")
            for y, rows in snaps.items()}


def snapshots(years=YEARS) -> dict[int, pd.DataFrame]:
    """The register of `years` (one world: a release of later years sees the same people)."""
    every = register()
    return {y: every[y] for y in years}


def flows_published(policy: Policy, years=YEARS):
    fl = F.flows(snapshots(years), "herkomst_oud")
    pub = publish_all(F.flow_results(fl, "herkomst_oud"), policy)
    return fl, pub


def cell(period, unit, group, measure):
    return ("register", period, unit, group, measure)


def test_world_is_what_it_says():
    fl = F.flows(register(), "herkomst_oud")
    row = fl[(fl["periode"] == "2024-2025") & (fl["eenheid"] == "A") & (fl["groep"] == "x")].set_index("stroom")
    assert (row.loc["uitstroom", "aantal"], row.loc["instroom", "aantal"], row.loc["uitstroom", "noemer"]) == (3, 12, 30)


# --- route 1: the stock identity across years --------------------------------------------------------

def test_stock_identity_recovers_a_hidden_outflow_without_the_audit_and_not_with_it():
    target = cell("2024-2025", "A", "x", "uitstroom")
    fl, pub = flows_published(OFF)
    t = pub["flows_dir"].table
    assert np.isnan(t[(t["periode"] == "2024-2025") & (t["eenheid"] == "A") & (t["groep"] == "x")
                      & (t["stroom"] == "uitstroom")]["aantal"].iloc[0]), "each table on its own hides it"
    # the attacker's arithmetic, from the published tables only: stock + inflow - next stock
    a = t[(t["eenheid"] == "A") & (t["groep"] == "x")]
    by = a.set_index(["periode", "stroom"])
    assert by.loc[("2024-2025", "uitstroom"), "noemer"] + by.loc[("2024-2025", "instroom"), "aantal"] \
        - by.loc[("2025-2026", "instroom"), "noemer"] == 3
    *_, off, _ = protect_flows(pub["flows_org"], pub["flows_dir"], fl, OFF)
    assert next(r for r in off if r.key == target).lo == next(r for r in off if r.key == target).hi == 3

    fl, pub = flows_published(ON)
    org, units, on, added = protect_flows(pub["flows_org"], pub["flows_dir"], fl, ON)
    r = next(r for r in on if r.key == target)
    assert r.protected and r.lo <= 3 <= r.hi and r.hi - r.lo >= WIDTH
    assert all(x.protected for x in on)


def test_audit_adds_secondary_suppression_across_periods_when_counts_are_exact():
    """With exact counts the per-period rule is not enough; the audit hides more (not whole tables)
    until every hidden count is protected."""
    fl, pub = flows_published(OFF)
    on_exact = Policy(k=K, rounding=OFF.rounding)
    org, units, result, added = protect_flows(pub["flows_org"], pub["flows_dir"], fl, on_exact)
    assert added and all(r.protected for r in result)
    assert len(added) < len(units.table) // 4, "a few cells, not whole tables"
    t = units.table
    assert t["aantal"].notna().sum() > len(t) / 2


# --- route 2: one hidden row of a one-way table ------------------------------------------------------

def response_table():
    # respondents per directorate in one survey wave (a `Rates` table), total 128 published elsewhere
    return pd.DataFrame({"variable": "directie_code", "category": ["D1", "D2", "D3", "D4"],
                         "aantal": [50, 40, 8, 30], "noemer": [100, 90, 12, 60]}).assign(
        rate=lambda d: d["aantal"] / d["noemer"])


def attack_one_way(table: pd.DataFrame, total: float):
    rel = Release()
    for r in table.itertuples():
        rel.count(("nim", "2024", r.category, "respondenten"), r.aantal, "respons")
    rel.count(("nim", "2024", "totaal", "respondenten"), total, "R-indicator")
    rel.total(("nim", "2024", "totaal", "respondenten"), [("nim", "2024", c, "respondenten") for c in table["category"]])
    return {r.key[2]: r for r in audit(rel, K, WIDTH)}


def test_single_hidden_row_is_total_minus_the_rest_without_a_complement():
    rule = Rates("aantal", "noemer", columns=("rate",), lines=("variable",))
    off = publish(Result(response_table(), rule), OFF).table
    assert off["aantal"].isna().sum() == 1
    got = attack_one_way(off, 128)["D3"]
    assert got.lo == got.hi == 8 and not got.protected
    on = publish(Result(response_table(), rule), ON).table
    assert on["aantal"].isna().sum() == 2 and on["rate"].isna().sum() == 2
    got = attack_one_way(on, 128)["D3"]
    assert got.protected and got.hi - got.lo >= WIDTH


# --- route 3: the same cell hidden in one file and shown in another ----------------------------------

def leavers_world(non_binary: int = 6, non_binary_leaving: int = 3):
    """200 + staff: 90 men (20 leave), 100 women (25 leave), a few non-binary, 4 of unknown gender (2 leave)."""
    from pipeline.analysis import exit as ex
    nb = non_binary
    gender = ["man"] * 90 + ["vrouw"] * 100 + ["non_binair"] * nb + [None] * 4
    before = pd.DataFrame({"pseudo_id": [f"p{i:03d}" for i in range(194 + nb)], "geslacht": gender})
    gone = list(range(0, 20)) + list(range(90, 115)) + list(range(190, 190 + non_binary_leaving)) + [190 + nb, 191 + nb]
    left = before.iloc[gone].reset_index(drop=True)
    answered = list(range(0, 10)) + list(range(20, 32)) + [45]
    answers = left.iloc[answered][["pseudo_id"]]
    return ex.flow_and_response(before, left, answers, 2024, dims=("geslacht",))


def leavers_release(outflow: pd.DataFrame, response: pd.DataFrame) -> Release:
    rel = Release()
    for name, t, col in (("uitstroom", outflow, "aantal"), ("respons", response, "noemer")):
        for r in t.itertuples():
            rel.count(("register", "2024", r.dimension, r.group, "vertrekkers"), getattr(r, col), name)
    for t in (outflow,):
        parts = [("register", "2024", "geslacht", g, "vertrekkers") for g in t[t["dimension"] == "geslacht"]["group"]]
        rel.total(("register", "2024", "totaal", "totaal", "vertrekkers"), parts)
    return rel


def test_leavers_hidden_in_one_table_are_hidden_in_the_other(monkeypatch):
    from pipeline.disclosure import suppress as S
    outflow, response = leavers_world()
    # without the small-units rule (issue 25 A7), which now hides the men's leavers in the response table too
    monkeypatch.setattr(S, "_small_units", lambda t, total, year, k: t[total] < k)
    po, pr = publish_all({"o": outflow, "r": response}, ON).values()
    man_o = po.table.set_index("group").loc["man", "aantal"]
    man_r = pr.table.set_index("group").loc["man", "noemer"]
    assert np.isnan(man_o) and man_r == 20, "without one status: hidden in the outflow table, shown as leavers"
    assert leavers_release(po.table, pr.table).inconsistent()
    po, pr = one_status(po, "aantal", pr, "noemer", on=("dimension", "group"), also_a=("rate",), also_b=("aantal", "rate"))
    rel = leavers_release(po.table, pr.table)
    assert not rel.inconsistent()
    got = {r.key[3]: r for r in audit(rel, K, WIDTH)}
    assert got["non_binair"].protected and got["onbekend"].protected


def test_unknown_level_is_a_row_not_the_total_minus_the_listed_rows():
    outflow, _ = leavers_world()
    t = publish(outflow, ON).table
    assert "onbekend" in set(t["group"]), "the 2 leavers of unknown gender are a (hidden) row of their own"
    assert np.isnan(t.set_index("group").loc["onbekend", "aantal"])
    listed = t[t["dimension"] == "geslacht"]
    total = t[t["dimension"] == "totaal"]["aantal"].iloc[0]
    assert listed["aantal"].isna().sum() >= 2 and total - listed["aantal"].sum() >= K


# --- route 4: rounding undone by an unrounded share and exact bases ----------------------------------

def test_organisation_rate_and_unit_bases_do_not_undo_the_rounding():
    true_in = 62  # inflow of group x into the organisation in 2024-25 (12 + 20 + 16 + 14? no: new hires)
    fl, pub = flows_published(OFF)
    org = fl[(fl["eenheid"] == "gemeente") & (fl["periode"] == "2024-2025") & (fl["stroom"] == "instroom")
             & (fl["groep"] == "x")]
    true_in = int(org["aantal"].iloc[0])
    assert true_in % 5, "a count that rounding changes"

    def attack(pub):
        o = pub["flows_org"].table
        rate = o[(o["periode"] == "2024-2025") & (o["stroom"] == "instroom") & (o["groep"] == "x")]["rate"].iloc[0]
        d = pub["flows_dir"].table
        base = d[(d["periode"] == "2024-2025") & (d["stroom"] == "instroom") & (d["groep"] == "x")]["noemer"].sum()
        return rate * base
    assert round(attack(pub)) == true_in  # off: the exact count, whatever chapter 04 rounds
    fl, pub = flows_published(ON)
    shown = pub["flows_org"].table
    shown_in = shown[(shown["periode"] == "2024-2025") & (shown["stroom"] == "instroom") & (shown["groep"] == "x")]
    assert shown_in["aantal"].iloc[0] % 5 == 0
    rel = Release()
    flow_cells(rel, pub["flows_org"].table.assign(eenheid="gemeente"), "org", base=5, rate_decimals=3, rates_derived=True)
    flow_cells(rel, pub["flows_dir"].table, "dir", base=5, rate_decimals=3, rates_derived=True)
    flow_identities(rel, fl)
    got = audit(rel, K, WIDTH, keys=[cell("2024-2025", "gemeente", "x", "instroom")])[0]
    assert got.lo <= true_in <= got.hi and got.hi - got.lo >= 4, "no better than its rounding interval"
    # the rate is the rounded counts' ratio: rate x base gives the rounded count, not the true one
    assert round(attack(pub)) != true_in


def test_rounding_interval_of_a_base_5_count():
    assert rounding_interval(10, 5) == (8, 12)
    assert rounding_interval(5, 5) == (1, 7)  # 1 and 2 are shown as 5, never as 0
    assert rounding_interval(0, 5) == (0, 2)


# --- route 5: attribute disclosure -------------------------------------------------------------------

def leavers_design():
    from pipeline.survey import SurveyDesign
    # 66 young leavers (20 Dutch, 31 western, 15 non-western) and 120 older; reason 'salaris': 3 of the
    # 31 young western leavers name it, 7 of the 40 older western ones
    rows = []
    for jong, origin, n, yes in (("ja", "nederlands", 20, 10), ("ja", "westers", 31, 3), ("ja", "niet_westers", 15, 6),
                                 ("nee", "nederlands", 40, 15), ("nee", "westers", 40, 7),
                                 ("nee", "niet_westers", 40, 20)):
        rows += [{"jong": jong, "herkomst_oud": origin, "reden_salaris": float(i < yes)} for i in range(n)]
    return SurveyDesign(pd.DataFrame(rows).assign(w=1.0), weights="w")


def test_share_among_a_subset_is_checked_on_the_subset(monkeypatch):
    from pipeline.analysis.gaps import level_table
    from pipeline.survey import SurveyDesign
    design = leavers_design()
    young = design.subset(design.data["jong"] == "ja")

    def westers(policy, implied=True):
        res = level_table(young, ["reden_salaris"], ["herkomst_oud"], estimator="proportion", name="vraag")
        if not implied:
            res = Result(res.table, dataclasses.replace(res.rule, implied=None), tidy=res.tidy)
        t = publish(res, policy).table
        return t[t["group"] == "westers"].iloc[0]
    # off: the old check counted 'yes' on every western leaver (10) and 'no' as 31 - 10, so 3 of 31 was shown
    monkeypatch.setattr(SurveyDesign, "domain", property(lambda self: np.ones(len(self.data), dtype=bool)))
    r = westers(OFF, implied=False)
    assert round(r["estimate"] * r["n"]) == 3
    assert np.isnan(westers(OFF)["estimate"]), "the implied-count check alone catches it too"
    monkeypatch.undo()
    r = westers(ON)
    assert np.isnan(r["estimate"]) and np.isnan(r["n"])
    assert np.isnan(westers(ON, implied=False)["estimate"]), "and so does counting in the domain alone"


def test_everyone_or_no_one_in_a_small_group_is_hidden():
    table = pd.DataFrame({"rol": ["a", "b", "c"], "getraind": [12, 0, 40], "n": [12, 15, 60]}).assign(
        aandeel=lambda d: d["getraind"] / d["n"])
    off = publish(Result(table, Rates("getraind", "n", columns=("aandeel",))), OFF).table
    assert list(off["aandeel"].round(2)) == [1.0, 0.0, 0.67]  # 100% of 12, 0% of 15: everyone / no one
    on = publish(Result(table, Rates("getraind", "n", columns=("aandeel",), attribute=True)), ON).table
    assert on["aandeel"].isna().tolist() == [True, True, False]


# --- across releases ---------------------------------------------------------------------------------

def release(years, policy, archive=()):
    fl, pub = flows_published(policy, years)
    # the identities are checked on the register of every year the archive and this release cover
    truth = F.flows(snapshots(), "herkomst_oud") if archive else fl
    org, units, result, added = protect_flows(pub["flows_org"], pub["flows_dir"], truth, policy, archive=archive)
    tidy = F.flow_results(fl, "herkomst_oud")["flows_dir"].tidy[0]
    rows = pd.concat([tidy_rows(p.table if "eenheid" in p.table else p.table.assign(eenheid="gemeente"), tidy,
                                chapter="directies", table=n, source="register")
                      for n, p in (("flows_org", org), ("flows_dir", units))], ignore_index=True)
    return rounded(rows, policy.rounding), result, added


def test_a_count_hidden_in_one_release_cannot_be_recovered_with_the_next(tmp_path):
    """Release 1 (2024-25) hides A's 3 leavers of group x; on its own it is safe (the next stock is not
    in it). Release 2 (2025-26) publishes the stock of 2025: without the archive the two together give
    the 3 back; with release 1 archived, release 2's audit hides what would give it away."""
    exact = Policy(k=K, rounding=OFF.rounding)   # exact counts: only the archive can protect
    target = cell("2024-2025", "A", "x", "uitstroom")
    r1, audit1, _ = release((2024, 2025), exact)
    assert all(r.protected for r in audit1)
    (tmp_path / "archief" / "2025").mkdir(parents=True)
    r1.to_csv(tmp_path / "archief" / "2025" / "results.csv", index=False, float_format="%.10g")
    archive = load_archive(tmp_path / "archief", before=2026, base=1, rate_decimals=9)
    assert archive and target in archive[0].hidden()

    # without the archive: release 2 is published as if release 1 did not exist
    r2, _, _ = release((2025, 2026), exact)
    both = archived_flows(pd.read_csv(tmp_path / "archief" / "2025" / "results.csv", dtype={"waves": str}), "r1", base=1, rate_decimals=9)
    fl = F.flows(snapshots(), "herkomst_oud")
    both.merge(archived_flows(r2, "r2", base=1, rate_decimals=9))
    flow_identities(both, fl)
    got = next(r for r in audit(both, K, WIDTH) if r.key == target)
    assert got.lo == got.hi == 3, "the two releases together give the hidden count back"

    # with the archive as constraints
    r2, audit2, added = release((2025, 2026), exact, archive=load_archive(tmp_path / "archief", before=2026, base=1, rate_decimals=9))
    assert added and all(r.protected for r in audit2)
    both = archived_flows(pd.read_csv(tmp_path / "archief" / "2025" / "results.csv", dtype={"waves": str}), "r1", base=1, rate_decimals=9)
    both.merge(archived_flows(r2, "r2", base=1, rate_decimals=9))
    flow_identities(both, fl)
    got = next(r for r in audit(both, K, WIDTH) if r.key == target)
    assert got.protected and got.hi - got.lo >= WIDTH


# --- the engine --------------------------------------------------------------------------------------

def test_protect_hides_the_smallest_neighbour_and_keeps_totals():
    rel = Release()
    rel.count(("t",), 40, "x")
    for key, v in (("a", None), ("b", 12), ("c", 25)):
        rel.count((key,), v, "x")
    rel.total(("t",), [("a",), ("b",), ("c",)])
    rel.keep.add(("t",))
    assert not audit(rel, K, WIDTH)[0].protected   # a = 40 - 12 - 25 = 3
    result, added = protect(rel, K, WIDTH)
    assert added == [("b",)] and all(r.protected for r in result)


@pytest.mark.parametrize("integral", [True])
def test_integer_bounds_where_the_relaxation_is_loose(integral):
    # 2a = b with b in 7..9 (rounded): the LP allows a in 3.5..4.5, the integers only a = 4
    rel = Release()
    rel.count(("a",), None, "x")
    rel.cells[("b",)].append(__import__("pipeline.disclosure.audit", fromlist=["Occurrence"]).Occurrence("x", 8, 7, 9))
    rel.identity({("a",): 2.0, ("b",): -1.0})
    r = audit(rel, K, WIDTH)[0]
    assert (r.lo, r.hi) == (4, 4) and not r.protected


def test_a_weighted_share_that_implies_fewer_than_k_is_hidden():
    """Unweighted 12 of 40 say yes, but the weighted share 0.2 x 40 = 8: a reader computes 8 people."""
    from pipeline.disclosure.publish import Estimates
    table = pd.DataFrame({"vraag": "x", "dimension": "d", "group": ["a", "b", "c"], "estimate": [0.2, 0.5, 0.4],
                          "n": [40, 40, 40], "n_ja": [12, 20, 16], "n_sub": np.nan})
    rule = dict(shares=(("n_ja", "n"),), item=("vraag",))
    off = publish(Result(table, Estimates(**rule)), ON).table
    assert off["estimate"].notna().all() and round(off["estimate"][0] * off["n"][0]) == 8
    on = publish(Result(table, Estimates(**rule, implied="estimate")), ON).table
    assert np.isnan(on["estimate"][0]) and on["estimate"].isna().sum() == 2  # with its complement


def test_settings_check_the_disclosure_keys(tmp_path):
    import yaml

    from pipeline.settings import ConfigError, load_settings
    cfg = yaml.safe_load(open("config/report.yaml"))
    cfg["disclosure"]["rounding"]["register_count"] = 5
    cfg["disclosure"]["audit"]["widht"] = 5
    path = tmp_path / "report.yaml"
    path.write_text(yaml.safe_dump(cfg))
    with pytest.raises((ConfigError, SystemExit)) as e:
        load_settings(path)
    assert "register_count" in str(e.value) and "widht" in str(e.value)


# --- the attacker's reading of published files -------------------------------------------------------

def write_exit_tables(folder, outflow: pd.DataFrame, response: pd.DataFrame):
    """The two exit tables as the chapter exports them (semicolon, decimal comma, '<k' when hidden)."""
    out = folder / "tables" / "09_exitfeedback"
    out.mkdir(parents=True, exist_ok=True)

    def fmt(v):
        return SUPPRESSED if pd.isna(v) else (f"{int(v)}" if float(v).is_integer() else f"{v:.6g}".replace(".", ","))
    for name, t, cols in (("001_uitstroom_2024_per_groep_register", outflow, ["aantal", "personeel begin jaar", "uitstroom"]),
                          ("002_respons_op_de_exitvragenlijst_2024_per_g", response, ["ingevuld", "vertrekkers", "respons"])):
        lines = [";".join(["groep", *cols])]
        lines += [";".join([r.group_label, fmt(r.aantal), fmt(r.noemer), fmt(r.rate)]) for r in t.itertuples()]
        (out / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_attacker_reads_the_files_and_finds_what_the_issue_found(tmp_path, monkeypatch):
    from pipeline.disclosure import suppress as S
    from pipeline.disclosure.attack import attack
    from pipeline.labels import group as label
    small_units = S._small_units
    def labelled(t):
        return t.assign(group_label=[label("geslacht", g) if d != "totaal" else "Alle medewerkers"
                                     for d, g in zip(t["dimension"], t["group"])])

    def before(world):  # no row for unknown gender, each table suppressed on its own, exact counts
        old = [Result(r.table[r.table["group"] != "onbekend"].reset_index(drop=True), r.rule, tidy=r.tidy)
               for r in world]
        monkeypatch.setattr(S, "_small_units", lambda t, total, year, k: t[total] < k)  # nor its second unit
        out = publish_all({"o": old[0], "r": old[1]}, OFF).values()
        monkeypatch.setattr(S, "_small_units", small_units)
        return out

    def now(world):  # the unknown level as a row, one status for the leavers in both tables, rounding
        po, pr = publish_all({"o": world[0], "r": world[1]}, ON).values()
        return one_status(po, "aantal", pr, "noemer", on=("dimension", "group"), also_a=("rate",),
                          also_b=("aantal", "rate"))
    # 20 non-binary staff, 10 leaving: every gender row shown, the 2 of unknown gender are the rest
    visible = leavers_world(non_binary=20, non_binary_leaving=10)
    # 6 non-binary staff, 3 leaving: hidden, men's leavers hidden with them in the outflow table
    hidden = leavers_world()
    for name, world in (("rest", visible), ("twice", hidden)):
        po, pr = before(world)
        write_exit_tables(tmp_path / "before" / name, labelled(po.table), labelled(pr.table))
        po, pr = now(world)
        write_exit_tables(tmp_path / "now" / name, labelled(po.table), labelled(pr.table))
    pinned, _, _ = attack(tmp_path / "before" / "rest", K)
    assert (("exit", "2024", "rest Man", "vertrekkers"), 2) in pinned, "unknown gender = total - the gender rows"
    _, inconsistent, _ = attack(tmp_path / "before" / "twice", K)
    assert any("Man/vertrekkers" in x for x in inconsistent), "men's leavers hidden in one, shown in the other"
    for name in ("rest", "twice"):
        pinned, inconsistent, _ = attack(tmp_path / "now" / name, K)
        assert not pinned and not inconsistent


def test_batched_bounds_equal_one_lp_per_cell_and_name_an_inconsistent_component():
    # two flow chains (stock + in - out = next stock), a share, a hidden cell without constraints and an
    # inconsistent partition (5 + 6 published as 10): the batched bounds are the per-cell LPs' bounds
    from pipeline.disclosure.audit import AuditError, _System
    rel = Release()
    for u, (s0, i, o, s1) in {"A": (40, None, 3, 45), "B": (20, 4, None, 21)}.items():
        rel.count((u, "s0"), s0, "x", 5)
        rel.count((u, "in"), i, "x")
        rel.count((u, "out"), o, "x")
        rel.count((u, "s1"), s1, "x", 5)
        rel.identity({(u, "s0"): 1.0, (u, "in"): 1.0, (u, "out"): -1.0, (u, "s1"): -1.0})
    rel.count(("C", "y"), None, "x")
    rel.count(("C", "n"), 30, "x")
    rel.share(("C", "y"), ("C", "n"), 0.2, 0.005, "x")
    rel.count(("free",), None, "x")
    for key, v in (("t", 10), ("p", 5), ("q", 6), ("r", None)):
        rel.count(("bad", key), v, "x")
    rel.total(("bad", "t"), [("bad", "p"), ("bad", "q"), ("bad", "r")])
    sys = _System(rel)
    cells = [sys.index[k] for k in rel.hidden()]
    many = sys.many_bounds(cells)
    for i in cells:
        try:
            one = sys.bounds(i)
        except AuditError:
            assert isinstance(many[i], AuditError)
            continue
        assert np.allclose(many[i], one, atol=1e-6)
    assert isinstance(many[sys.index[("bad", "r")]], AuditError)
    assert np.allclose(many[sys.index[("C", "y")]], (0.195 * 30, 0.205 * 30))


def test_flow_audit_runs_once_per_build_and_records_its_findings(tmp_path, monkeypatch):
    """The page steps each publish the flow tables: the first audits (and records the findings beside
    reports/), the others read its result; a change in what is published audits again."""
    import pipeline.disclosure.audit as A
    fl, pub = flows_published(Policy(k=K, rounding=OFF.rounding))
    policy = Policy(k=K, rounding=OFF.rounding)
    reports = tmp_path / "reports"
    first = protect_flows(pub["flows_org"], pub["flows_dir"], fl, policy, reports=reports)
    findings = tmp_path / ".quarantaine" / "reports" / "audit" / "stromen.txt"
    assert findings.exists() and "verborgen cellen" in findings.read_text()
    calls = []
    real = A.protect
    monkeypatch.setattr(A, "protect", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    again = protect_flows(pub["flows_org"], pub["flows_dir"], fl, policy, reports=reports)
    assert not calls and again[3] == first[3] and first[3]
    assert again[0].table.equals(first[0].table) and again[1].table.equals(first[1].table)
    other = Policy(k=K - 1, rounding=OFF.rounding)  # another rule: audited anew
    protect_flows(pub["flows_org"], pub["flows_dir"], fl, other, reports=reports)
    assert calls == [1]

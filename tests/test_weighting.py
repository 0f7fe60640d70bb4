"""Weighting on migration background: the weighted origin shares match the register (they did not
when origin was no margin), every margin's weighted share matches, and the overall level moves toward
the planted truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.clean import clean_source
from pipeline.disclosure.publish import Policy, publish
from pipeline.weight import ORIGIN, harmonised_origin, margin_table, weighted_design


@pytest.fixture(scope="module")
def nim_2024(demo_full, tmp_path_factory):
    out = tmp_path_factory.mktemp("weighting")
    s = pd.read_parquet(clean_source("nim", 2024, demo_full / "nim_2024.sav", out_dir=out, demo=True))
    r = pd.read_parquet(clean_source("register", 2024, demo_full / "register_2024.csv", out_dir=out, demo=True))
    return s, r


def _nonwestern(design) -> float:
    x = design.data["herkomst_oud"].astype("object")
    return float(design.w[(x == "niet_westers").to_numpy()].sum() / design.w[x.notna().to_numpy()].sum())


def test_weighted_nonwestern_share_matches_the_register(nim_2024):
    s, r = nim_2024
    register_share = float((r["herkomst_oud"].astype("object").dropna() == "niet_westers").mean())
    with_origin, report = weighted_design(s, r)
    without, _ = weighted_design(s, r, origin=None)
    assert ORIGIN in report["margins_used"]
    assert _nonwestern(with_origin) == pytest.approx(register_share, abs=1e-6)
    assert register_share - _nonwestern(without) > 0.02   # response depends on origin: other margins do not repair it
    # both classifications follow the register, because one harmonised margin carries them
    x = with_origin.data["herkomst_cbs"].astype("object")
    weighted_cbs = with_origin.w[(x == "buiten_europa").to_numpy()].sum() / with_origin.w[x.notna().to_numpy()].sum()
    assert weighted_cbs == pytest.approx((r["herkomst_cbs"].astype("object").dropna() == "buiten_europa").mean(), abs=1e-6)


def test_margin_table_shows_what_the_weighting_repairs(nim_2024):
    s, r = nim_2024
    _, report = weighted_design(s, r)
    t = publish(margin_table(report), Policy(k=10)).table
    shown = t[~t["onderdrukt"]]
    assert set(shown["dimension"]) == {"geslacht", "leeftijdsband", "schaalband", ORIGIN}
    assert np.allclose(shown["respondenten gewogen"], shown["register"], atol=1e-6)
    nw = shown[(shown["dimension"] == ORIGIN) & (shown["group"] == "niet_westers")].iloc[0]
    assert nw["respondenten ongewogen"] < nw["register"] - 0.02
    assert "Niet-westers" in set(shown["categorie"])


def test_harmonised_origin_reproduces_both_classifications():
    df = pd.DataFrame({"herkomst_oud": ["nederlands", "westers", "westers", "niet_westers", None],
                       "herkomst_cbs": ["nederland", "europa", "buiten_europa", "buiten_europa", None]})
    assert harmonised_origin(df).tolist() == ["nederlands", "westers_europa", "westers_buiten_europa", "niet_westers", None]


def test_origin_margin_moves_the_overall_prevalences_toward_the_truth(demo_full, truth_full, tmp_path_factory):
    """Discrimination study, 8 prevalences x 2 waves: with origin in the raking the standardised errors
    against the planted truth shrink (they were mostly negative: non-western staff, who experience more,
    respond less)."""
    from pipeline.analysis.discrimination import PREVALENCE
    out = tmp_path_factory.mktemp("weighting_disc")
    z = {True: [], False: []}
    for w in (2024, 2026):
        s = pd.read_parquet(clean_source("discrimination", w, demo_full / f"discrimination_{w}.sav", out_dir=out, demo=True))
        r = pd.read_parquet(clean_source("register", w, demo_full / f"register_{w}.csv", out_dir=out, demo=True))
        for with_origin in (True, False):
            d, _ = weighted_design(s, r, origin=("herkomst_oud", "herkomst_cbs") if with_origin else None)
            for ind in PREVALENCE:
                est = d.mean(ind).iloc[0]
                z[with_origin].append((est["estimate"] - truth_full["discrimination"][str(w)][ind]["overall"]) / est["se"])
    after, before = np.array(z[True]), np.array(z[False])
    assert (after ** 2).sum() < 0.6 * (before ** 2).sum(), (before.round(2), after.round(2))
    assert abs(after.mean()) < abs(before.mean())


def test_superpopulation_frame_drops_only_the_fpc():
    from pipeline.survey import SurveyDesign
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"y": rng.normal(size=400), "h": np.repeat(["a", "b"], 200),
                       "N": np.repeat([500.0, 2000.0], 200)})
    finite = SurveyDesign(df.assign(w=df["N"] / 200), weights="w", strata="h", fpc="N")
    model = finite.without_fpc()
    by = ["h"]
    se_f, se_m = finite.mean("y", by=by)["se"].to_numpy(), model.mean("y", by=by)["se"].to_numpy()
    assert np.allclose(se_f, se_m * np.sqrt(1 - 200 / np.array([500.0, 2000.0])))
    assert finite.mean("y")["estimate"].iloc[0] == model.mean("y")["estimate"].iloc[0]


def test_inference_frame_is_a_checked_setting(tmp_path):
    import yaml
    from pipeline.config import ROOT
    from pipeline.settings import ConfigError, load_settings
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    assert load_settings().frame("levels") == "finite" and load_settings().frame("models") == "superpopulation"
    cfg["inference"] = {"models": "infinite"}
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match="inference.models must be one of finite, superpopulation"):
        load_settings(tmp_path / "report.yaml")


# --- a margin left out or missed: a Dutch warning on the pages that use the weights -------------------

def _toy(n_new_resp: int = 10, register_new: int = 100):
    """A register of 1000 staff in two directorates and 200 respondents; `nieuw` as the newcomer margin."""
    rng = np.random.default_rng(4)
    reg = pd.DataFrame({"directie_code": np.repeat(["A", "B"], 500),
                        "geslacht": np.tile(["man", "vrouw"], 500),
                        "nieuw": ["ja"] * register_new + ["nee"] * (1000 - register_new)})
    resp = reg.sample(200, random_state=1).reset_index(drop=True).assign(y=rng.normal(size=200))
    resp["nieuw"] = ["ja"] * n_new_resp + ["nee"] * (200 - n_new_resp)
    return resp, reg


def test_every_margin_met_gives_no_warning():
    from pipeline.weight import weighting_warnings
    resp, reg = _toy()
    _, report = weighted_design(resp, reg, margins=["geslacht", "nieuw"], origin=None, trim=(0.3, 5.0))
    assert report["margins_used"] == ["geslacht", "nieuw"] and not report["margins_dropped"]
    assert not report["margins_missed"] and weighting_warnings(report, "NIM 2024") == []


def test_a_dropped_margin_is_a_dutch_warning_naming_the_reason():
    from pipeline.weight import weighting_warnings
    # respondents new in service, a register snapshot without anyone new (taken before the year's intake)
    resp, reg = _toy(register_new=0)
    _, report = weighted_design(resp, reg, margins=["geslacht", "nieuw"], origin=None)
    assert report["margins_dropped"] == {"nieuw": {"no_respondents": [], "not_in_register": ["ja"]}}
    [line] = weighting_warnings(report, "NIM 2024")
    assert line.startswith("**Let op, weging NIM 2024:**") and "nieuw in dienst" in line
    assert "categorie die het register niet kent (Eerste jaar in dienst)" in line
    # the reverse: the register has newcomers, no respondent is new
    resp, reg = _toy(n_new_resp=0)
    _, report = weighted_design(resp, reg, margins=["geslacht", "nieuw"], origin=None)
    assert report["margins_dropped"] == {"nieuw": {"no_respondents": ["ja"], "not_in_register": []}}
    [line] = weighting_warnings(report, "MTO 2025")
    assert "een categorie zonder respondenten (Eerste jaar in dienst)" in line and "geslacht" not in report["margins_dropped"]


def test_a_margin_missed_after_trimming_is_a_warning():
    """2 of 200 respondents new against 10% of staff: g ~ 10 for them; trimmed at 4 the margin is missed
    (R's calibrate(trim=) spreads the excess over everyone), and the page says by how much."""
    from pipeline.weight import weighting_warnings
    resp, reg = _toy(n_new_resp=2)
    _, met = weighted_design(resp, reg, margins=["geslacht", "nieuw"], origin=None, trim=None)
    assert met["g_range"][1] > 8 and not met["margins_missed"]
    _, trimmed = weighted_design(resp, reg, margins=["geslacht", "nieuw"], origin=None, trim=(0.3, 4.0))
    shares = trimmed["margin_shares"].set_index(["margin", "category"])
    assert shares.loc[("nieuw", "ja"), "weighted"] < 0.06    # 2 x g 4 of 200: about 4%, not the register's 10%
    assert trimmed["margins_missed"]["nieuw"] == pytest.approx(0.1 - shares.loc[("nieuw", "ja"), "weighted"])
    lines = weighting_warnings(trimmed, "NIM 2024")
    assert len(lines) == len(trimmed["margins_missed"]) and all("na het aftoppen" in x for x in lines)
    assert any("nieuw in dienst" in x and "procentpunt" in x for x in lines)


def test_the_pages_that_use_the_weights_show_a_dropped_margin(demo_small, tmp_path):
    """Chapters 01 and 02 on a register snapshot without newcomers: the weighting leaves `nieuw` out, and
    both pages say so in Dutch (chapter 01 with the wave whose weights it uses, 02 in its weighting section)."""
    import yaml
    from pipeline.chapters import cleaning, inclusion
    from pipeline.settings import load_settings
    cfg = yaml.safe_load(open("config/report.yaml"))
    cfg["demo"]["dir"] = str(demo_small)
    cfg["paths"]["processed"] = str(tmp_path / "processed")
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg))
    settings = load_settings(tmp_path / "report.yaml", years=[2024])
    manifest = yaml.safe_load((demo_small / "sources.yaml").read_text())["sources"]
    for source, waves in manifest.items():
        for w in settings.waves(source):
            clean_source(source, w, demo_small / waves[w], out_dir=tmp_path / "processed", demo=True)
    path = tmp_path / "processed" / "register_2024.parquet"
    reg = pd.read_parquet(path)
    pd.DataFrame(reg.assign(nieuw=pd.Categorical(["nee"] * len(reg), categories=["ja", "nee"]))).to_parquet(path)
    settings = load_settings(tmp_path / "report.yaml", years=[2024])

    def warnings(ch):
        return [b[1] for b in ch.blocks if b[0] == "text" and b[1].startswith("**Let op, weging")]
    ch2 = inclusion.build(settings, source="nim", constructs=["inclusion"], title="t", intro="i")
    assert any("NIM 2024" in w and "nieuw in dienst" in w and "register niet kent" in w for w in warnings(ch2))
    ch1 = cleaning.build(settings)
    shown = warnings(ch1)
    assert any(w.startswith("**Let op, weging NIM 2024:**") for w in shown)
    assert any(w.startswith("**Let op, weging MTO 2024:**") for w in shown)

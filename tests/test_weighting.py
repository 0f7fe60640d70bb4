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

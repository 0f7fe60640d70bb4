"""The yearly rerun on real files (issue 27): the key is an input, one run at a time, and a release is
published all at once or not at all. Each test works in a scratch copy: demo files copied to a folder
without the demo marker (so they are real data and need a key), a key in the environment, and a short
chapter list so a build takes seconds."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.config import ROOT

KEY_A = "a1" * 32
KEY_B = "b2" * 32


def real_config(tmp: Path, demo: Path, sources: dict[str, list[int]], chapters: list[str], *,
                pages: str = "none", notebooks: dict[str, str] | None = None) -> Path:
    """A report config in `tmp` reading copies of the demo files as real data. `chapters`: the
    chapter list (names from config/chapters.yaml); `notebooks`: a chapter's notebook replaced by
    one beside the list (name -> notebook file in tmp)."""
    raw = tmp / "raw"
    raw.mkdir(exist_ok=True)
    listed = {}
    for source, waves in sources.items():
        for w in waves:
            f = next(demo.glob(f"{source}_{w}.*"))
            if not (raw / f.name).exists():
                shutil.copy(f, raw / f.name)
            listed.setdefault(source, {})[w] = f.name
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    listing = [c for c in yaml.safe_load(open(ROOT / "config" / "chapters.yaml"))["chapters"] if c["name"] in chapters]
    for c in listing:
        if notebooks and c["name"] in notebooks:
            c["notebook"] = notebooks[c["name"]]
    (tmp / "chapters.yaml").write_text(yaml.safe_dump({"chapters": listing}, allow_unicode=True))
    cfg["paths"] = {"raw": str(raw), "processed": str(tmp / "processed"), "reports": str(tmp / "reports"),
                    "chapters": str(tmp / "chapters.yaml")}
    cfg["sources"] = listed
    cfg["directorate_pages"] = pages
    (tmp / "report.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
    return tmp / "report.yaml"


def snapshot(folder: Path) -> dict[str, str]:
    """Every file a reviewer can open, with its sha256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def failing_notebook(path: Path) -> Path:
    import nbformat
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell("config_path = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("raise RuntimeError('hoofdstuk kapot')")]
    nbformat.write(nb, path)
    return path


# --- 1. the key is an input -------------------------------------------------------------------------


def test_fingerprint_is_keyed_and_never_the_key():
    from pipeline.clean.pseudonymise import fingerprint
    a, b = fingerprint(KEY_A.encode()), fingerprint(KEY_B.encode())
    assert a != b and len(a) == 16 and a == fingerprint(KEY_A.encode())
    assert KEY_A[:16] not in a and hashlib.sha256(KEY_A.encode()).hexdigest()[:16] != a  # not a plain hash


def test_processed_files_of_another_key_are_refused_before_a_step_reads_them(tmp_path):
    from pipeline.clean.errors import InputError
    from pipeline.clean.pseudonymise import check_one_key, fingerprint
    mine, other = fingerprint(KEY_A.encode()), fingerprint(KEY_B.encode())
    (tmp_path / "nim_2024.manifest.json").write_text(json.dumps({"key_fingerprint": mine, "pseudonymised": True}))
    (tmp_path / "exit_2025.manifest.json").write_text(json.dumps({"key_fingerprint": other, "pseudonymised": True}))
    check_one_key([tmp_path / "nim_2024.manifest.json"], mine)
    with pytest.raises(InputError) as err:
        check_one_key([tmp_path / "nim_2024.manifest.json", tmp_path / "exit_2025.manifest.json"], mine)
    assert "exit_2025.parquet" in str(err.value) and other in str(err.value) and "nim_2024" not in str(err.value)


def test_a_failing_check_stops_the_step_and_its_dependants_not_the_rest(tmp_path):
    from pipeline.clean.errors import InputError, Problem
    from pipeline.report.build import Step, _key, run_graph

    def refuse():
        raise InputError([Problem("x.parquet", "pseudoniemen", (), 0, "sleutel A", "sleutel B")])
    log = tmp_path / "ran.log"
    steps = []
    for name, deps, check in (("a", [], None), ("b", ["a"], refuse), ("c", ["b"], None), ("d", ["a"], None)):
        out = tmp_path / f"{name}.txt"
        steps.append(Step(name, f"stap {name}", _write, (str(out), str(log)), [out], tmp_path / ".state" / f"{name}.json",
                          _key(name), deps=deps, check=check))
    failures, problems, leaks = run_graph(steps, 1)
    assert [p.found for p in problems] == ["sleutel B"] and failures == [] and leaks == []
    assert log.read_text().split() == ["a.txt", "d.txt"]


def _write(target: str, log: str) -> None:
    Path(target).write_text("x")
    with open(log, "a") as fh:
        fh.write(Path(target).name + "\n")


@pytest.mark.slow
def test_a_new_key_repseudonymises_every_cleaned_file_and_the_report_completes(demo_small, tmp_path, monkeypatch,
                                                                             capsys):
    from pipeline.clean.pseudonymise import fingerprint
    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    cfg = real_config(tmp_path, demo_small, {"register": [2024, 2025], "exit": [2024, 2025]}, ["09_exitfeedback"])
    build(cfg)
    processed = tmp_path / "processed"
    manifests = sorted(processed.glob("*.manifest.json"))
    assert len(manifests) == 4
    assert {json.loads(m.read_text())["key_fingerprint"] for m in manifests} == {fingerprint(KEY_A.encode())}
    assert KEY_A not in "".join(m.read_text() for m in manifests)
    ids_a = set(pd.read_parquet(processed / "register_2025.parquet")["pseudo_id"])
    capsys.readouterr()
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_B)        # a new key, nothing else changed
    build(cfg)
    out = capsys.readouterr().out
    assert "nieuwe sleutel" in out and "alle bronnen opnieuw gepseudonimiseerd" in out
    assert out.count("opschonen") >= 4 and "ongewijzigd" not in "".join(l for l in out.splitlines() if "opschonen" in l)
    assert {json.loads(m.read_text())["key_fingerprint"] for m in manifests} == {fingerprint(KEY_B.encode())}
    assert not ids_a & set(pd.read_parquet(processed / "register_2025.parquet")["pseudo_id"])
    assert (tmp_path / "reports" / "09_exitfeedback.html").exists() and (tmp_path / "reports" / "index.html").exists()
    build(cfg)                                              # the same key again: a no-op, no announcement
    assert "nieuwe sleutel" not in capsys.readouterr().out


# --- 2. one run at a time ---------------------------------------------------------------------------


def _report(cfg: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "INCLUSIEMONITOR_KEY": KEY_A, "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "pipeline.report", "--config", str(cfg), "--jobs", "1", *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_second_run_refuses_with_exit_2_or_waits_for_the_lock(demo_small, tmp_path):
    """While another run holds the lock: `--no-wait` stops at once with exit code 2, a plain run waits
    and names the other run's pid."""
    from pipeline.report.release import lock_files, run_lock
    cfg = real_config(tmp_path, demo_small, {"register": [2024]}, ["04_streefcijfers"])
    with run_lock(lock_files(tmp_path / "reports", tmp_path / "processed")):
        refused = _report(cfg, "--no-wait")
        out, _ = refused.communicate(timeout=120)
        assert refused.returncode == 2 and f"een ander rapport wordt nu gemaakt (pid {os.getpid()}" in out
        waiting = _report(cfg)
        try:
            line = waiting.stdout.readline()
            assert f"een ander rapport wordt nu gemaakt (pid {os.getpid()}); wacht" in line
            time.sleep(0.5)
            assert waiting.poll() is None and not (tmp_path / "processed" / "register_2024.parquet").exists()
        finally:
            waiting.kill()
            waiting.communicate()


@pytest.mark.slow
def test_two_simultaneous_reports_do_not_fail_on_each_others_files(demo_small, tmp_path):
    """Two real processes on one checkout: the second waits for the first (and says so), both finish,
    and the published report is complete."""
    cfg = real_config(tmp_path, demo_small, {"register": [2024, 2025]}, ["04_streefcijfers"])
    first, second = _report(cfg), _report(cfg)
    outs = [p.communicate(timeout=600)[0] for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    waited = [o for o in outs if "een ander rapport wordt nu gemaakt (pid" in o and "wacht" in o]
    assert len(waited) == 1, outs
    assert "ongewijzigd" in waited[0]                       # the first run's work is reused, not redone
    reports = tmp_path / "reports"
    assert (reports / "04_streefcijfers.html").exists() and (reports / "index.html").exists()
    assert not list((tmp_path / ".staging").glob("reports.stappen/*/*.FAILED.ipynb"))


# --- 3. all-or-nothing releases ---------------------------------------------------------------------


@pytest.mark.slow
def test_a_failed_run_after_new_data_leaves_every_reviewer_file_byte_identical(demo_small, tmp_path, monkeypatch,
                                                                             capsys):
    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    chapters = ["00_dashboard", "01_opschoning", "04_streefcijfers"]
    sources = {"register": [2024, 2025]}
    cfg = real_config(tmp_path, demo_small, sources, chapters)
    build(cfg)
    reports = tmp_path / "reports"
    before = snapshot(reports)
    assert {"index.html", "00_dashboard.html", "04_streefcijfers.html", "results.csv", "tabellen.xlsx"} <= set(before)
    # new data (a register with its last 40 rows gone) and a chapter that fails
    reg = tmp_path / "raw" / "register_2025.csv"
    lines = reg.read_bytes().splitlines(keepends=True)
    reg.write_bytes(b"".join(lines[:-40]))
    failing_notebook(tmp_path / "kapot.ipynb")
    real_config(tmp_path, demo_small, sources, chapters, notebooks={"01_opschoning": "kapot.ipynb"})
    capsys.readouterr()
    with pytest.raises(SystemExit, match="hoofdstuk kapot"):
        build(cfg)
    err = capsys.readouterr().err
    assert "Er is niets gepubliceerd" in err and ".staging" in err
    assert snapshot(reports) == before                      # every reviewer file, byte for byte
    work = tmp_path / ".staging" / "reports"
    assert (work / "04_streefcijfers.html").read_bytes() != (reports / "04_streefcijfers.html").read_bytes()
    assert list((tmp_path / ".staging" / "reports.stappen").glob("01_opschoning/*.FAILED.ipynb"))
    # repaired: the run publishes, and what the failed run built is not built again
    real_config(tmp_path, demo_small, sources, chapters)
    build(cfg)
    out = capsys.readouterr().out
    assert "hoofdstuk 04_streefcijfers: ongewijzigd" in out and "gepubliceerd" in out
    after = snapshot(reports)
    assert after["04_streefcijfers.html"] != before["04_streefcijfers.html"]
    assert after["index.html"] != before["index.html"] or after["00_dashboard.html"] != before["00_dashboard.html"]
    # a no-op rerun publishes nothing and touches nothing
    mtimes = {p: p.stat().st_mtime_ns for p in reports.rglob("*") if p.is_file()}
    t0 = time.perf_counter()
    build(cfg)
    assert "gepubliceerd" not in capsys.readouterr().out and time.perf_counter() - t0 < 5
    assert mtimes == {p: p.stat().st_mtime_ns for p in reports.rglob("*") if p.is_file()}
    # chapters no longer configured leave the release: their pages, notebooks, tables, results rows and
    # the dashboard's figure and table on the index
    real_config(tmp_path, demo_small, sources, ["04_streefcijfers"])
    build(cfg)
    left = snapshot(reports)
    assert not [f for f in left if "01_opschoning" in f or "dashboard" in f]
    assert "01_opschoning" not in (reports / "index.html").read_text()
    assert 'id="dashboard"' not in (reports / "index.html").read_text()
    assert set(pd.read_csv(reports / "results.csv")["chapter"]) == {"04_streefcijfers"}


# --- 4. linkage is measured, not assumed ------------------------------------------------------------


def test_link_rates_are_measured_and_a_join_far_below_the_design_stops_with_its_cause(tmp_path):
    """Hand-made processed files: register 2024 -> 2025 keeps 9 of 10 people; exit 2025 respondents
    are leavers of register 2024 (rate 1) — until the exit file carries other numbers (rate 0)."""
    from types import SimpleNamespace

    from pipeline.analysis import linkrates
    from pipeline.clean.errors import InputError
    ids = [f"p{i:03d}" for i in range(20)]
    pd.DataFrame({"pseudo_id": ids[:10]}).to_parquet(tmp_path / "register_2024.parquet")
    pd.DataFrame({"pseudo_id": ids[1:10] + ids[10:11]}).to_parquet(tmp_path / "register_2025.parquet")
    pd.DataFrame({"pseudo_id": ids[:1]}).to_parquet(tmp_path / "exit_2025.parquet")
    pd.DataFrame({"person_key": ["k1", "k2", None]}).to_parquet(tmp_path / "nim_2024.parquet")
    pd.DataFrame({"person_key": ["k2", "k3"]}).to_parquet(tmp_path / "nim_2026.parquet")
    waves = {"register": [2024, 2025], "exit": [2025], "nim": [2024, 2026]}
    settings = SimpleNamespace(waves=lambda s: waves.get(s, []), sources=waves,
                               role=lambda s: "survey" if s == "nim" else "register")
    joins = linkrates.joins(settings)
    minimum = dict(linkrates.DEFAULT_MINIMUM)
    rates = linkrates.measure(joins, tmp_path, minimum).set_index("kind")
    assert rates.loc["register_years", "aandeel"] == 0.9 and rates.loc["register_years", "records"] == 10
    assert rates.loc["exit_register", "aandeel"] == 1.0
    assert rates.loc["panel", "aandeel"] == 0.5 and rates.loc["panel", "metingen"] == "2024 → 2026"
    linkrates.check(joins, tmp_path, minimum)
    pd.DataFrame({"pseudo_id": ["q999"]}).to_parquet(tmp_path / "exit_2025.parquet")  # another key or number
    with pytest.raises(InputError) as err:
        linkrates.check(joins, tmp_path, minimum)
    msg = str(err.value)
    assert "exit_2025.parquet" in msg and "0.0% (0 van 1)" in msg and "andere sleutel" in msg
    assert "linkage.exit_register" in msg and "register_years" not in msg
    assert linkrates.for_sources(joins, ["nim", "register"]) == [j for j in joins if j.kind in ("register_years", "panel")]


@pytest.mark.slow
def test_an_exit_file_with_other_numbers_stops_the_build_with_the_cause_not_a_pandas_error(
        demo_small, tmp_path, monkeypatch, capsys):
    from pipeline.clean.errors import InputError
    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    cfg = real_config(tmp_path, demo_small, {"register": [2024, 2025], "exit": [2025]},
                      ["01_opschoning", "09_exitfeedback"])
    exit_file = tmp_path / "raw" / "exit_2025.csv"
    lines = exit_file.read_text().splitlines()
    exit_file.write_text("\n".join([lines[0], *(f"9{ln}" for ln in lines[1:])]) + "\n")  # not personnel numbers
    with pytest.raises(InputError) as err:
        build(cfg)
    msg = str(err.value)
    assert "exitvragenlijst ↔ HR-register" in msg and "waarschijnlijke oorzaak" in msg and "andere sleutel" in msg
    out = capsys.readouterr().out
    assert "hoofdstuk 09_exitfeedback: FOUT in de invoer" in out and "gestart" not in out.split("09_exitfeedback")[1][:40]
    assert not (tmp_path / "reports").exists()              # nothing was ever published


@pytest.mark.slow
def test_link_rates_are_in_chapter_01_and_results(demo_small, tmp_path, monkeypatch):
    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    cfg = real_config(tmp_path, demo_small, {"register": [2024, 2025], "exit": [2025]}, ["01_opschoning"])
    build(cfg)
    results = pd.read_csv(tmp_path / "reports" / "results.csv")
    links = results[results["statistic"] == "link_rate"].set_index("indicator")
    assert set(links.index) == {"register_years", "exit_register"}
    assert links.loc["exit_register", "estimate"] == 1.0 and 0.8 < links.loc["register_years", "estimate"] < 1
    assert "Koppelingen tussen bronnen en metingen" in (tmp_path / "reports" / "01_opschoning.html").read_text()


# --- 5. waves and variables that come and go --------------------------------------------------------


def _codebooks_with(tmp: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of config/codebooks with text edits per codebook (YAML anchors kept as written)."""
    folder = tmp / "codebooks"
    shutil.copytree(ROOT / "config" / "codebooks", folder)
    for name, changes in edits.items():
        text = (folder / f"{name}.yaml").read_text(encoding="utf-8")
        for old, new in changes:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_a_new_discrimination_wave_with_a_dropped_item_keeps_every_wave(demo_small, tmp_path, monkeypatch):
    """Discrimination 2028 without `gezien_ongewenst` (made optional for 2028, as the drafting tool
    advises) and registers 2027 and 2028: chapter 05 compares 2024 -> 2028 (the programme's change),
    keeps 2026 (2024 -> 2026, 2026 -> 2028), and says the dropped item was not measured in 2028."""
    import pyreadstat

    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    cfg = real_config(tmp_path, demo_small, {"register": [2024, 2026], "discrimination": [2024, 2026]},
                      ["00_dashboard", "05_discriminatie"])
    raw = tmp_path / "raw"
    for year in (2027, 2028):
        text = (raw / "register_2026.csv").read_bytes().replace(b";31-12-2026;", f";31-12-{year};".encode())
        (raw / f"register_{year}.csv").write_bytes(text)
    df, meta = pyreadstat.read_sav(raw / "discrimination_2026.sav", user_missing=True)
    dropped = "gezien_ongewenst"
    assert dropped in df
    keep = [c for c in df.columns if c != dropped]
    pyreadstat.write_sav(df[keep], raw / "discrimination_2028.sav",
                         column_labels=[meta.column_names_to_labels.get(c) for c in keep],
                         variable_value_labels={c: v for c, v in meta.variable_value_labels.items() if c in keep},
                         missing_ranges={c: v for c, v in (meta.missing_ranges or {}).items() if c in keep})
    codebooks = _codebooks_with(tmp_path, {
        "register": [("waves: [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026]",
                      "waves: [2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027, 2028]")],
        "discrimination": [("waves: [2024, 2026]", "waves: [2024, 2026, 2028]\nwave_overrides:\n  2028:\n"
                            f"    variables:\n      {dropped}: {{optional: true}}")]})
    config = yaml.safe_load(cfg.read_text())
    config["paths"]["codebooks"] = str(codebooks)
    config["sources"]["register"].update({2027: "register_2027.csv", 2028: "register_2028.csv"})
    config["sources"]["discrimination"][2028] = "discrimination_2028.sav"
    cfg.write_text(yaml.safe_dump(config, allow_unicode=True))
    build(cfg)
    results = pd.read_csv(tmp_path / "reports" / "results.csv")
    disc = results[results["source"] == "discrimination"]
    changes = disc[disc["statistic"] == "change"]
    assert set(changes["waves"]) == {"2024-2028", "2024-2026", "2026-2028"}
    assert set(changes[changes["table"] == "change"]["waves"]) == {"2024-2028"}      # the programme's comparison
    shares = disc[(disc["statistic"] == "share") & (disc["dimension"] == "totaal")]
    assert {str(w) for w in shares["waves"]} >= {"2024", "2026", "2028"}
    seen = shares[shares["indicator"] == dropped]
    assert {str(w) for w in seen["waves"]} == {"2024", "2026"}                         # not measured in 2028
    measured = changes[(changes["indicator"] == dropped) & changes["estimate"].notna()]
    assert set(measured["waves"]) == {"2024-2026"}
    page = (tmp_path / "reports" / "05_discriminatie.html").read_text()
    assert "Niet gemeten in 2028" in page and "Verandering 2026 → 2028" in page
    # a trend over all three waves, in the frame of the changes, for every prevalence measured in all
    trend = disc[disc["statistic"] == "trend_slope"]
    assert set(trend["waves"]) == {"2024-2028"} and "ervaren_discriminatie" in set(trend["indicator"])
    assert dropped not in set(trend["indicator"])                                      # not measured in 2028
    assert trend["se"].gt(0).all() and trend["p_bh"].notna().all()
    assert "Trend over alle metingen (2024, 2026, 2028)" in page
    # issue 27 item 5: the change tables keep the item's row and say why it has no number
    # ("niet gemeten in 2028", not "–", which says "fewer than k")
    import re
    for caption in ("Verandering, alle medewerkers", "Verandering 2026 → 2028, alle medewerkers"):
        table = page.split(caption)[1].split("</table>")[0]
        rows = [r for r in re.findall(r"<tr.*?</tr>", table, flags=re.S) if "Ongewenst gedrag gezien" in r]
        assert len(rows) == 1, (caption, rows)
        assert "niet gemeten in 2028" in rows[0] and "–" not in rows[0], rows[0]
    csv = next((tmp_path / "reports" / "tables" / "05_discriminatie").glob("*_verandering_alle_medewerkers.csv"))
    assert "Ongewenst gedrag gezien" in csv.read_text(encoding="utf-8-sig")          # the row is kept
    dash = pd.read_csv(tmp_path / "reports" / "_dashboard" / "dashboard.csv")
    assert "2024–2028" in set(dash["periode"])


def test_a_group_without_respondents_in_one_wave_is_hidden_only_there(demo_small, tmp_path):
    """MTO 2025 with nobody answering LGBTIQ+ = ja: the LGBTIQ+ changes 2022->2023, 2022->2024 and
    2023->2024 stay published; only the levels of 2025 and the changes to 2025 are hidden. Without
    the per-wave sizes (the earlier rule) every LGBTIQ+ change was hidden."""
    import dataclasses

    from conftest import weighted_waves
    from pipeline.analysis import trend as T
    from pipeline.analysis.linkage import stack_for_change
    from pipeline.disclosure.publish import Policy, publish
    waves = [2022, 2023, 2024, 2025]
    designs = weighted_waves(demo_small, "mto", waves, tmp_path)
    last = designs[2025]
    designs[2025] = last.update(lhbtiq=last.data["lhbtiq"].where(last.data["lhbtiq"].astype("object") != "ja", "nee"))
    stacked, _ = stack_for_change(designs)
    result = T.changes(stacked, "social_safety", waves, dims=["lhbtiq"])
    shown = publish(result, Policy(k=10)).table
    ja = shown[(shown["dimension"] == "lhbtiq") & (shown["group"] == "ja")].set_index(["van", "naar"])
    assert ja.loc[[(2022, 2023), (2022, 2024), (2023, 2024)], "change"].notna().all()
    assert ja.loc[[(2024, 2025), (2022, 2025)], "change"].isna().all() if (2024, 2025) in ja.index else True
    assert not shown[(shown["naar"] == 2025) & (shown["group"] == "ja")]["change"].notna().any()
    levels = publish(T.levels(stacked, "social_safety", ["lhbtiq"]), Policy(k=10)).table
    lv = levels[(levels["dimension"] == "lhbtiq") & (levels["group"] == "ja")].set_index("golf")["estimate"]
    assert lv.loc[[2022, 2023, 2024]].notna().all() and (2025 not in lv.index or pd.isna(lv.get(2025)))
    earlier = dataclasses.replace(result, rule=dataclasses.replace(result.rule, waves=(), wave_columns=()))
    before = publish(earlier, Policy(k=10)).table
    assert before[(before["dimension"] == "lhbtiq") & (before["group"] == "ja")]["change"].isna().all()


# --- 7. the small things ----------------------------------------------------------------------------


def test_a_register_saved_by_excel_with_a_bom_reads_as_the_original_and_other_encodings_are_named(demo_small, tmp_path,
                                                                                                    monkeypatch):
    from pipeline.clean import clean_source
    from pipeline.clean.errors import InputError
    original = (demo_small / "register_2024.csv").read_bytes()
    text = original.decode("cp1252")
    assert not text.isascii()                                   # accented names and countries
    (tmp_path / "bom").mkdir()
    (tmp_path / "bom" / "register_2024.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "register_2024.csv").write_bytes(original)
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    a = pd.read_parquet(clean_source("register", 2024, tmp_path / "plain" / "register_2024.csv", out_dir=tmp_path / "a"))
    b = pd.read_parquet(clean_source("register", 2024, tmp_path / "bom" / "register_2024.csv", out_dir=tmp_path / "b"))
    pd.testing.assert_frame_equal(a, b)
    (tmp_path / "utf8").mkdir()
    (tmp_path / "utf8" / "register_2024.csv").write_bytes(text.encode("utf-8"))
    with pytest.raises(InputError) as err:
        clean_source("register", 2024, tmp_path / "utf8" / "register_2024.csv", out_dir=tmp_path / "c")
    assert "UTF-8 zonder byte-order mark" in str(err.value) and "cp1252" in str(err.value)


def test_two_people_under_one_respondent_id_are_not_a_duplicate_submission(demo_small, tmp_path, monkeypatch):
    import pyreadstat

    from pipeline.clean import clean_source
    from pipeline.clean.errors import InputError
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    df, meta = pyreadstat.read_sav(demo_small / "mto_2024.sav", user_missing=True)
    id_col = next(c for c in df.columns if c.lower() == "respondent_id")
    key_col = next(c for c in df.columns if c.lower() == "persoonssleutel")

    def write(frame, name):
        pyreadstat.write_sav(frame, tmp_path / name, column_labels=[meta.column_names_to_labels.get(c) for c in frame.columns],
                             variable_value_labels=meta.variable_value_labels, missing_ranges=meta.missing_ranges)
        return tmp_path / name
    same = pd.concat([df, df.iloc[[0]]], ignore_index=True)                  # one person submitting twice
    out = clean_source("mto", 2024, write(same, "mto_2024.sav"), out_dir=tmp_path / "a")
    flow = json.loads(out.with_name("mto_2024.manifest.json").read_text())["excluded"]
    assert next(e["aantal"] for e in flow if e["reden"].startswith("dubbele inzending")) >= 1
    two = same.copy()
    two.loc[len(two) - 1, key_col] = "ander-persoon-999"                   # a different person, same id
    (tmp_path / "b").mkdir()
    with pytest.raises(InputError) as err:
        clean_source("mto", 2024, write(two, "b/mto_2024.sav"), out_dir=tmp_path / "b")
    msg = str(err.value)
    assert "verschillende persoonssleutels" in msg and "persoonssleutel" in msg and f", {len(two)}" in msg


def test_cleaning_steps_are_keyed_on_what_they_read_only(demo_small, tmp_path, monkeypatch):
    """An edit of chapters.yaml, of report.yaml outside `groups`, or of a chapter's code reruns no
    cleaning; an edit of `groups` or of the classifications does."""
    from pipeline.report import build as B
    from pipeline.settings import load_settings
    cfg = real_config(tmp_path, demo_small, {"register": [2024]}, ["04_streefcijfers"])

    def keys():
        return [s.key for s in B.clean_steps(load_settings(cfg), B.cleaning_code_hash(), "vingerafdruk")]
    before = keys()
    real_config(tmp_path, demo_small, {"register": [2024]}, ["04_streefcijfers", "01_opschoning"])  # chapters.yaml
    config = yaml.safe_load(cfg.read_text())
    config["min_cell_size"] = 11
    config["indicators"] = config["indicators"][:1]
    cfg.write_text(yaml.safe_dump(config))
    assert keys() == before
    monkeypatch.setattr(B, "CLEANING_READS", (*B.CLEANING_READS, "pipeline/chapters"))  # stands for any code it reads
    assert keys() != before
    monkeypatch.setattr(B, "CLEANING_READS", B.CLEANING_READS[:-1])
    config = yaml.safe_load(cfg.read_text())
    config["groups"]["young_cutoff"] = 30
    cfg.write_text(yaml.safe_dump(config))
    assert keys() != before
    assert [s.key for s in B.clean_steps(load_settings(cfg), B.cleaning_code_hash(), "andere")] != keys()


def test_a_new_wave_of_one_source_changes_only_the_keys_of_the_steps_that_read_it(demo_small, tmp_path):
    """The yearly rerun: with real sources in report.yaml, a new MTO wave must not rerun the chapters
    that read no MTO (their key holds report.yaml without `sources`, plus the waves of what they read)."""
    from pipeline.report import build as B
    from pipeline.settings import load_settings
    chapters = ["01_opschoning", "02_inclusie", "03_veiligheid", "04_streefcijfers"]
    sources = {"register": [2024, 2025], "nim": [2024], "mto": [2024]}

    def keys():
        settings = load_settings(tmp_path / "report.yaml")
        cleaned = B.clean_steps(settings, "code", "vingerafdruk")
        return {s.name: s.key for s in B.chapter_steps(settings, B.chapter_specs(settings), "code", cleaned)}
    real_config(tmp_path, demo_small, sources, chapters)
    before = keys()
    real_config(tmp_path, demo_small, {**sources, "mto": [2024, 2025]}, chapters)
    after = keys()
    assert {n for n in before if before[n] != after[n]} == {"01_opschoning", "03_veiligheid"}


# --- a step is keyed on the settings it read (issue 27 item 7, issue 29) ------------------------------


def _read_sections(target: str, reads: str, log: str, sections: list[str] | None) -> None:
    """A step that reads `sections` of the settings and says so (as a chapter's kernel does)."""
    Path(target).write_text("x")
    if sections is not None:
        Path(reads).parent.mkdir(parents=True, exist_ok=True)
        Path(reads).write_text(json.dumps(sections))
    with open(log, "a") as fh:
        fh.write(Path(target).name + "\n")


def test_a_step_reruns_when_a_section_it_read_changes_and_only_then(tmp_path):
    from pipeline.report.build import Step, _key, run_graph
    config = {"a": 1, "b": 1}
    log = tmp_path / "ran.log"

    def step(name, sections):
        out, reads = tmp_path / f"{name}.txt", tmp_path / ".state" / f"{name}.reads.json"
        return Step(name, f"stap {name}", _read_sections, (str(out), str(reads), str(log), sections), [out],
                    tmp_path / ".state" / f"{name}.json", _key(name), reads_file=reads,
                    config_part=lambda read: {k: config[k] for k in (config if read is None else read)})

    def ran() -> list[str]:
        log.unlink(missing_ok=True)
        assert run_graph([step("reads_a", ["a"]), step("reads_b", ["b"]), step("silent", None)], 1) == ([], [], [])
        return sorted(log.read_text().split()) if log.exists() else []

    assert ran() == ["reads_a.txt", "reads_b.txt", "silent.txt"]
    assert ran() == []
    config["b"] = 2          # read by one step; the step that did not say what it read holds every section
    assert ran() == ["reads_b.txt", "silent.txt"]
    config["a"] = 2
    assert ran() == ["reads_a.txt", "silent.txt"]
    config["c"] = 1          # a new section nobody read
    assert ran() == ["silent.txt"]
    assert json.loads((tmp_path / ".state" / "reads_a.json").read_text())["reads"] == ["a"]


def test_settings_remember_the_sections_read_and_hand_out_copies():
    import dataclasses

    from pipeline.settings import load_settings
    s = load_settings()
    assert s.reads == []
    assert s.min_cell_size > 0 and s.young_cutoff > 0
    assert s.reads == ["groups", "min_cell_size"]
    s["groups"]["young_cutoff"] = 99                        # a reader cannot change what the next one sees
    assert s.young_cutoff != 99
    with pytest.raises(TypeError):
        s.raw["min_cell_size"] = 1                          # the settings are read-only
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.demo = False
    assert "training" in s.raw and "training" in s.reads


@pytest.mark.slow
def test_a_setting_one_chapter_reads_reruns_only_that_chapter(demo_small, tmp_path, monkeypatch, capsys):
    """The chapter's kernel reports the sections of report.yaml it read; its key holds just those: an edit of
    `training.target` reruns chapter 10 and leaves chapter 04, an edit of `benchmark` the reverse, and an
    edit of a section neither reads (`directorates`) reruns neither."""
    from pipeline.report.build import build
    monkeypatch.setenv("INCLUSIEMONITOR_KEY", KEY_A)
    cfg = real_config(tmp_path, demo_small, {"register": [2024, 2025], "training": [2024, 2025]},
                      ["04_streefcijfers", "10_training"])

    def rerun(section: str, key: str, value) -> set[str]:
        config = yaml.safe_load(cfg.read_text())
        config[section][key] = value
        cfg.write_text(yaml.safe_dump(config, allow_unicode=True))
        capsys.readouterr()
        build(cfg)
        out = capsys.readouterr().out
        return {c for c in ("04_streefcijfers", "10_training") if f"hoofdstuk {c}: ongewijzigd" not in out}

    build(cfg)
    from pipeline.report.release import work_dir
    state = json.loads((work_dir(tmp_path / "reports") / ".state" / "10_training.json").read_text())
    assert "training" in state["reads"] and "register_monitor" not in state["reads"]
    assert rerun("training", "target", 0.6) == {"10_training"}
    assert rerun("directorates", "max_half_width", 0.9) == set()
    config = yaml.safe_load(cfg.read_text())
    assert rerun("benchmark", "source", str(config["benchmark"].get("source", "")) + " (herzien)") == {"04_streefcijfers"}

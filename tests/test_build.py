"""The report's dependency graph: order, incremental reruns, failures that stop only their dependants,
make's -j flag, and a failing notebook that names its cell and keeps the earlier report."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from pipeline.clean.errors import InputError, Problem
from pipeline.report.build import Step, _key, jobs_from_make, run_graph


def write(target: str, text: str, log: str) -> None:
    """A step that writes `text` and records that it ran (module level: the process pool pickles it)."""
    Path(target).write_text(text)
    with open(log, "a") as fh:
        fh.write(Path(target).name + "\n")


def bad_input(target: str, log: str) -> None:
    with open(log, "a") as fh:
        fh.write(Path(target).name + "\n")
    raise InputError([Problem(target, "kolom", (3,), 1, "1-5", "9")])


def crash(target: str, log: str) -> None:
    raise RuntimeError(f"kapot: {Path(target).name}")


def die(target: str, log: str) -> None:
    import os
    os._exit(1)  # a worker that dies outright, as on running out of memory


def graph(tmp: Path, texts: dict[str, str], costs: dict[str, float] | None = None, broken: dict | None = None):
    """a, b -> c -> e ;  d (independent). Each step writes <name>.txt."""
    log = str(tmp / "ran.log")
    deps = {"a": [], "b": [], "c": ["a", "b"], "d": [], "e": ["c"]}
    steps = []
    for name, d in deps.items():
        out = tmp / f"{name}.txt"
        run, args = (write, (str(out), texts.get(name, name), log))
        if broken and name in broken:
            run, args = broken[name], (str(out), log)
        steps.append(Step(name, f"stap {name}", run, args, [out], tmp / ".state" / f"{name}.json",
                          _key(name, texts.get(name, name)), deps=d, cost=(costs or {}).get(name, 1.0)))
    return steps


def ran(tmp: Path) -> list[str]:
    p = tmp / "ran.log"
    out = p.read_text().split() if p.exists() else []
    p.unlink(missing_ok=True)
    return [x.removesuffix(".txt") for x in out]


@pytest.mark.parametrize("jobs", [1, 2])
def test_only_changed_steps_and_their_dependants_rerun(tmp_path, jobs):
    texts = {}
    assert run_graph(graph(tmp_path, texts), jobs) == ([], [], [])
    assert sorted(ran(tmp_path)) == ["a", "b", "c", "d", "e"]
    run_graph(graph(tmp_path, texts), jobs)
    assert ran(tmp_path) == []                       # no-op rerun
    texts["b"] = "b, new version"                    # b's output changed: b and c rerun; c writes the
    run_graph(graph(tmp_path, texts), jobs)          # same bytes as before, so e does not
    assert sorted(ran(tmp_path)) == ["b", "c"]
    texts["c"] = "c, new version"
    run_graph(graph(tmp_path, texts), jobs)
    assert sorted(ran(tmp_path)) == ["c", "e"]
    (tmp_path / "d.txt").unlink()                    # a missing output is rebuilt
    run_graph(graph(tmp_path, texts), jobs)
    assert ran(tmp_path) == ["d"]


def test_unchanged_input_content_stops_the_rerun_downstream(tmp_path):
    """A step that reruns but writes the same bytes does not rerun what depends on it."""
    run_graph(graph(tmp_path, {}), 1)
    ran(tmp_path)
    (tmp_path / ".state" / "a.json").unlink()
    run_graph(graph(tmp_path, {}), 1)
    assert ran(tmp_path) == ["a"]


def test_serial_order_starts_the_longest_chain_first(tmp_path):
    run_graph(graph(tmp_path, {}, costs={"d": 5, "e": 10}), 1)
    order = ran(tmp_path)
    assert order.index("a") < order.index("d") and order.index("b") < order.index("d")  # a,b lead to e (cost 10)
    assert order.index("c") < order.index("e")


@pytest.mark.parametrize("jobs", [1, 2])
def test_failures_skip_dependants_but_report_every_independent_problem(tmp_path, jobs, capsys):
    failures, problems, leaks = run_graph(graph(tmp_path, {}, broken={"a": bad_input, "d": crash}), jobs)
    assert [p.column for p in problems] == ["kolom"] and "a.txt" in problems[0].file
    assert len(failures) == 1 and "stap d" in failures[0] and "kapot: d.txt" in failures[0]
    assert leaks == []
    assert sorted(ran(tmp_path)) == ["a", "b"]       # c and e wait on a and are skipped, b still ran
    assert not (tmp_path / "c.txt").exists()
    out = capsys.readouterr().out
    assert "stap c: overgeslagen" in out and "stap e: overgeslagen" in out


def test_a_dying_worker_is_reported_not_hung_on(tmp_path):
    failures, _, _ = run_graph(graph(tmp_path, {}, broken={"a": die}), 2)
    assert any("stap a" in f for f in failures)
    assert not (tmp_path / "c.txt").exists() and not (tmp_path / "e.txt").exists()


def test_a_failed_step_is_retried_on_the_next_run(tmp_path):
    run_graph(graph(tmp_path, {}, broken={"c": crash}), 1)
    ran(tmp_path)
    assert run_graph(graph(tmp_path, {}), 1) == ([], [], [])
    assert sorted(ran(tmp_path)) == ["c", "e"]


@pytest.mark.parametrize("flags,expected", [
    (" -j3 --jobserver-auth=3,4", 3), ("k -j4 --jobserver-auth=fifo:/tmp/x", 4), (" -j", None), ("", None),
    (" -j2 --jobserver-auth=3,4 -- YEAR=2024", 2)])
def test_jobs_follow_makes_j_flag(flags, expected):
    import os
    assert jobs_from_make({"MAKEFLAGS": flags}) == (expected or max(1, os.cpu_count() or 1))


def test_failing_notebook_names_its_cell_and_keeps_the_earlier_report(tmp_path):
    from pipeline.report.render import NotebookFailed, execute
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("y = x + 1"), nbformat.v4.new_code_cell("1 / (y - 2)")]
    src = tmp_path / "hoofdstuk.ipynb"
    nbformat.write(nb, src)
    out = tmp_path / "out" / "hoofdstuk.ipynb"
    out.parent.mkdir()
    out.write_text("earlier good run")
    with pytest.raises(NotebookFailed) as err:
        execute(src, out, {"x": 1})
    msg = str(err.value)
    assert "hoofdstuk.ipynb" in msg and "ZeroDivisionError" in msg
    assert "cel 4" in msg and "1 / (y - 2)" in msg   # parameters, injected parameters, y = ..., the failing cell
    assert out.read_text() == "earlier good run"
    failed = out.with_name("hoofdstuk.FAILED.ipynb")
    kept = nbformat.read(failed, as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in kept.cells for o in c.get("outputs", []))
    with pytest.raises(NotebookFailed, match="unknown parameter"):
        execute(src, out, {"z": 1})


def test_state_file_records_the_key(tmp_path):
    steps = graph(tmp_path, {})
    run_graph(steps, 1)
    assert all(len(json.loads(s.state.read_text())["key"]) == 64 for s in steps)


def test_year_selection_reaches_the_notebooks_and_drops_chapters_without_enough_waves(demo_small, tmp_path):
    import yaml

    from pipeline.report.build import chapter_parameters, chapter_specs
    from pipeline.settings import load_settings
    cfg = yaml.safe_load(open("config/report.yaml"))
    cfg["demo"]["dir"] = str(demo_small)
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg))
    everything = load_settings(tmp_path / "report.yaml")
    assert {"06_effect_inclusie", "07_effect_veiligheid"} <= {c["name"] for c in chapter_specs(everything)}
    one_year = load_settings(tmp_path / "report.yaml", years=[2025])
    names = {c["name"] for c in chapter_specs(one_year)}
    assert "03_veiligheid" in names                                    # MTO has a 2025 wave
    assert not names & {"02_inclusie", "06_effect_inclusie", "07_effect_veiligheid"}  # no NIM 2025; one MTO wave
    spec = next(c for c in chapter_specs(one_year) if c["name"] == "03_veiligheid")
    assert chapter_parameters(spec, one_year, [2025])["survey_years"] == [2025]
    assert "survey_years" not in chapter_parameters(spec, everything)


def test_a_leaking_chapter_publishes_nothing_and_is_quarantined_outside_reports(tmp_path, monkeypatch):
    """Every artefact is guarded (here an exported CSV whose count column shows 3); the chapter's earlier
    outputs stay, the run's outputs and the findings go to quarantine beside reports/."""
    from pipeline.disclosure.errors import DisclosureError
    from pipeline.report import build as B
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    leak = ("import os, json, pathlib\n"
            "d = pathlib.Path(os.environ['INCLUSIEMONITOR_TABLES']); d.mkdir(parents=True)\n"
            "(d / '01_t.csv').write_text('groep;aantal\\na;3\\nb;250\\n')\n"
            "(d / '01_t.meta.json').write_text(json.dumps({'counts': ['aantal']}))")
    nb.cells = [params, nbformat.v4.new_code_cell(leak)]
    (tmp_path / "nb").mkdir()
    nbformat.write(nb, tmp_path / "nb" / "x.ipynb")
    monkeypatch.setattr(B, "NOTEBOOKS", tmp_path / "nb")
    reports = tmp_path / "reports"
    (reports / "tables" / "99_x").mkdir(parents=True)
    (reports / "tables" / "99_x" / "01_old.csv").write_text("groep;aantal\na;120\n")
    (reports / "99_x.html").write_text("earlier good page")
    with pytest.raises(DisclosureError) as err:
        B._run_chapter({"name": "99_x", "notebook": "x.ipynb", "title": "x"}, {"x": 1},
                       reports / "notebooks" / "99_x.ipynb", reports / "99_x.html", 10)
    assert "aantal" in str(err.value) and "toont 3" in str(err.value)
    assert sorted(p.name for p in (reports / "tables" / "99_x").iterdir()) == ["01_old.csv"]
    assert (reports / "99_x.html").read_text() == "earlier good page"
    assert not list(reports.rglob("*LEAK*")) and not (reports / "notebooks" / "99_x.ipynb").exists()
    quarantine = tmp_path / ".quarantaine" / "reports" / "99_x"
    assert "toont 3" in (quarantine / "BEVINDINGEN.txt").read_text()
    assert (quarantine / "tables" / "01_t.csv").exists()


def test_guard_reads_counts_from_the_tables_metadata_not_its_headers(tmp_path):
    import json

    from pipeline.disclosure.guard import scan_csv
    (tmp_path / "t.csv").write_text("groep;personen in groep;schatting\na;4;0,5\nb;300;0,4\n")
    assert scan_csv(tmp_path / "t.csv", 10) == []                 # unknown header, no metadata: not a count
    (tmp_path / "t.meta.json").write_text(json.dumps({"counts": ["personen in groep"]}))
    assert [x.reason for x in scan_csv(tmp_path / "t.csv", 10)] == ["kolom 'personen in groep' rij 1 toont 4 (< 10)"]


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_output_changed_by_hand_reruns_its_step_and_says_so(tmp_path, jobs, capsys):
    run_graph(graph(tmp_path, {}), jobs)
    ran(tmp_path)
    state = json.loads((tmp_path / ".state" / "c.json").read_text())
    assert list(state["outputs"].values()) == [__import__("pipeline.io", fromlist=["sha256"]).sha256(tmp_path / "c.txt")]
    (tmp_path / "c.txt").write_text("c, edited by hand")
    capsys.readouterr()
    run_graph(graph(tmp_path, {}), jobs)
    assert ran(tmp_path) == ["c"]                    # restored with the same bytes: e does not rerun
    assert (tmp_path / "c.txt").read_text() == "c"
    assert "stap c: uitvoer met de hand gewijzigd (c.txt): opnieuw" in capsys.readouterr().out
    run_graph(graph(tmp_path, {}), jobs)
    assert ran(tmp_path) == []


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("x = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)
    return path


def test_a_reused_kernel_shows_each_notebook_what_a_fresh_one_would(tmp_path, monkeypatch):
    """Chapters of one build process share a kernel (no 3 s start each), yet none sees another's
    variables or environment, and a kernel that died is replaced, not reused."""
    import os

    from pipeline.report import render
    render.shutdown_kernel()
    first = _notebook(tmp_path / "a.ipynb", "leftover = 41\nimport os\nos.environ['INCLUSIEMONITOR_TABLES'] = 'vervuild'")
    second = _notebook(tmp_path / "b.ipynb",
                       "import os\n"
                       "assert 'leftover' not in globals(), 'variables of an earlier notebook'\n"
                       "assert os.environ.get('INCLUSIEMONITOR_TABLES') == 'tweede', os.environ.get('INCLUSIEMONITOR_TABLES')\n"
                       "assert 'INCLUSIEMONITOR_RESULTS' not in os.environ\n"
                       "print(os.getpid())")
    try:
        monkeypatch.setenv("INCLUSIEMONITOR_TABLES", "eerste")
        monkeypatch.setenv("INCLUSIEMONITOR_RESULTS", "r")
        render.execute(first, tmp_path / "a.out.ipynb", {})
        manager = render._MANAGER
        monkeypatch.setenv("INCLUSIEMONITOR_TABLES", "tweede")
        monkeypatch.delenv("INCLUSIEMONITOR_RESULTS")
        out = render.execute(second, tmp_path / "b.out.ipynb", {})
        assert render._MANAGER is manager and manager.has_kernel  # the same kernel ran both
        pid = nbformat.read(out, as_version=4).cells[-1].outputs[0]["text"].strip()
        # a kernel that dies is not reused: the next notebook gets a new one
        dying = _notebook(tmp_path / "c.ipynb", "import os\nos._exit(1)")
        with pytest.raises(Exception):
            render.execute(dying, tmp_path / "c.out.ipynb", {})
        out = render.execute(second, tmp_path / "d.out.ipynb", {})
        assert nbformat.read(out, as_version=4).cells[-1].outputs[0]["text"].strip() != pid
        assert os.environ["INCLUSIEMONITOR_TABLES"] == "tweede"  # the build's own environment is untouched
    finally:
        render.shutdown_kernel()


@pytest.mark.slow
def test_a_directorate_target_reruns_only_its_pages_step_and_an_organisation_target_the_chapters(
        demo_small, tmp_path, monkeypatch, capsys):
    """Through the report graph: adding a target for one directorate (a new page) redraws that page and
    its neighbours' navigation only, and leaves chapter 04 and the dashboard keyed as before;
    changing an organisation target changes their keys and reruns every page step."""
    import yaml

    from pipeline.analysis.targets import declared_path
    from pipeline.config import ROOT
    from pipeline.report import directorate_pages as P
    from pipeline.report.build import chapter_specs, chapter_steps, clean_steps, code_hash
    from pipeline.settings import load_settings
    monkeypatch.setattr(P, "FEW", 0)                       # the few plan pages split over SHARDS steps too
    declared = yaml.safe_load(open(ROOT / "config" / "targets.yaml"))
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(declared, allow_unicode=True))
    cfg = yaml.safe_load(open(ROOT / "config" / "report.yaml"))
    cfg["paths"] = {"raw": str(tmp_path), "processed": str(tmp_path / "processed"), "reports": str(tmp_path / "reports")}
    cfg["demo"]["dir"] = str(demo_small)
    cfg["targets"]["declared"] = str(tmp_path / "targets.yaml")
    (tmp_path / "report.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))

    def graph():
        settings = load_settings(tmp_path / "report.yaml")
        code = code_hash(exclude=(declared_path(settings["targets"]),))
        cleaned = [c for c in clean_steps(settings, code) if c.source == "register"]
        chapters = {c.name: c.key for c in chapter_steps(settings, chapter_specs(settings), code, cleaned)}
        return cleaned + P.steps(settings, code, cleaned, []), chapters

    def run(steps) -> dict[str, str]:
        capsys.readouterr()
        assert run_graph(steps, jobs=1) == ([], [], [])
        out = capsys.readouterr().out
        return {s.name: ("ongewijzigd" if f"{s.label}: ongewijzigd" in out else "opnieuw") for s in steps}, out

    steps, chapters = graph()
    pages = [s.name for s in steps if s.name.startswith(P.NAME)]
    assert len(pages) == P.SHARDS
    assert set(run(steps)[0].values()) == {"opnieuw"}
    declared["targets"].append({"name": "d05_jong", "label": "D05: jonger dan 35", "scope": ["D05"], "counted": "young",
                                "kind": "share", "value": 0.25, "baseline_year": 2024, "target_year": 2028})
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(declared, allow_unicode=True))
    steps, after = graph()
    assert after == chapters                               # chapter 04 and the dashboard: unchanged keys
    before = [json.loads((tmp_path / "reports" / ".state" / f"{s}_pages.json").read_text()) for s in pages]
    status, out = run(steps)
    # the page list changed, so every page step reruns (its pages' previous/next links may change), but
    # only D05's page and its neighbours in the list are redrawn
    import re
    codes = sorted(c for s in pages for c in json.loads((tmp_path / "reports" / ".state" / f"{s}_pages.json").read_text()))
    i = codes.index("D05")
    near = {c for c in (codes[i - 1] if i else None, codes[i + 1] if i + 1 < len(codes) else None) if c}
    assert "D05" not in {c for d in before for c in d} and near
    assert sum(int(n) for n in re.findall(r"pagina's, (\d+) opnieuw gemaakt", out)) == 1 + len(near)
    d05 = P.step_name(P.shard_of("D05", P.SHARDS), P.SHARDS)
    assert status[d05] == "opnieuw" and f"[{d05}]" in out
    assert (tmp_path / "reports" / P.NAME / "D05.html").exists()
    assert any(p["href"].endswith("D05.html") for p in P.links(tmp_path / "reports"))
    declared["targets"][0]["value"] = 0.22                  # an organisation target
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(declared, allow_unicode=True))
    steps, changed = graph()
    assert {n for n in chapters if changed[n] != chapters[n]} == {"00_dashboard", "04_streefcijfers"}
    status, _ = run(steps)
    assert {n for n, s in status.items() if s == "opnieuw"} == set(pages)
    # an action plan's start year is the exposure of the effect sections: only their chapters rerun
    steps, chapters = graph()
    declared["targets"][-1]["start_year"] = 2025            # D05's plan starts
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(declared, allow_unicode=True))
    steps, changed = graph()
    assert {n for n in chapters if changed[n] != chapters[n]} == {"05_discriminatie", "06_effect_inclusie",
                                                                    "07_effect_veiligheid"}

"""The package's layers, read from the source with `ast` (imports inside functions count: a lazy
import is still a dependency in the design).

- no import cycles among the modules of pipeline/;
- the demo generator (pipeline/synth) knows nothing of the estimator (analysis, survey, weight,
  report, chapters): the world that checks the pipeline is not built from it;
- chapters never read configuration themselves: they get the settings, loaded once, as an argument.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipeline"


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under the package (a package is its __init__)."""
    out = {}
    for p in sorted(package.rglob("*.py")):
        parts = list(p.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules `name` imports, anywhere in the file. `from a.b import c` is an edge to
    a.b.c when c is a module, else to a.b."""

    def resolve(dotted: str) -> str | None:
        while dotted and dotted not in known:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    root = PACKAGE.name
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {resolve(a.name) for a in node.names if a.name.split(".")[0] == root}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                mod = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            if mod.split(".")[0] != root:
                continue
            out |= {resolve(f"{mod}.{a.name}") if f"{mod}.{a.name}" in known else resolve(mod) for a in node.names}
    return out - {None, name}


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    known = modules(package)
    return {m: imports(m, p, known) for m, p in known.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in g.get(v, ()):
                found.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def _show(g, comp) -> str:
    return "; ".join(f"{a} -> {', '.join(sorted(b for b in g[a] if b in comp))}" for a in comp)


def test_the_checker_finds_a_cycle_through_a_function_level_import(tmp_path):
    pkg = tmp_path / "pipeline"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pipeline.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import x\n    return x\n")
    (pkg / "c.py").write_text("import os\n\ndef g():\n    import pipeline.a\n")
    (pkg / "d.py").write_text("from pipeline import c\n")
    g = graph(pkg)
    assert g["pipeline.a"] == {"pipeline.sub.b"} and g["pipeline.sub.b"] == {"pipeline.c"}
    assert cycles(g) == [["pipeline.a", "pipeline.c", "pipeline.sub.b"]]
    (pkg / "c.py").write_text("import os\n")
    assert cycles(graph(pkg)) == []


def test_no_import_cycles_in_the_package():
    g = graph()
    assert len(g) > 50 and g["pipeline.chapters.inclusion"]  # the package was read
    found = cycles(g)
    assert not found, "import cycles (imports inside functions count):\n" + "\n".join(_show(g, c) for c in found)


ESTIMATOR = ("pipeline.analysis", "pipeline.survey", "pipeline.weight", "pipeline.report", "pipeline.chapters")


def test_the_demo_generator_does_not_know_the_estimator():
    g = graph()
    seen = {m: sorted(t for t in g[m] if any(t == e or t.startswith(e + ".") for e in ESTIMATOR))
            for m in g if m == "pipeline.synth" or m.startswith("pipeline.synth.")}
    assert seen and not {m: t for m, t in seen.items() if t}
    # nor does the estimator know the generator (the report build only asks it for demo files)
    back = {m: sorted(t for t in g[m] if t == "pipeline.synth" or t.startswith("pipeline.synth."))
            for m in g if any(m == e or m.startswith(e + ".") for e in ESTIMATOR if e != "pipeline.report")}
    assert not {m: t for m, t in back.items() if t}


def test_chapters_never_read_configuration_themselves():
    reads = re.compile(r"config_path|load_settings\(|load_yaml\(")
    found = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in sorted((PACKAGE / "chapters").glob("*.py"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if reads.search(line)]
    assert not found, "\n".join(found)

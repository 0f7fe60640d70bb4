"""The build's remembered file digests (pipeline.report.digests): a file is hashed again whenever its
bytes may have changed — also a same-size edit with its modification time set back — and a file
written in the same moment it was hashed is never remembered."""
from __future__ import annotations

import hashlib
import os

from pipeline.report import digests as D


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def test_a_same_size_edit_with_its_mtime_set_back_is_hashed_again(tmp_path, monkeypatch):
    monkeypatch.setattr(D, "SETTLED_NS", 0)  # remember at once (the file is older than the hashing)
    f = tmp_path / "raw.csv"
    f.write_bytes(b"a;1\n")
    store = tmp_path / "store.json"
    d = D.Digests(store)
    assert d.sha256(f) == _sha(b"a;1\n")
    d.save()
    reads = []
    monkeypatch.setattr(D, "sha256", lambda p: reads.append(p) or _sha(open(p, "rb").read()))
    assert D.Digests(store).sha256(f) == _sha(b"a;1\n") and reads == []  # remembered: not read again
    st = os.stat(f)
    f.write_bytes(b"a;2\n")  # same size, and the modification time put back: the ctime still moves
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert D.Digests(store).sha256(f) == _sha(b"a;2\n") and len(reads) == 1


def test_a_file_just_written_is_not_remembered_and_a_broken_store_is_ignored(tmp_path):
    f = tmp_path / "out.html"
    f.write_text("x")
    store = tmp_path / "store.json"
    d = D.Digests(store)
    d.sha256(f)
    d.save()
    assert not store.exists() or str(f) not in store.read_text()  # written within SETTLED_NS: not kept
    store.write_text("{not json")
    assert D.Digests(store).sha256(f) == _sha(b"x")


def test_planning_a_rerun_imports_neither_pandas_nor_scipy(demo_small, tmp_path):
    """A no-op `make report` checks the config and makes the whole plan (every step's key) before it
    knows nothing has to run: importing pandas or scipy for that alone cost most of its second. Planned
    on the small demo (a fresh clone has no data, and a plan that skips every chapter proves nothing)."""
    import subprocess
    import sys
    from pathlib import Path
    code = """
import sys
from pipeline.settings import load_settings
from pipeline.report import build as B, directorate_pages
from pipeline.report.graph import chapter_specs
s = load_settings(sys.argv[1])
specs = chapter_specs(s)
code = B.code_hash()
cleaned = B.clean_steps(s, B.cleaning_code_hash(), "f")
chapters = B.chapter_steps(s, specs, code, cleaned)
directorate_pages.steps(s, code, cleaned, chapters)
B._nested(s)
print(sorted(m for m in ("pandas", "numpy", "scipy", "pyarrow") if m in sys.modules))
"""
    from conftest import report_config
    root = Path(__file__).resolve().parent.parent
    config = report_config(tmp_path, demo_small)
    out = subprocess.run([sys.executable, "-c", code, str(config)], cwd=root, capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert not [x for x in lines if "overgeslagen" in x], lines  # every chapter planned
    assert lines[-1] == "[]"

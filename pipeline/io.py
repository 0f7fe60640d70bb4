"""Writing outputs safely and fingerprinting inputs: the one place for atomic writes, checksums and
the code version.

Why: a failed or interrupted step must leave the previous output intact (the last good report stays
readable, a half-written parquet is never read), so every writer in the package writes to a temporary
file in the target's folder and renames it into place only when the output is complete. Cleaning and
reporting both record input checksums and the git commit; both take them from here, so neither layer
imports the other.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipeline.config import ROOT


def sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def git_commit() -> str:
    """HEAD of the project's repository, marked when tracked files have local changes."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("+lokale-wijzigingen" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "onbekend (geen git)"


def temp_path(path: str | Path) -> Path:
    """The temporary name an output is written under: hidden, in the same folder (so the final rename
    stays on one file system), with the same suffix (writers that infer the format from it keep working)."""
    path = Path(path)
    return path.with_name(f".{path.stem}.tmp{path.suffix}")


@contextmanager
def atomic_path(path: str | Path, *, keep_on_error: str | Path | None = None) -> Iterator[Path]:
    """Yield a temporary path to write `path` through; rename it into place when the block ends.

    If the block raises, `path` is left as it was and the temporary file is removed — or, with
    `keep_on_error`, kept under that name for inspection (a failed or leaking notebook)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        yield tmp
    except BaseException:
        if tmp.exists():
            if keep_on_error is not None:
                os.replace(tmp, keep_on_error)
            else:
                tmp.unlink()
        raise
    os.replace(tmp, path)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(path)


def atomic_write_parquet(df, path: str | Path) -> Path:
    """A data frame as parquet (without the index)."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)
    return Path(path)


def move(src: str | Path, dst: str | Path) -> Path:
    """Move a finished file or folder into place (same file system: one rename). A folder already at
    `dst` is replaced as a whole, so a chapter's published tables never mix two runs."""
    import shutil
    src, dst = Path(src), Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    if dst.is_dir() and src.is_dir():
        shutil.rmtree(dst)
    os.replace(src, dst)
    return dst


def swap_dir(new: str | Path, target: str | Path) -> None:
    """Put the finished folder `new` in the place of `target` and remove the previous one: in one step
    where the system can exchange two folders (Linux renameat2 RENAME_EXCHANGE), so a reader sees the
    old folder or the new one, never neither; elsewhere with two renames."""
    import ctypes
    import shutil
    new, target = Path(new), Path(target)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new, target)
        return
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
        at_fdcwd, rename_exchange = -100, 2
        swapped = renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(target), rename_exchange) == 0
    except (OSError, AttributeError):
        swapped = False
    if not swapped:
        old = new.with_name(new.name + ".oud")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(new, target)
        new = old
    shutil.rmtree(new)


STAGING = ".staging"
QUARANTINE = ".quarantaine"


def published_of(reports: Path) -> Path:
    """The published folder of `reports`, which is either the release in staging (.staging/reports/)
    or reports/ itself (a step run outside `make report`, as in tests)."""
    reports = Path(reports)
    return reports.parent.parent / reports.name if reports.parent.name == STAGING else reports


def quarantine_dir(reports: Path) -> Path:
    """Where a leaking step's outputs and the researchers' findings go: beside reports/ (also while
    the release is built in staging), never in a release."""
    published = published_of(reports)
    return published.parent / QUARANTINE / published.name

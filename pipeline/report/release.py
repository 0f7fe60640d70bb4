"""The release: one run of `make report` at a time, built in staging, published all at once.

Why: reviewers must never see pages of two runs side by side (a new chapter 02 beside last year's
index), and two runs in one checkout must not move each other's files. So:
- a lock (`fcntl.flock` on a file beside the reports, released by the kernel when the process ends,
  so a killed run never leaves a stale lock) lets one run build at a time; a second run waits and
  says for whom;
- every step writes into the release in staging (`.staging/<reports>/`, which also keeps the step
  states, so an unchanged step is not rerun); a step's scratch space is `.staging/<reports>.stappen/`;
- only when every step passed (input checks, notebooks, output guard) is `reports/` replaced by the
  release — in one directory exchange (renameat2 RENAME_EXCHANGE; two renames where the system has
  none). A failed run publishes nothing; its partial build stays in staging for the researcher;
- before a run, the release keeps only the outputs of this run's steps, so a page that no longer
  belongs to the report (`YEAR=`, a chapter or directorate page no longer configured) is not published.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.io import STAGING, published_of, swap_dir


class Busy(RuntimeError):
    """Another run holds the lock (only raised when asked not to wait)."""


# --- where things go ------------------------------------------------------------------------------


def work_dir(published: Path) -> Path:
    """The release being built for `published` (reports/ -> .staging/reports/)."""
    published = Path(published)
    return published.parent / STAGING / published.name


def step_dir(reports: Path, name: str) -> Path:
    """Scratch space of one step (a chapter's notebook, page and tables before the guard passed them;
    a failed notebook's partial run): outside the release, so it is never published."""
    published = published_of(reports)
    return published.parent / STAGING / f"{published.name}.stappen" / name


# --- one run at a time ----------------------------------------------------------------------------


def lock_files(published: Path, processed: Path) -> list[Path]:
    """The locks of a run: its release (beside the staging of reports/) and its processed data."""
    return [work_dir(published).parent / f"{Path(published).name}.lock", Path(processed) / ".lock"]


@contextmanager
def run_lock(locks: Iterable[Path], *, wait: bool = True, say=print) -> Iterator[None]:
    """Hold an exclusive lock on each lock file, in a fixed order so two runs never wait on each other
    crosswise. A held lock: wait for it, saying whose it is, or with `wait=False` raise Busy. The
    lock file holds the holder's pid (for that message only)."""
    with ExitStack() as stack:
        for lock in sorted({Path(f).resolve() for f in locks}):
            lock.parent.mkdir(parents=True, exist_ok=True)
            fh = stack.enter_context(open(lock, "a+"))
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "onbekend"
                if not wait:
                    raise Busy(f"een ander rapport wordt nu gemaakt (pid {holder}, slot {lock}); "
                               "probeer het opnieuw als dat klaar is") from None
                say(f"[slot] een ander rapport wordt nu gemaakt (pid {holder}); wacht…", flush=True)
                t0 = time.perf_counter()
                fcntl.flock(fh, fcntl.LOCK_EX)
                say(f"[slot] na {time.perf_counter() - t0:.0f}s vrij; verder", flush=True)
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            stack.callback(fcntl.flock, fh, fcntl.LOCK_UN)
        yield


# --- the release ----------------------------------------------------------------------------------


def _entries(root: Path) -> dict[str, tuple[int, int, int]]:
    """The release's files under `root` (relative posix name -> size, mtime_ns, inode): no hidden file
    or folder (step states, half-written temporary files)."""
    out: dict[str, tuple[int, int, int]] = {}
    stack = [("", str(root))]
    while stack:
        rel, path = stack.pop()
        try:
            entries = list(os.scandir(path))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for e in entries:
            if e.name.startswith("."):
                continue
            name = f"{rel}{e.name}"
            if e.is_dir(follow_symlinks=False):
                stack.append((name + "/", e.path))
            else:
                st = e.stat(follow_symlinks=False)
                out[name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return dict(sorted(out.items()))


def _files(root: Path) -> list[Path]:
    return [root / rel for rel in _entries(root)]


def prune(work: Path, members: Iterable[Path]) -> list[Path]:
    """Remove from the release every file that no step of this run writes (`members`: files and
    folders), so what the run does not make is not published. Returns what was removed."""
    keep = {Path(os.path.relpath(m, work)).as_posix() for m in members}
    if "." in keep:  # the whole release
        return []
    gone = []
    for rel in _entries(work):
        if not any(p in keep for p in _ancestry(rel)):
            (work / rel).unlink()
            gone.append(work / rel)
    for d in sorted({p.parent for p in gone}, key=lambda p: -len(p.parts)):
        while d != work and d.is_relative_to(work) and d.is_dir() and not any(d.iterdir()):  # left empty
            d.rmdir()
            d = d.parent
    return gone


def _ancestry(rel: str) -> Iterator[str]:
    """'a/b/c' -> 'a/b/c', 'a/b', 'a'."""
    while rel:
        yield rel
        rel = os.path.dirname(rel)


def _signature(root: Path) -> list:
    return [[rel, *stat] for rel, stat in _entries(root).items()]


def publish(work: Path, published: Path) -> bool:
    """Make `published` exactly the release in `work` (files hard-linked: the steps replace files by
    renaming, never in place, so a later run cannot change a published file). False when it already
    was (nothing done). Hidden files at the top of `published` that are not ours (.gitkeep) stay."""
    record = work.parent / f"{published.name}.gepubliceerd.json"
    now = {"release": _signature(work), "published": _signature(published)}
    if published.is_dir() and record.exists():
        try:
            if json.loads(record.read_text()) == now:
                return False
        except ValueError:
            pass
    new = work.parent / f"{published.name}.nieuw"
    shutil.rmtree(new, ignore_errors=True)
    for f in _files(work):
        target = new / f.relative_to(work)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(f, target)
        except OSError:
            shutil.copy2(f, target)
    new.mkdir(parents=True, exist_ok=True)
    if published.is_dir():
        for f in published.iterdir():
            if f.name.startswith(".") and f.is_file():
                shutil.copy2(f, new / f.name)
    swap_dir(new, published)
    record.write_text(json.dumps({"release": _signature(work), "published": _signature(published)}))
    return True


def failed_note(work: Path, published: Path) -> str:
    """What a failed run says about the release: nothing published, where the partial build is."""
    return (f"Er is niets gepubliceerd: {_show(published)} is nog precies het vorige rapport. De gedeeltelijke "
            f"nieuwe uitgave staat in {_show(work)} (stappen die mislukten: {_show(step_dir(work, ''))}).")


def _show(path: Path) -> str:
    try:
        return os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    except ValueError:
        return str(path)


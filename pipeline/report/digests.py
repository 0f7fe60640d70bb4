"""The sha256 of a file, remembered across runs by its status (size, mtime, ctime, inode, device).

Why: a rerun of `make report` with nothing changed still checks every input and output by content
(raw files, processed files, the release: ~70 MB on the demo). A file whose status is exactly what it
was when it was hashed has the same bytes: any write changes its ctime, which no user tool can set
back, and the build replaces outputs by renaming (a new inode). As git's index does, a file is
remembered only once its ctime lies safely before the moment it was hashed (`SETTLED_NS`), so a write
in the same clock tick as the hashing is never missed. The cache is an optimisation only: without it
(or with an unreadable one) every file is hashed, with the same result.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pipeline.io import atomic_write_text, sha256

SETTLED_NS = 2_000_000_000  # file timestamps tick coarsely (a jiffy): remember only files settled this long


class Digests:
    def __init__(self, store: Path | None = None):
        self.store = store
        self.known: dict[str, list] = {}
        self.used: dict[str, list] = {}
        if store is not None:
            try:
                loaded = json.loads(Path(store).read_text())
                self.known = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self.known = {}
        self.loaded = dict(self.known)

    def sha256(self, path: str | Path) -> str:
        name = os.path.abspath(path)
        st = os.stat(name)
        status = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        entry = self.known.get(name)
        if isinstance(entry, list) and len(entry) == 6 and entry[:5] == status:
            self.used[name] = entry
            return entry[5]
        now = time.time_ns()
        digest = sha256(name)
        if max(st.st_mtime_ns, st.st_ctime_ns) < now - SETTLED_NS:
            self.used[name] = self.known[name] = [*status, digest]
        return digest

    def save(self) -> None:
        """Keep the files this run looked at (so the store does not grow with files long gone)."""
        if self.store is not None and self.used != self.loaded:
            atomic_write_text(Path(self.store), json.dumps(self.used, sort_keys=True))

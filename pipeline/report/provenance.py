"""What a report was made from: input checksums, code version, package versions, parameters.

Why: a reviewer must be able to tell which files and which code produced every number; a researcher
must be able to reproduce it a year later.
"""
from __future__ import annotations

import hashlib
import subprocess
from importlib import metadata
from pathlib import Path


from pipeline.config import ROOT

PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "pyreadstat",
            "pandera", "papermill", "nbconvert", "pyarrow")


def sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("+lokale-wijzigingen" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "onbekend (geen git)"


def package_versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "niet geïnstalleerd"
    return out


def provenance_table(inputs: dict[str, str | Path], parameters: dict):
    """Tidy provenance: one row per item (kind, name, value) for display in every chapter."""
    import pandas as pd  # imported here: the no-op path of `make report` must start fast
    rows = [("invoer", name, f"sha256 {sha256(p)}") for name, p in sorted(inputs.items())]
    rows.append(("code", "git commit", git_commit()))
    from datetime import datetime, timezone
    rows.append(("run", "datum", datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")))
    rows += [("pakket", k, v) for k, v in package_versions().items()]
    rows += [("parameter", k, repr(v)) for k, v in sorted(parameters.items())]
    return pd.DataFrame(rows, columns=["soort", "onderdeel", "waarde"])

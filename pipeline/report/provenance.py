"""What a report was made from: input checksums, code version, package versions, parameters.

Why: a reviewer must be able to tell which files and which code produced every number; a researcher
must be able to reproduce it a year later.
"""
from __future__ import annotations

from importlib import metadata
from pathlib import Path

from pipeline.io import git_commit, sha256

PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "matplotlib", "seaborn", "pyreadstat",
            "pandera", "papermill", "nbconvert", "pyarrow")


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

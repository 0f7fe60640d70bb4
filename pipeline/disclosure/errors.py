"""Dependency-free pieces of disclosure control: the suppression mark and the guard's error."""
from __future__ import annotations

SUPPRESSED = "<k"  # a value hidden by disclosure control (Published.hidden is True)
MISSING = "–"  # an empty value that was not hidden: no data or not applicable


class DisclosureError(RuntimeError):
    """The output guard found output that may identify a person; `leaks` lists where."""

    def __init__(self, leaks: list):
        self.leaks = leaks
        super().__init__("Mogelijk herleidbare uitvoer — niet gepubliceerd:\n" + "\n".join(f"  - {x}" for x in leaks))

"""Dependency-free pieces of disclosure control: the suppression mark and the guard's error."""
from __future__ import annotations

# a value hidden by disclosure control (Published.hidden is True), in CSV and workbook. Neutral, as CBS's
# "x" (geheim): a cell hidden as a complement may hold k or more, so "<k" would be false there and, read
# literally, narrow it (issue 25 A6: two directorates' leaders summing to 16, each "<k", read as 7..9)
SUPPRESSED = "x"
MISSING = "–"  # an empty value that was not hidden: no data or not applicable


class DisclosureError(RuntimeError):
    """The output guard found output that may identify a person; `leaks` lists where."""

    def __init__(self, leaks: list):
        self.leaks = leaks
        super().__init__("Mogelijk herleidbare uitvoer — niet gepubliceerd:\n" + "\n".join(f"  - {x}" for x in leaks))

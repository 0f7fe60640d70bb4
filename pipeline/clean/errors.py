"""Input errors that list every problem at once: file, column, rows, expected vs found."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    column: str
    rows: tuple[int, ...]   # 1-based data row numbers (first few)
    n_rows: int             # how many rows are affected in total
    expected: str
    found: str

    def __str__(self) -> str:
        where = f"rij {', '.join(map(str, self.rows))}" + (f" (en {self.n_rows - len(self.rows)} meer)" if self.n_rows > len(self.rows) else "") if self.rows else "hele bestand"
        return f"{self.file} · kolom '{self.column}' · {where}: verwacht {self.expected}; gevonden {self.found}"


class InputError(ValueError):
    """Hard input errors; the run stops and earlier outputs stay untouched."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = f"{len(problems)} probleem/problemen in de invoer:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in problems)]))

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
    kind: str = "invoer"    # "codeboek": an undecided point (TODO) in a codebook, not in the data

    def __str__(self) -> str:
        if self.kind == "codeboek":
            return f"{self.file} · {self.column}: {self.found}"
        where = f"rij {', '.join(map(str, self.rows))}" + (f" (en {self.n_rows - len(self.rows)} meer)" if self.n_rows > len(self.rows) else "") if self.rows else "hele bestand"
        return f"{self.file} · kolom '{self.column}' · {where}: verwacht {self.expected}; gevonden {self.found}"


class InputError(ValueError):
    """Hard input errors; the run stops and earlier outputs stay untouched. The same problem reported
    by several steps (a codebook TODO seen by every wave of a source) is listed once."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems = list(dict.fromkeys(problems))
        todo = [p for p in problems if p.kind == "codeboek"]
        lines = []
        if todo:
            lines.append(f"Het codeboek is nog een concept: {len(todo)} TODO('s) te beslissen. Beslis elk punt in het "
                         "codeboek en haal de TODO weg; pas dan wordt er opgeschoond:")
            lines += [f"  - {p}" for p in todo]
        rest = [p for p in problems if p.kind != "codeboek"]
        if rest or not problems:
            lines.append(f"{len(rest)} probleem/problemen in de invoer:")
            lines += [f"  - {p}" for p in rest]
        super().__init__("\n".join(lines))

    def __reduce__(self):  # rebuilt from its problems when it crosses a process boundary (make -j)
        return (self.__class__, (self.problems,))


def codebook_todo_error(todos) -> InputError:
    """One InputError listing every TODO of a codebook (file, variable or line, what is undecided)."""
    return InputError([Problem(t.file, t.where, (), 0, "een besluit in plaats van TODO", t.what, kind="codeboek")
                       for t in todos])

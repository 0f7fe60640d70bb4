"""Issue 25, chapter 10 in the build: the release audit protects the training tables (not only the
attacker's check reads them). Leaders 2026: A 40 of 60 trained, B 4 of 30, C 30 of 45; organisation 74
of 135. With only B's trained hidden, B = 74 - 40 - 30 = 4: the audit hides a second directorate."""
from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.disclosure.model import protect_training
from pipeline.disclosure.publish import NoSmallCells, Policy, Result, hide_cells, publish

UNITS = {"A": (60, 40), "B": (30, 4), "C": (45, 30)}


def tables():
    row = {"tabel": "2026 iws leidinggevenden", "jaar": "2026", "cursus": "iws", "rol": "leidinggevenden", "doel": 0.8}
    n, g = sum(v[0] for v in UNITS.values()), sum(v[1] for v in UNITS.values())
    city = pd.DataFrame([{**row, "n": n, "getraind": g, "aandeel": g / n, "verschil": g / n - 0.8}])
    units = pd.DataFrame([{**row, "directie_code": u, "n": a, "getraind": t, "aandeel": t / a, "verschil": t / a - 0.8}
                          for u, (a, t) in UNITS.items()])
    plain = Policy(k=10)
    pc, pu = (publish(Result(t, NoSmallCells("hand-made training table")), plain) for t in (city, units))
    return pc, hide_cells(pu, units["directie_code"].eq("B").to_numpy(), ("getraind", "aandeel", "verschil"))


def key(unit, m="getraind"):
    return ("training", "2026", "iws", "leidinggevenden", unit, m)


def test_without_the_audit_the_single_hidden_directorate_is_pinned():
    city, units = tables()
    _, _, result, added = protect_training(city, units, Policy(k=10, audit=False))
    b = next(r for r in result if r.key == key("B"))
    assert (b.lo, b.hi, b.protected) == (4, 4, False) and not added


def test_the_audit_hides_the_smallest_shown_count_with_it_and_every_hidden_count_is_protected():
    city, units = tables()
    _, out, result, added = protect_training(city, units, Policy(k=10, width=5))
    assert all(r.protected for r in result)
    assert key("C") in added or key("A") in added
    shown = out.table.set_index("directie_code")
    assert np.isnan(shown.loc["B", "getraind"]) and shown["getraind"].isna().sum() == 2
    b = next(r for r in result if r.key == key("B"))
    assert b.lo <= 4 <= b.hi and b.hi - b.lo >= 5

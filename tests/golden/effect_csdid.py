"""Golden values for tests/test_effect.py from the `csdid` package (PyPI, 0.4.3; Callaway & Sant'Anna's
estimator as in R `did`): post-period ATT(g, t) and the simple aggregate on a seeded staggered panel,
not-yet-treated controls, outcome regression without covariates (= the unconditional 2x2s).

Run in a scratch venv (csdid is not a dependency):  python tests/golden/effect_csdid.py
It writes tests/golden/effect_csdid.json. The panel is `panel()` below, rebuilt by the test."""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(12):
        g = [2021, 2023, 0][i % 3]
        a = rng.normal()
        for t in range(2019, 2026):
            eff = 0 if g == 0 or t < g else 0.1 * (1 + t - g)
            rows.append((i, t, a + 0.05 * (t - 2019) + eff + rng.normal(0, 0.05), g))
    return pd.DataFrame(rows, columns=["id", "year", "y", "g"])


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    from csdid.att_gt import ATTgt
    fit = ATTgt(yname="y", tname="year", idname="id", gname="g", data=panel(),
                control_group=["notyettreated"]).fit(est_method="reg")
    res = fit.results
    cells = [{"g": int(g), "t": int(t), "att": float(a)} for g, t, a, post in
             zip(res["group"], res["year"], res["att"], res["post"]) if post]
    simple = fit.aggte(typec="simple").atte["overall_att"]
    Path(__file__).with_suffix(".json").write_text(json.dumps({"cells": cells, "simple": float(simple)}, indent=1))

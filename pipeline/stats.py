"""Small statistical helpers shared by every chapter."""
from __future__ import annotations

import numpy as np
import pandas as pd


def bh(p: pd.Series) -> pd.Series:
    """Benjamini–Hochberg adjusted p-values over the non-missing entries (missing stay missing).

    Applied once per declared family (see `pipeline.disclosure.publish.publish_all`)."""
    from statsmodels.stats.multitest import multipletests

    p = pd.Series(p, dtype=float)
    out = pd.Series(np.nan, index=p.index)
    ok = p.notna()
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out

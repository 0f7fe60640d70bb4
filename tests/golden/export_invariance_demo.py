"""Write tests/golden/invariance_demo_data.csv for make_golden_invariance.R: the demo NIM 2024 respondents
the report uses (careless rule applied), their 16 items, origin and raked weight `w`, from the processed
data of a `make report` run on the demo data. Run from the repository root:
    .venv/bin/python tests/golden/export_invariance_demo.py && Rscript tests/golden/make_golden_invariance.R
Synthetic data only (the demo world); never run on real data."""
from __future__ import annotations

from pathlib import Path

from pipeline.analysis.load import survey_design
from pipeline.settings import load_settings

settings = load_settings()
assert settings.demo, "demo data only"
design, _, _ = survey_design(settings, "nim", 2024)
items = [f"b{i:02d}" for i in range(1, 9)] + [f"a{i:02d}" for i in range(1, 9)]
d = design.data[items + ["herkomst_oud"]].assign(w=design.weights.to_numpy().round(6))
d = d.dropna(subset=["herkomst_oud"])
d.to_csv(Path(__file__).parent / "invariance_demo_data.csv", index=False, float_format="%.6g")
print(len(d), "rows")

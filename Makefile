# inclusiemonitor — the two commands a researcher needs are `make report` and `make test`.
# Everything runs inside .venv, built from requirements.lock (exact, hashed pins).

SHELL := /bin/bash
PYTHON_SYS ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-lock
KERNEL := inclusiemonitor
CONFIG ?= config/report.yaml
DEMO_DIR := data/raw/demo
DEMO_SEED ?= 20241107
export PYTHONHASHSEED := 0
export SOURCE_DATE_EPOCH := 1700000000
export MPLBACKEND := Agg
# Compiled modules cached inside the venv, also where the environment asks Python not to write them
# beside the sources (PYTHONDONTWRITEBYTECODE): otherwise every run, and every kernel, compiles the
# package anew (~0.1 s of a no-op rerun)
export PYTHONPYCACHEPREFIX := $(CURDIR)/$(VENV)/pycache
unexport PYTHONDONTWRITEBYTECODE
# Kernels are registered inside the project so papermill never picks up a machine-wide kernel.
export JUPYTER_PATH := $(CURDIR)/$(VENV)/share/jupyter
export JUPYTER_DATA_DIR := $(CURDIR)/$(VENV)/share/jupyter

.PHONY: setup report test demo-data clean-report clean-processed benchmark help lock
.DEFAULT_GOAL := help

help:
	@echo "make report   — set up, (generate demo data if no real data) and render reports/index.html"
	@echo "               (steps run in parallel: make -jN report, or JOBS=N; default all cores)"
	@echo "make test     — set up and run the test suite"
	@echo "make setup    — build .venv from requirements.lock (only when the lock changed)"
	@echo "make demo-data — write the synthetic demo inputs to $(DEMO_DIR)"
	@echo "make benchmark — time make report from clean and a no-op rerun"

setup: $(STAMP)

# Rebuilt only when the lock changes; the stamp records which lock was installed.
$(STAMP): requirements.lock
	@command -v $(PYTHON_SYS) >/dev/null || { echo "Python 3.11 not found (set PYTHON_SYS=...)"; exit 1; }
	@test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@echo "$(CURDIR)" > $$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/inclusiemonitor.pth
	$(PY) -m ipykernel install --prefix $(CURDIR)/$(VENV) --name $(KERNEL) --display-name "inclusiemonitor (.venv)" >/dev/null
	@touch $@

demo-data: $(STAMP)
	$(PY) -m pipeline.synth --out $(DEMO_DIR) --seed $(DEMO_SEED)

report: $(STAMP)
	$(PY) -m pipeline.report --config $(CONFIG) $(if $(YEAR),--year $(YEAR),) $(if $(JOBS),--jobs $(JOBS),)

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -q

benchmark: $(STAMP)
	$(PY) benchmarks/bench_report.py

clean-report:  # the published report and the release in staging (with its step states): the next run rebuilds all
	rm -rf reports/*/ reports/*.html reports/*.csv reports/*.parquet reports/*.xlsx .staging/reports .staging/reports.stappen .staging/reports.gepubliceerd.json .staging/reports.sha256.json

clean-processed:
	find data/processed -mindepth 1 ! -name .gitkeep -delete

# Re-resolve the pins from pyproject.toml (needs `pip install uv`); keeps environment.yml in step.
lock:
	uv pip compile pyproject.toml -o requirements.lock --python-version 3.11 --generate-hashes -q
	$(PY) -c "import re,pathlib; pins=[l.split(' ')[0] for l in pathlib.Path('requirements.lock').read_text().splitlines() if re.match(r'^[A-Za-z0-9_.-]+==', l)]; head=pathlib.Path('environment.yml').read_text().split('  - pip:')[0]; pathlib.Path('environment.yml').write_text(head + '  - pip:\n' + ''.join(f'      - {p}\n' for p in pins))"

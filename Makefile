# coalition-friction: set-up, run, test. Each target creates .venv (Python 3.12+) if missing
# and installs the pinned stack from requirements.lock, then the package (editable).
VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ARGS  ?=
PYTEST_ARGS ?=

.PHONY: setup run viz test lint lock validation calibrate benchmark notebooks lab clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || { py=$$(scripts/find_python.sh) && echo "creating $(VENV) with $$py" && $$py -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m sim.cli.warmup
	@touch $(STAMP)

setup: $(STAMP)

## run the default scenario (kursk_2024, baseline); extra Hydra overrides via ARGS="..."
run: setup
	$(BIN)/sim run $(ARGS)

## watch a battle in the browser (docs/viz.md): serves http://127.0.0.1:8765/; overrides via ARGS="..."
viz: setup
	$(BIN)/sim viz $(ARGS)

## run the test suite (what CI runs) on two xdist workers, 8-12 min on 2 cores (README, Tests);
## PYTEST_ARGS="..." is added after pyproject's options: PYTEST_ARGS="-n 0" runs it serially
test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

## regenerate docs/validation.md and its figures
validation: setup
	$(BIN)/python experiments/validation_report.py

## reproduce the kursk_2024 calibration
calibrate: setup
	$(BIN)/python experiments/calibrate_kursk.py

## performance targets of issue 7, one table each (see README, Performance)
benchmark: setup
	$(BIN)/python experiments/benchmark.py

## execute the analyst notebooks at full size (~30 min on 2 cores before the 2.6x faster kernels) -> outputs/notebooks/full/
notebooks: setup
	$(BIN)/python experiments/run_notebooks.py --full

## re-pin requirements.lock from pyproject.toml (in a fresh throwaway venv)
lock:
	rm -rf /tmp/cf-lock && py=$$(scripts/find_python.sh) && $$py -m venv /tmp/cf-lock && \
	/tmp/cf-lock/bin/pip install --quiet -e ".[dev,viz]" && \
	/tmp/cf-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

## open the analyst notebooks in JupyterLab (the venv's kernel)
lab: setup
	$(BIN)/jupyter lab experiments/notebooks/

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache

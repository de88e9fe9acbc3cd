# nanodds developer entry points. Each target creates .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test validate calibrate train bench bench-pop lint clean venv

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[all]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/nanodds compare examples/doxil_vs_doxorubicin_human.yaml --out out/demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks validation
	$(BIN)/pytest

validate: $(STAMP)
	$(BIN)/python -m validation.run
	$(BIN)/pytest -m "slow or not slow" tests/integration

calibrate: $(STAMP)
	$(BIN)/python -m validation.calibrate --write

train: $(STAMP)
	$(BIN)/python -m nanodds.design.train

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_release_fit.py
	@if [ -f benchmarks/bench_population.py ]; then $(BIN)/python benchmarks/bench_population.py; fi

bench-pop: $(STAMP)
	$(BIN)/python benchmarks/bench_population_rr.py 2>/dev/null

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks validation

clean:
	rm -rf $(VENV) out

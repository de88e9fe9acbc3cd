# nanodds developer entry points. Each target creates .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test validate calibrate train bench lint clean venv design-eval

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

design-eval: $(STAMP)
	mkdir -p out && $(BIN)/python -m validation.nano_tumor_eval --calibrate --json out/nano_tumor_eval.json

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks validation

clean:
	rm -rf $(VENV) out

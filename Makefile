# nanodds developer entry points. Each target creates .venv on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test validate calibrate train bench lint clean venv e2e-deps serve design-eval bench-pop sweep

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[all]"
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/nanodds compare examples/doxil_vs_doxorubicin_human.yaml --out out/demo

test: $(STAMP) e2e-deps
	$(BIN)/ruff check src tests benchmarks validation
	$(BIN)/pytest

# Headless browser of the web end-to-end test (tests/web/test_e2e_browser.py): Debian's chromium, driven by the
# playwright Python package (in the `web` extra) through its executable path. `playwright install` is never run
# (it downloads browsers). A no-op when /usr/bin/chromium exists; needs root (apt-get) otherwise.
e2e-deps: $(STAMP)
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y --no-install-recommends chromium)
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/pip install -q "playwright>=1.45"

serve: $(STAMP)
	$(BIN)/nanodds serve

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

design-eval: $(STAMP)
	mkdir -p out && $(BIN)/python -m validation.nano_tumor_eval --calibrate --json out/nano_tumor_eval.json

sweep: $(STAMP)
	mkdir -p out && $(BIN)/python -m validation.mutation_sweep all --n 100 --out out/mutation_sweep.csv

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks validation

clean:
	rm -rf $(VENV) out

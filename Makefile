# The two commands: `make reproduce` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: reproduce test check bench mutants clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

reproduce: $(VENV)/.installed
	$(BIN)/specbound reproduce $(ARGS)
	$(BIN)/specbound pair --example text --out results/pair-text --no-progress
	$(BIN)/specbound pair --example synthetic --out results/pair-synthetic --no-progress

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: $(VENV)/.installed
	$(BIN)/specbound check

# every injected bug of specbound/mutants/catalogue.py against the registry -> results/mutants.md
mutants: $(VENV)/.installed
	$(BIN)/python -m specbound.mutants --workers 2 $(ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis

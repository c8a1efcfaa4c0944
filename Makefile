# The README's commands. `make demo` and `make test` each create the virtual
# environment and install what they need first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= ./kg-store
PIP_FLAGS ?= --quiet --disable-pip-version-check

.PHONY: demo test lint format bench clean install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## demo: ingest the bundled samples into ./kg-store, draw exports/graph.html, summarise
demo: install
	$(BIN)/kg ingest data/samples --store $(STORE)
	$(BIN)/kg stats --store $(STORE)
	$(BIN)/kg viz --store $(STORE) -o exports/graph.html
	$(BIN)/kg query --store $(STORE) --file data/queries/military-aid.rq

## test: the whole suite (unit, end-to-end through the CLI, browser)
test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: every benchmark at a modest size (about 6 min on 2 cores); see bench/README.md
bench: install
	$(BIN)/python bench/extract.py --jobs 2
	$(BIN)/python bench/store.py --triples 100000
	$(BIN)/python bench/analysis.py
	$(BIN)/python bench/ingest_memory.py --articles 1000 --articles 5000 --jobs 2
	$(BIN)/python bench/infer.py --claims 20000 --repeat 3
	$(BIN)/python bench/export.py --quads 250000

clean:
	rm -rf $(STORE) exports/*.html exports/*.nq exports/*.ttl .pytest_cache

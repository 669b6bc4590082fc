# dataguard: `make demo` runs the main job, `make test` runs the tests.
# Both create the virtual environment (.venv) from pyproject.toml first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SAMPLES := data/samples/flights-2013-01.csv data/samples/flights-2013-02.parquet

.PHONY: demo test lint bench samples clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dataguard validate flights $(SAMPLES)
	$(BIN)/dataguard versions flights
	$(BIN)/dataguard gate flights

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests schemas flows data
	$(BIN)/ruff format --check src tests schemas flows data
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m tests.bench.bench_validate $(BENCH_ARGS)

samples: $(STAMP)
	$(BIN)/python data/make_samples.py

clean:
	rm -rf data/warehouse .pytest_cache .mypy_cache .ruff_cache

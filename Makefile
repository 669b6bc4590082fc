# dataguard: `make demo` runs the main job, `make test` runs the tests.
# Both create the virtual environment (.venv) from pyproject.toml first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench samples clean chromium postgresql

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

PREDICTIONS := data/warehouse/demo-predictions-v2.parquet

# The main job: validate the tables flights refers to (airlines, airports, planes), then two months
# of flights (January in-process, February as the Prefect flow dataguard-validate, which names its
# flow run and artifacts: flights naming a plane the registry lacks are quarantined as foreign_key),
# then the evaluation split (February flights in it are quarantined as leak), train the example
# model on January through the gate (hard ceiling) and run the model slice tests on February's predictions.
demo: $(STAMP)
	$(BIN)/dataguard validate airlines data/samples/airlines.csv
	$(BIN)/dataguard validate airports data/samples/airports.csv
	$(BIN)/dataguard validate planes data/samples/planes.parquet
	$(BIN)/dataguard validate flights data/samples/flights-2013-01.csv
	$(BIN)/dataguard validate flights data/samples/flights-2013-02.parquet --prefect
	$(BIN)/dataguard validate flights_eval data/samples/flights-eval-2013-03.csv
	$(BIN)/dataguard versions flights
	$(BIN)/dataguard gate flights
	$(BIN)/dataguard train flights --version 1 --max-minutes 5 -- \
	  $(BIN)/python flows/train_delay_model.py $(PREDICTIONS) \
	  "$$($(BIN)/python -c 'import dataguard; print(dataguard.open_validated("flights", 2).clean_path)')"
	$(BIN)/dataguard evaluate flights --version 2 --predictions $(PREDICTIONS)
	$(BIN)/dataguard runs flights
	$(BIN)/dataguard runs flights --affected
	@$(BIN)/dataguard users revoke demo-reviewer >/dev/null 2>&1 || true  # a new token each demo
	$(BIN)/dataguard users add demo-reviewer --role reviewer
	@echo "Review the quarantine in a browser: $(BIN)/dataguard ui"
	@echo "  then open http://127.0.0.1:8765/ and sign in with the demo-reviewer token above"
	@echo "  (the JSON API: curl -H 'Authorization: Bearer TOKEN' http://127.0.0.1:8765/api/v1/datasets)"

# The HTML report test renders in Debian's Chromium; without it that one test is skipped (and says so).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v apt-get >/dev/null 2>&1 && \
	  { command -v chromium >/dev/null 2>&1 || (apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) || \
	    echo "chromium could not be installed: the browser test will be skipped"; } || true

# The PostgreSQL tests start a throwaway server (tests/pg_server.py) from Debian's postgresql package. They are
# never skipped: when it cannot be installed they fail, saying to install it.
postgresql:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null 2>&1 && (apt-get install -y -qq postgresql >/dev/null 2>&1 || \
	    (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq postgresql >/dev/null 2>&1)); } || true

# Two workers (pytest-xdist), one per core of the 2-core machine the suite is sized for; an idle
# worker takes queued tests from a busy one (worksteal), so the one long load test does not hold others up.
TEST_WORKERS ?= 2
test: $(STAMP) chromium postgresql
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

lint: $(STAMP)
	$(BIN)/ruff check src tests schemas flows data
	$(BIN)/ruff format --check src tests schemas flows data
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m tests.bench.bench_cli $(BENCH_CLI_ARGS)
	$(BIN)/python -m tests.bench.bench_validate $(BENCH_ARGS)
	$(BIN)/python -m tests.bench.bench_catalog $(BENCH_CATALOG_ARGS)
	$(BIN)/python -m tests.bench.bench_relations $(BENCH_RELATIONS_ARGS)
	$(BIN)/python -m tests.bench.bench_near $(BENCH_NEAR_ARGS)

samples: $(STAMP)
	$(BIN)/python data/make_samples.py

clean:
	rm -rf data/warehouse .pytest_cache .mypy_cache .ruff_cache

# One entry point for people and CI. Everything installs itself on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export ALERTSVC_ENV ?= development

LINT_PATHS := alertsvc tests migrations $(wildcard bench)

.PHONY: run test lint fmt bench migrate worker demo clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

migrate: $(STAMP)
	$(BIN)/alertsvc db upgrade

demo: migrate
	$(BIN)/alertsvc demo

run: migrate
	$(BIN)/alertsvc demo
	$(BIN)/alertsvc serve --bind $${ALERTSVC_BIND:-127.0.0.1:8000}

worker: migrate
	$(BIN)/alertsvc worker

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

test: lint
	$(BIN)/pytest --cov --cov-report=term $(PYTEST_ARGS)

$(VENV)/.bench-installed: pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache .coverage

# The whole suite once per faked start time (today at 00:30, 11:00 and 23:30 UTC, one run after
# another; AT_HOURS and AT_DATE choose others): no test may depend on the hour. Needs faketime.
.PHONY: test-hours
test-hours: $(STAMP)
	tests/at_hours.sh $(PYTEST_ARGS)

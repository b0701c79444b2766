# One entry point for people and CI. Everything installs itself on first use.
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
# Two install stamps: `make run` needs only the service's own dependencies; `make test`,
# `make lint` and `make fmt` add the test tools (the `test` extra).
RUNTIME := $(VENV)/.runtime-installed
STAMP   := $(VENV)/.installed
export ALERTSVC_ENV ?= development

LINT_PATHS := alertsvc tests migrations $(wildcard bench)

.PHONY: run test lint fmt bench migrate worker demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(RUNTIME)

migrate: $(RUNTIME)
	$(BIN)/alertsvc db upgrade

demo: migrate
	$(BIN)/alertsvc demo

# `serve --demo` checks the address before anything else (a second `make run` says at once
# that the port is taken), then migrates and creates the demo family or keeps the existing one.
run: $(RUNTIME)
	$(BIN)/alertsvc serve --demo

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

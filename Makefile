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

.PHONY: run test lint fmt bench migrate worker demo clean catalogs messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(RUNTIME)

# The translation catalogs (SPEC §10): each .po compiles to the .mo the service reads. `pip
# install` does the same in its build step (setup.py); `make messages` extracts the source's
# sentences into messages.pot and merges them into every catalog for translators.
CATALOG_DIR := alertsvc/i18n/catalogs
CATALOGS_MO := $(patsubst %.po,%.mo,$(wildcard $(CATALOG_DIR)/*/LC_MESSAGES/messages.po))
EXTRACT_KEYWORDS := -k msg -k msg_n:1,2 -k t -k tn:1,2

$(CATALOG_DIR)/%/LC_MESSAGES/messages.mo: $(CATALOG_DIR)/%/LC_MESSAGES/messages.po | $(RUNTIME)
	$(BIN)/pybabel --quiet compile -i $< -o $@ -l $*

catalogs: $(CATALOGS_MO)

messages: $(RUNTIME)
	$(BIN)/pybabel --quiet extract -F babel.cfg $(EXTRACT_KEYWORDS) --no-location --sort-output \
		--project alertsvc --copyright-holder "alertsvc" -o $(CATALOG_DIR)/messages.pot .
	$(BIN)/pybabel --quiet update -i $(CATALOG_DIR)/messages.pot -d $(CATALOG_DIR) \
		--no-fuzzy-matching --ignore-obsolete

migrate: $(RUNTIME) catalogs
	$(BIN)/alertsvc db upgrade

demo: migrate
	$(BIN)/alertsvc demo

# `serve --demo` checks the address before anything else (a second `make run` says at once
# that the port is taken), then migrates and creates the demo family or keeps the existing one.
run: $(RUNTIME) catalogs
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

test: lint catalogs
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

# The two commands a new machine needs: `make run` and `make test`. Only python3 must exist.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
CHECK_DB := $(shell mktemp -u /tmp/survey-check-XXXXXX).db

.PHONY: install run test lint pytest bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Start the service on the embedded SQLite default, with demo data, at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/survey db upgrade
	$(BIN)/survey demo
	$(BIN)/survey serve

## Lint, type-check, check import boundaries and migrations, then run the whole test suite
test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	SURVEY_DATABASE_URL=sqlite:///$(CHECK_DB) $(BIN)/survey db upgrade >/dev/null
	SURVEY_DATABASE_URL=sqlite:///$(CHECK_DB) $(BIN)/survey db check
	rm -f $(CHECK_DB)*

pytest: $(STAMP)
	.ci/system-deps
	$(BIN)/python -m pytest -n 2

clean:
	rm -rf $(VENV) survey.db survey.db-*

# One command to run the site, one to run the tests. Both set up .venv themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: install, migrate, load demo data into an empty database, serve on http://127.0.0.1:8000
## Outcry runs in production mode unless told otherwise; make run asks for development (the
## development secret key, /dev/mail), which serves on loopback addresses only.
run: export OUTCRY_ENVIRONMENT ?= development
run: install
	$(BIN)/outcry db upgrade
	$(BIN)/outcry demo --if-empty
	$(BIN)/outcry serve --host $(HOST) --port $(PORT)

## make test: install and run the whole suite (set OUTCRY_TEST_DATABASE_URL for PostgreSQL)
test: install-test
	$(BIN)/pytest $(PYTEST_ARGS)

## make test-fast: the inner loop, without browsers, the PDS, live servers and clusters
test-fast: install-test
	$(BIN)/pytest -m "not browser and not pds and not slow and not live_server" $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app tests
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) outcry.db outcry.db-wal outcry.db-shm

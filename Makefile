# coachprog — `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
FLASK := $(BIN)/flask --app wsgi
TEST_POSTGRES_URL ?= $(or $(COACHPROG_TEST_POSTGRES_URL),postgresql://postgres@127.0.0.1:5432/test)
# Each pass keeps pytest's temporary folders apart when they run side by side.
# PYTEST_ARGS narrows a run, e.g. make test PYTEST_ARGS=tests/selection
PYTEST_BASETEMP = $(if $(PYTEST_TMP),--basetemp=$(PYTEST_TMP))
TEST_REDIS_URL ?= $(or $(COACHPROG_TEST_REDIS_URL),redis://127.0.0.1:6379/15)

.PHONY: run test test-sqlite test-postgres lint bench browser-deps clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	@touch $@

$(DEV_STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $(STAMP) $@

run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) rubrics load
	$(FLASK) seed
	$(FLASK) serve

# Chromium (browser tests), poppler-utils (pdftotext, certificate tests) and HarfBuzz's subsetter
# (WeasyPrint 70 warns without it, and the suite treats warnings as errors) come from Debian,
# never from a download step.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftotext ] || ! ldconfig -p | grep -q libharfbuzz-subset; then \
	  echo "Installing Debian's chromium, poppler-utils and libharfbuzz-subset0 for the browser and PDF tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium poppler-utils libharfbuzz-subset0 >/dev/null; \
	fi

# Pure modules checked strictly: every domain.py at any depth, and the pure modules beside them.
STRICT_MODULES = $(sort $(shell find coachprog -name domain.py) coachprog/roles.py coachprog/glossary.py \
  coachprog/selection/impact/demographics.py coachprog/recordings/review/sensitive.py \
  coachprog/recordings/transcription/wer.py \
  coachprog/program/levels.py)

lint: $(DEV_STAMP)
	$(BIN)/ruff check coachprog tests bench wsgi.py
	$(BIN)/mypy coachprog
	$(BIN)/mypy --strict --follow-imports=silent $(STRICT_MODULES)

# The SQLite and the PostgreSQL passes run side by side (one per core): each writes its own log
# under test-logs/, printed whole once both are done, and either failing fails `make test`.
test: $(DEV_STAMP) browser-deps lint
	@mkdir -p test-logs
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_POSTGRES_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== SQLite and PostgreSQL passes running side by side (logs in test-logs/)"; \
	  tmp=$$(mktemp -d); \
	  ( $(MAKE) --no-print-directory test-sqlite PYTEST_TMP=$$tmp/sqlite > test-logs/sqlite.log 2>&1; echo $$? > test-logs/sqlite.rc ) & \
	  ( $(MAKE) --no-print-directory test-postgres PYTEST_TMP=$$tmp/postgres > test-logs/postgres.log 2>&1; echo $$? > test-logs/postgres.rc ) & \
	  wait; \
	  cat test-logs/sqlite.log test-logs/postgres.log; \
	  echo "== SQLite pass exit $$(cat test-logs/sqlite.rc), PostgreSQL pass exit $$(cat test-logs/postgres.rc)"; \
	  [ "$$(cat test-logs/sqlite.rc)" = 0 ] && [ "$$(cat test-logs/postgres.rc)" = 0 ]; \
	else \
	  echo "== PostgreSQL at $(TEST_POSTGRES_URL) is not reachable: the PostgreSQL pass is skipped"; \
	  $(MAKE) --no-print-directory test-sqlite; \
	fi

test-sqlite: $(DEV_STAMP)
	@echo "== Test suite on SQLite (in-process job queue)"
	$(BIN)/python -m pytest $(PYTEST_BASETEMP) $(PYTEST_ARGS)

test-postgres: $(DEV_STAMP)
	@echo "== Test suite on PostgreSQL $(TEST_POSTGRES_URL)"
	@if $(BIN)/python -c "import redis; redis.Redis.from_url('$(TEST_REDIS_URL)', socket_connect_timeout=3).ping()" 2>/dev/null; then \
	  echo "== with the Redis-backed queue at $(TEST_REDIS_URL)"; \
	  COACHPROG_TEST_REDIS_URL=$(TEST_REDIS_URL) COACHPROG_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest $(PYTEST_BASETEMP) $(PYTEST_ARGS); \
	else \
	  COACHPROG_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest $(PYTEST_BASETEMP) $(PYTEST_ARGS); \
	fi

bench: $(DEV_STAMP)
	$(BIN)/python bench/import_people.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# coachprog — `make run` serves the demo, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
FLASK := $(BIN)/flask --app wsgi
TEST_POSTGRES_URL ?= $(or $(COACHPROG_TEST_POSTGRES_URL),postgresql://postgres@127.0.0.1:5432/test)
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

lint: $(DEV_STAMP)
	$(BIN)/ruff check coachprog tests bench wsgi.py
	$(BIN)/mypy coachprog
	$(BIN)/mypy --strict --follow-imports=silent coachprog/*/domain.py coachprog/selection/impact.py coachprog/selection/panel_domain.py \
	  coachprog/selection/demographics.py coachprog/recordings/sensitive.py \
	  coachprog/practicum/supervision_domain.py coachprog/audits/fidelity.py \
	  coachprog/recordings/wer.py coachprog/practicum/capstone_domain.py \
	  coachprog/practicum/triad_domain.py coachprog/certification/recert_domain.py

test: $(DEV_STAMP) browser-deps lint
	$(MAKE) --no-print-directory test-sqlite
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_POSTGRES_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else \
	  echo "== PostgreSQL at $(TEST_POSTGRES_URL) is not reachable: the PostgreSQL pass is skipped"; \
	fi

test-sqlite: $(DEV_STAMP)
	@echo "== Test suite on SQLite (in-process job queue)"
	$(BIN)/python -m pytest

test-postgres: $(DEV_STAMP)
	@echo "== Test suite on PostgreSQL $(TEST_POSTGRES_URL)"
	@if $(BIN)/python -c "import redis; redis.Redis.from_url('$(TEST_REDIS_URL)', socket_connect_timeout=3).ping()" 2>/dev/null; then \
	  echo "== with the Redis-backed queue at $(TEST_REDIS_URL)"; \
	  COACHPROG_TEST_REDIS_URL=$(TEST_REDIS_URL) COACHPROG_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest; \
	else \
	  COACHPROG_TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(BIN)/python -m pytest; \
	fi

bench: $(DEV_STAMP)
	$(BIN)/python bench/import_people.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

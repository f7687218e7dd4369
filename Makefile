# Microfactory: `make run` starts the app with demo data; `make test` runs every test. Both set up what
# they need first (Debian packages, a virtual environment in .venv, translations).
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
APT_PACKAGES := python3-venv fonts-noto-cjk chromium postgresql redis-server poppler-utils wrk
export PYTHONDONTWRITEBYTECODE := 1
export FLASK_APP := factory

.PHONY: help install system-packages run test lint translations test-sqlite test-postgres test-e2e screenshots bench clean

help:
	@echo "make run          install, migrate, load demo data if empty, serve http://127.0.0.1:5000 with a job consumer"
	@echo "make test         install, lint, every test on SQLite and PostgreSQL, browser journeys"
	@echo "make screenshots  refresh docs/screenshots/ from the browser journeys"
	@echo "make bench        print the benchmark figures"

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

install: system-packages $(STAMP) translations

translations: $(STAMP)
	@$(PY) scripts/i18n.py compile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy $$(ls factory/scheduling/*.py factory/*/domain.py factory/money.py factory/types.py 2>/dev/null)
	$(PY) scripts/i18n.py check

run: install
	@mkdir -p instance
	$(VENV)/bin/flask db upgrade
	$(VENV)/bin/flask demo seed --if-empty
	$(VENV)/bin/flask reports store
	@bash scripts/run.sh

test-sqlite: install
	$(PY) -m pytest -q -p no:cacheprovider

test-postgres: install
	@bash scripts/pg.sh run $(PY) -m pytest -q -p no:cacheprovider -m "not e2e"

test: lint test-sqlite test-postgres

screenshots: install
	SCREENSHOTS=1 $(PY) -m pytest -q -p no:cacheprovider tests/e2e

bench: install
	@set -e; for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

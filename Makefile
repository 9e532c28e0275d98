# Tremplin — developer commands. `make demo` runs the platform, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Real reference data when the shared folder is beside the project (override with TREMPLIN_DATA_DIR=...).
TREMPLIN_DATA_DIR ?= $(abspath $(wildcard ../shared/data))
export TREMPLIN_DATA_DIR
# Where `make demo` / `make serve` listen (PORT=8100 make demo); message links follow (TREMPLIN_PUBLIC_URL).
PORT ?= 8000
HOST ?= 127.0.0.1
export PORT HOST

.PHONY: install demo serve test test-sqlite quality format lock bench clean

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

demo: install
	mkdir -p var/static
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py setup_demo
	scripts/serve.sh $(PY)

serve: install
	scripts/serve.sh $(PY)

test: install
	scripts/system-deps.sh
	scripts/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

test-sqlite: install
	$(PY) -m pytest $(PYTEST_ARGS)

quality: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run -v 0
	$(PY) manage.py check

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock:
	$(PYTHON) -m venv /tmp/tremplin-lock && /tmp/tremplin-lock/bin/pip install --quiet ".[dev]" \
	  && /tmp/tremplin-lock/bin/pip freeze --exclude-editable | grep -v '^tremplin' > requirements.lock

bench: install
	scripts/system-deps.sh
	scripts/with-postgres.sh $(PY) bench/bench_import.py --data-dir $(TREMPLIN_DATA_DIR)

clean:
	rm -rf var .pytest_cache

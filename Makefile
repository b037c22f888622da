# Portail Familles: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export FLASK_APP := app
HTMX := static/vendor/htmx.min.js
ASSETS := static/dist/manifest.json
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test setup setup-test translations extract bench peak clean

## setup: Python virtualenv, front-end assets (hashed and gzipped copies in static/dist), compiled translations
setup: $(VENV)/.installed $(HTMX) $(ASSETS) translations

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(HTMX): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

# Hashed copies of the static files, served with far-future caching (assets.py); rebuilt when a source changes.
$(ASSETS): $(VENV)/.installed $(HTMX) $(shell find static -type f -not -path 'static/dist/*' 2>/dev/null)
	$(PY) assets.py

translations: $(VENV)/.installed
	@if ls translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then $(VENV)/bin/pybabel compile -f -d translations >/dev/null; fi

## run: set up, migrate, seed the demo commune (idempotent), serve on 127.0.0.1:$(PORT)
run: setup
	mkdir -p instance
	DEMO=$${DEMO:-1} $(VENV)/bin/flask db upgrade
	DEMO=$${DEMO:-1} $(VENV)/bin/flask demo seed
	DEMO=$${DEMO:-1} $(VENV)/bin/flask run --host 127.0.0.1 --port $(PORT)

## setup-test: what the browser tests need (Debian's Chromium, never a downloaded browser)
setup-test: setup
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

## test: every test (SQLite by default; PostgreSQL when TEST_DATABASE_URL is set)
test: setup-test
	$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

## translations catalogue maintenance (French is the source language)
extract: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-location --project "Portail Familles" -o translations/messages.pot .
	@if ls translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then $(VENV)/bin/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations; fi

## bench: agenda benchmark, SQLite and PostgreSQL at city scale (bench/README.md); e.g. BENCH_ARGS="--engine sqlite --quick"
bench: setup
	$(PY) bench/agenda.py $(BENCH_ARGS)

## peak: opening-day peak test, gunicorn + PostgreSQL + Redis, 1,000 parents (bench/README.md); e.g. PEAK_ARGS=--quick
peak: setup
	$(PY) bench/peak.py $(PEAK_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor static/dist

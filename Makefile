# GPS Dispatch — `make run` serves the demo, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: run setup translations migrate demo serve worker test test-sqlite test-postgres lint \
        typecheck services browser-deps bench bench-quick bench-deps clean

run: setup migrate demo serve   ## set up, migrate, load demo data, serve on 127.0.0.1:5000

setup: $(STAMP) translations

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

translations: $(STAMP)
	$(BIN)/pybabel compile -d dispatch/translations >/dev/null

migrate: setup
	DISPATCH_ENV=$${DISPATCH_ENV:-development} $(BIN)/flask --app dispatch db upgrade

demo: migrate
	DISPATCH_ENV=$${DISPATCH_ENV:-development} $(BIN)/flask --app dispatch demo

serve: setup
	DISPATCH_ENV=$${DISPATCH_ENV:-development} $(BIN)/flask --app dispatch run --host 127.0.0.1 --port 5000

test: setup browser-deps services lint typecheck test-sqlite test-postgres   ## every test, SQLite then PostgreSQL

test-sqlite: setup
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --db=sqlite

test-postgres: setup
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --db=postgresql -m "not browser"

lint: setup
	$(BIN)/ruff check .

typecheck: setup   ## mypy over the app's packages (settings in pyproject.toml)
	$(BIN)/mypy

services: setup
	$(BIN)/python scripts/check_services.py

# Debian packages: Chromium for the browser tests, a CJK font embedded in the PDFs.
browser-deps:
	@command -v chromium >/dev/null 2>&1 && [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver fonts-wqy-microhei >/dev/null; \
	  else echo "make test: install Debian's chromium and fonts-wqy-microhei packages" >&2; exit 1; fi; }

worker: setup   ## an RQ worker (needs REDIS_URL); run as many as you like
	$(BIN)/flask --app dispatch worker

# Debian's wrk drives the load test (bench/load_bench.py); without it that part is skipped.
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "make bench: install Debian's wrk package for the load test" >&2; fi; }

bench: setup bench-deps   ## every bench/*_bench.py (speed targets are measured, never asserted)
	$(BIN)/python bench/run.py

bench-quick: setup bench-deps   ## the same table on smaller data, for a quick check (under 5 minutes)
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache test-artifacts

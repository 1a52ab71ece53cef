# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint types bench load messages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.installed-load: requirements.txt requirements-load.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-load.txt
	touch $@

run: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_periodic_tasks
	$(MANAGE) load_demo --if-empty
	$(BIN)/honcho start

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy with the Django and REST framework plugins (pyproject.toml's [tool.mypy]).
types: $(VENV)/.installed-dev
	$(BIN)/mypy .

# Benchmarks: figures printed, nothing asserted (see bench/). Uses a database of its own.
# The call list runs on BENCH_TOUCHPOINTS touchpoints (default: 1,000,000 on PostgreSQL, a
# small set on SQLite); BENCH_CLIENTS and BENCH_ORDERS default to a tenth and a fifth of it.
# The tables are emptied first: the touchpoints bench deletes through the ORM, which takes
# minutes on a large data set.
BENCH_TOUCHPOINTS ?=
BENCH_CLIENTS ?=
BENCH_ORDERS ?=
BENCH_SCALE = $(if $(BENCH_TOUCHPOINTS),--touchpoints $(BENCH_TOUCHPOINTS)) \
	$(if $(BENCH_CLIENTS),--clients $(BENCH_CLIENTS)) $(if $(BENCH_ORDERS),--orders $(BENCH_ORDERS))

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.generate --clear
	$(BIN)/python -m bench.touchpoints_bench
	$(BIN)/python -m bench.calllist_bench $(BENCH_SCALE)
	$(BIN)/python -m bench.reports_bench

# The load test (bench/load.py): gunicorn on loopback, 50 managers and 50 survey clients for
# LOAD_SECONDS, in a PostgreSQL database of its own (<name>_load beside DATABASE_URL, which must
# be set). Figures printed, nothing asserted. Locust comes from requirements-load.txt.
LOAD_SECONDS ?= 60

load: $(VENV)/.installed-load
	$(BIN)/python -m bench.load --seconds $(LOAD_SECONDS)

# Regenerate the translation catalogues (needs GNU gettext; the compiled files are committed).
messages: $(VENV)/.installed
	$(MANAGE) makemessages --locale ru --no-location --ignore '.venv/*' --ignore 'var/*'
	$(MANAGE) compilemessages --locale ru --ignore '.venv/*'

clean:
	rm -rf $(VENV) var staticfiles

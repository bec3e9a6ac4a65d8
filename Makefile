# Two commands for a new user: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_WORKERS ?= 2
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: setup run test e2e lint format worker beat bench migrate demo clean

setup: $(VENV)/.installed ## venv, pinned Python packages, and the system libraries PDFs need
	@scripts/system-packages.sh

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ").")'
	@test -x $(PY) || scripts/system-packages.sh --venv-only
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@touch $@

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: demo ## set up, migrate, load the demo data and serve on http://127.0.0.1:$(PORT)
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C to stop)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: setup ## the whole suite (PostgreSQL when DATABASE_URL is set, SQLite otherwise), and how long it took
	@started=$$(date +%s); \
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	took=$$(( $$(date +%s) - started )); \
	echo "make test: $$((took / 60)) min $$((took % 60)) s ($$took s) on $$(nproc) cores, exit $$status"; \
	exit $$status

e2e: setup ## browser journeys only, in Debian's chromium
	E2E_REQUIRED=1 DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest tests/e2e $(PYTEST_ARGS)

lint: setup ## ruff, the app layers (import-linter) and types on core, services and selectors (mypy)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

worker: setup ## a Celery worker against REDIS_URL
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run a worker; without it tasks run in-process."; exit 1; }
	$(VENV)/bin/celery -A config worker --loglevel=info

beat: setup ## Celery beat against REDIS_URL
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to run beat."; exit 1; }
	$(VENV)/bin/celery -A config beat --loglevel=info

bench: setup ## benchmarks: one JSON object per line
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) bench/run.py

.PHONY: bench-load faults security backup restore

bench-load: setup ## 50 users for 60 s against gunicorn + a scratch PostgreSQL database (locust); JSON lines
	bench/load.sh

faults: setup ## fault checks (Redis down, worker killed, racing saves); prints their figures as JSON lines
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest -p no:xdist tests/faults -s $(PYTEST_ARGS)

security: setup ## ruff S/DJ rules, bandit (high severity), pip-audit (SKIPPED when its database is unreachable)
	scripts/security.sh

backup: setup ## dump the database (DATABASE_URL, else db.sqlite3) to backups/<name>-<timestamp>.*
	$(PY) scripts/backup.py backup

restore: setup ## restore one backup over the database: make restore FILE=backups/...
	@test -n "$(FILE)" || { echo "Name the backup to restore: make restore FILE=backups/<file>"; exit 1; }
	$(PY) scripts/backup.py restore "$(FILE)"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-artifacts

# Safety Ledger: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/safety_ledger
PYTEST_ARGS ?=

.PHONY: install run test test-postgres lint bench load clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==0.13.9
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip install -q -p $(BIN)/python -r requirements.lock
	touch $@

run: install
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py migrate --no-input -v 0
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py seed_demo --if-empty
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf var/safety_ledger.sqlite3* var/test-exports

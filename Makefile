# Safety Ledger: `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/safety_ledger
PYTEST_ARGS ?=
SESSIONS ?= 200000
SEED ?= 42
BENCH_DATABASES ?= sqlite postgresql

.PHONY: install system-packages run test test-postgres test-schemathesis-wide lint bench bench-ci load crash clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==0.13.9
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip install -q -p $(BIN)/python -r requirements.lock
	touch $@

# Debian packages of the browser and PDF tests: installed as root, else named (tests skip).
system-packages:
	scripts/system-packages.sh

run: install
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py migrate --no-input -v 0
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py seed_demo --if-empty
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install system-packages
	DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest $(PYTEST_ARGS)

# Schemathesis beyond the suite's fixed examples: random (seed printed), per role, bounded.
SCHEMATHESIS_WIDE_SECONDS ?= 200
test-schemathesis-wide: install
	SCHEMATHESIS_WIDE_SECONDS=$(SCHEMATHESIS_WIDE_SECONDS) $(BIN)/python -m pytest \
		tests/security/test_schemathesis.py -k wide $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.dev $(BIN)/python manage.py makemigrations --check --dry-run

# Benchmarks (docs/performance.md): data sets are generated once per size and seed, then reused.
bench: install
	$(BIN)/python -m tests.benchmarks.run --sessions $(SESSIONS) --seed $(SEED) \
		--databases $(BENCH_DATABASES) --output docs/performance.md

bench-ci: install
	$(BIN)/python -m tests.benchmarks.run --sessions 5000 --seed $(SEED) --repeat 2 \
		--writer-seconds 3 --databases $(BENCH_DATABASES) --output var/bench/report-ci.md

# Locust, 20 API users against gunicorn on PostgreSQL (not in CI; figures in docs/operations.md).
LOAD_DURATION ?= 60s
load: install
	$(BIN)/python scripts/locustfile.py --users 20 --duration $(LOAD_DURATION)

# Event filings through gunicorn while its workers are SIGKILLed; nothing acknowledged is lost.
crash: install
	$(BIN)/python scripts/crash_consistency.py

clean:
	rm -rf var/safety_ledger.sqlite3* var/test-exports

# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
# Where `make run` listens (the Procfile's gunicorn reads BIND); links in the banner and in messages follow it.
BIND ?= 127.0.0.1:8000
export BIND
export PUBLIC_BASE_URL ?= http://$(BIND)

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrate seed lock bench messages clean

help:
	@echo "make run     install, migrate, seed the demo store, start web + worker + beat on $(PUBLIC_BASE_URL)"
	@echo "make test    the whole suite (Postgres/Redis when DATABASE_URL/REDIS_URL are set)"
	@echo "make lint    ruff check + ruff format --check + mypy (django-stubs)"
	@echo "make lock    re-pin requirements*.txt from pyproject.toml"
	@echo "make bench   the benchmarks in bench/ (needs DATABASE_URL on Postgres)"

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Reinstall only when the lock file changes.
$(VENV)/.installed: requirements-dev.txt | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Starting web, worker and beat on $(PUBLIC_BASE_URL) (admin: admin / admin). Ctrl-C stops them all."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --no-prefix start 2>&1 || true

test: install
	$(BIN)/python manage.py makemigrations --check --dry-run --verbosity 1 --settings=postpurchase.settings.test
	@# pytest exits 5 when it collected no test: that is a failure here, not a pass.
	$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: $(BIN)/uv
	$(BIN)/uv pip compile --quiet --python-version 3.11 pyproject.toml -o requirements.txt
	$(BIN)/uv pip compile --quiet --python-version 3.11 pyproject.toml --extra dev -o requirements-dev.txt

bench: install
	$(BIN)/python bench/import_orders.py
	DATABASE_URL=$${DATABASE_URL%/*}/bench_outbox $(BIN)/python bench/outbox.py
	DATABASE_URL=$${DATABASE_URL%/*}/bench_tracking $(BIN)/python bench/tracking_page.py
	DATABASE_URL=$${DATABASE_URL%/*}/bench_admin $(BIN)/python bench/admin_scale.py

# Refresh the de/fr/es catalogues after changing translatable strings (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages -l de -l fr -l es --ignore=.venv --ignore=var --ignore=staticfiles --ignore=node_modules --ignore=tests --ignore=bench --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache

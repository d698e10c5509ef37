# `make run` and `make test` do all set-up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test docs bench schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/fake-smartengage serve

# The browser tests drive Debian's chromium; if it cannot be installed they fail and say so.
test: $(STAMP)
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "make test: could not install chromium: the browser tests (tests/test_ui*.py) will fail"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir build/site
	$(BIN)/python -m pytest

# The documentation site (docs/, mkdocs.yml), rebuilt on every change; beside `make run`'s port.
DOCS_ADDR ?= 127.0.0.1:8001
docs: $(STAMP)
	$(BIN)/mkdocs serve --dev-addr $(DOCS_ADDR)

# The load generator comes from Debian's packages.
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py

# After changing a table in fake_smartengage/store/models.py: the DDL the server runs.
schema: $(STAMP)
	$(BIN)/python -m fake_smartengage.store.models > fake_smartengage/store/schema.sql

clean:
	rm -rf $(VENV) dist build *.egg-info

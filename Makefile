# `make run` and `make test` do all set-up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` installs what serving needs; `make test` (and the tools) add the test tools. The test
# stamp depends on the serving one, so `make run` after `make test` installs nothing.
SERVE_STAMP := $(VENV)/.installed-serve
STAMP := $(VENV)/.installed

.PHONY: run test bench schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(SERVE_STAMP)

$(STAMP): $(SERVE_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(SERVE_STAMP)
	$(BIN)/fake-smartengage serve

# The browser tests drive Debian's chromium; if it cannot be installed they fail and say so.
test: $(STAMP)
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "make test: could not install chromium: the browser tests (tests/test_ui*.py) will fail"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# The load generator comes from Debian's packages.
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py

# After changing a table in fake_smartengage/store/models.py: the DDL the server runs.
schema: $(STAMP)
	$(BIN)/python -m fake_smartengage.store.models > fake_smartengage/store/schema.sql

clean:
	rm -rf $(VENV) dist build *.egg-info

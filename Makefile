# `make run` and `make test` do all set-up themselves on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` installs what serving needs; `make test` (and the tools) add the test tools. Both install
# the exact versions of the locks (requirements/, written by `make lock`), then the package itself with
# --no-deps. The test lock holds the serving one's versions, and the test stamp depends on the serving
# one, so `make run` after `make test` installs nothing.
SERVE_LOCK := requirements/serve.txt
TEST_LOCK := requirements/test.txt
SERVE_STAMP := $(VENV)/.installed-serve
STAMP := $(VENV)/.installed
# MkDocs 1.6 prints a banner about MkDocs 2.0 on every run unless this variable is set.
MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs

.PHONY: run test test-latest lock chromium base-image docs bench schema clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVE_STAMP): $(SERVE_LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --requirement $(SERVE_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(SERVE_STAMP)

$(STAMP): $(SERVE_STAMP) $(TEST_LOCK)
	$(BIN)/python -m pip install --quiet --requirement $(TEST_LOCK)
	touch $(STAMP)

run: $(SERVE_STAMP)
	$(BIN)/fake-smartengage serve

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(MKDOCS) build --strict --quiet --site-dir build/site
	$(BIN)/python tests/engine.py up
	$(BIN)/python -m pytest; status=$$?; $(BIN)/python tests/engine.py down; exit $$status

# The suite on the newest releases pyproject.toml allows, as a user installing today gets them: no lock,
# every dependency upgraded (eager), in a virtualenv of its own so that .venv keeps the locked versions.
LATEST := .venv-latest
test-latest: chromium
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	$(LATEST)/bin/python -m pytest

# Rewrites the locks from pyproject.toml: one resolution for every platform and every Python the
# package supports (--universal; 3.11 is the oldest), the serving lock at the test lock's versions.
# Pins that still fit are kept; `make lock LOCK_FLAGS=--upgrade` takes the newest releases instead.
LOCK_FLAGS ?=
LOCK := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --custom-compile-command "make lock" --quiet
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet --constraint $(TEST_LOCK) uv
	$(LOCK) $(LOCK_FLAGS) --extra test --output-file $(TEST_LOCK)
	$(LOCK) --constraint $(TEST_LOCK) --output-file $(SERVE_LOCK)

# The browser tests drive Debian's chromium; if it cannot be installed they fail and say so.
chromium:
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "make test: could not install chromium: the browser tests (tests/test_ui*.py) will fail"

# The container tests' engine (tests/engine.py): Debian's docker.io, docker-compose, debootstrap and podman
# installed when missing; dockerd started when no engine answers (`make test` stops it after the tests,
# and leaves alone one it found running); and the Dockerfile's base, debian:bookworm-slim, made from
# Debian's packages when no registry gives it. Where no engine can start it says so, loudly, and the
# container tests skip.
base-image: $(STAMP)
	$(BIN)/python tests/engine.py up

# The documentation site (docs/, mkdocs.yml), rebuilt on every change; on a port that neither
# `make run` (8000) nor the docs' examples (8001) use.
DOCS_ADDR ?= 127.0.0.1:8010
docs: $(STAMP)
	$(MKDOCS) serve --dev-addr $(DOCS_ADDR)

# The load generator comes from Debian's packages.
bench: $(STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python tests/engine.py up
	$(BIN)/python bench/run.py; status=$$?; $(BIN)/python tests/engine.py down; exit $$status

# After changing a table in fake_smartengage/store/models.py: the DDL the server runs. Written aside
# first: importing the store reads the file being replaced.
schema: $(STAMP)
	mkdir -p build
	$(BIN)/python -m fake_smartengage.store.models > build/schema.sql.new
	mv build/schema.sql.new fake_smartengage/store/schema.sql

clean:
	rm -rf $(VENV) $(LATEST) dist build *.egg-info

# Swagger UI and ReDoc for /docs and /redoc, which work without a network: the files the pages load,
# with their licences, from npm's packages (fake_smartengage/apidocs/assets/README.md).
SWAGGER_UI_VERSION := 5.35.0
REDOC_VERSION := 2.5.4
DOCS_ASSETS := fake_smartengage/apidocs/assets
NPM_PACKS := build/npm-packs
.PHONY: docs-assets
docs-assets:
	rm -rf $(NPM_PACKS) && mkdir -p $(NPM_PACKS)/swagger-ui $(NPM_PACKS)/redoc
	cd $(NPM_PACKS) && npm pack --silent swagger-ui-dist@$(SWAGGER_UI_VERSION) redoc@$(REDOC_VERSION) >/dev/null
	tar xzf $(NPM_PACKS)/swagger-ui-dist-$(SWAGGER_UI_VERSION).tgz -C $(NPM_PACKS)/swagger-ui --strip-components 1
	tar xzf $(NPM_PACKS)/redoc-$(REDOC_VERSION).tgz -C $(NPM_PACKS)/redoc --strip-components 1
	cd $(NPM_PACKS)/swagger-ui && cp swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css \
		favicon-32x32.png LICENSE NOTICE $(CURDIR)/$(DOCS_ASSETS)/swagger-ui/
	cd $(NPM_PACKS)/redoc && cp bundles/redoc.standalone.js bundles/redoc.standalone.js.LICENSE.txt LICENSE \
		$(CURDIR)/$(DOCS_ASSETS)/redoc/

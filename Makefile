# One set of verbs, locally and in CI. Every target installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
EVR    := $(BIN)/evroster
# Reinstall whenever pyproject.toml changes.
STAMP      := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
# Debian's Chromium, which the console's browser tests drive through Playwright (never a
# browser that Playwright downloads).
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint typecheck bench fuzz soak screenshots clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "evroster needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(STAMP)

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@ $(STAMP) $(TEST_STAMP)

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium

## run: install, migrate, load the demo operator into an empty database, serve on :8000
run: $(STAMP)
	@$(EVR) demo --credentials evroster-demo.json
	@exec $(EVR) serve

## test: lint, type-check and run the whole suite (SQLite and PostgreSQL)
test: $(TEST_STAMP) $(CHROMIUM) lint typecheck
	$(BIN)/pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

## screenshots: the console's driver and "why refused?" pages, into docs/, taken by the
## browser tests on the demo data
screenshots: $(TEST_STAMP) $(CHROMIUM)
	EVROSTER_SCREENSHOTS=docs $(BIN)/pytest --no-cov -q tests/browser -k support_desk_story

## bench: the driver document (uncached; then cached at 1,000,000 tags), OCPP Authorize
## with 1,000 and 5,000 chargers and a reconnect storm, each against a raw ASGI ceiling,
## a 100,000-row import against a bulk load, and the console's pages with 100,000 drivers
bench: $(BENCH_STAMP)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.lookup
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.ocpp --rounds 3 --storm
	$(BIN)/python -m bench.ocpp --chargers 5000 --interval 10 --storm
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.console

## fuzz: schemathesis over every operation with many examples (make test runs a few)
fuzz: $(TEST_STAMP)
	EVROSTER_FUZZ_EXAMPLES=$${EVROSTER_FUZZ_EXAMPLES:-200} $(BIN)/pytest --no-cov -s \
		tests/e2e/test_fuzz_api.py tests/e2e/test_fuzz_ocpp.py

## soak: 10 minutes of REST reads and writes plus 500 OCPP chargers; 0 errors, <10 % memory growth
soak: $(TEST_STAMP)
	$(BIN)/python -m bench.soak --minutes $${SOAK_MINUTES:-10} --chargers 500

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

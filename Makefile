# The two commands: `make run` and `make test`. Everything installs into .venv from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test install install-runtime install-test lint validate clean bench load

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Two installs, one per command: `make run` needs the runtime only (the package, no extras);
# `make test` adds the test extra and the programs the tests drive. Each is done once (a stamp
# file), again when pyproject.toml changes.
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# APT: install Debian packages $(1) unless the file $(2) exists (as root, or through sudo).
APT = test -e $(2) || { apt-get update -qq && apt-get install -y -qq $(1); } \
	|| { sudo apt-get update -qq && sudo apt-get install -y -qq $(1); }

install-runtime: $(VENV)/.runtime

install-test: $(VENV)/.test
# The live-server tests check headers with curl, as consumers do.
	@$(call APT,curl,/usr/bin/curl)
# The browser tests (tests/pages/test_e2e_browser.py) drive Debian's Chromium through Playwright.
	@$(call APT,chromium,/usr/bin/chromium)
# The static export is checked against the live app through Debian's nginx (test_export_site).
	@$(call APT,nginx-light,/usr/sbin/nginx)
# The remote-store tests (tests/store/test_remote_conformance.py, test_loader.py) run Debian's Virtuoso.
	@$(call APT,virtuoso-opensource,/usr/bin/virtuoso-t)
# The benchmark's load scripts (bench/wrk.py) are checked with Debian's wrk (test_bench_wrk.py).
	@$(call APT,wrk,/usr/bin/wrk)
# Real clients (tests/system/test_real_clients.py): Debian's raptor (rapper) and rasqal (roqet), and
# Comunica from npm, installed from tests/clients/package-lock.json into tests/clients/.
	@$(call APT,raptor2-utils,/usr/bin/rapper)
	@$(call APT,rasqal-utils,/usr/bin/roqet)
	@{ command -v node && command -v npm; } >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm; }
	@test -d tests/clients/node_modules || npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error

# Everything: the runtime and what the tests need.
install: install-runtime install-test

validate: install-runtime
	$(BIN)/ictkg validate

run: validate
	$(BIN)/ictkg serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Four processes (much of a test's time is spent waiting on servers it started), each running
# whole test files (or test classes) in order, the longest first (tests/conftest.py); TEST_ARGS
# adds options, e.g. TEST_ARGS="-p no:randomly". Byte code is cached even where the environment
# says not to (PYTHONDONTWRITEBYTECODE): each process would compile the tests and server/ again.
TEST_ARGS ?=
test: lint
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n 4 --dist loadscope --no-loadscope-reorder $(TEST_ARGS)

# The benchmark (BENCHMARKS.md), not part of `make test`: peers side by side on synthetic data.
# SCALES="1e3 1e5 1e6 1e7" adds the largest scale and the on-disk store; ROUNDS, SECONDS too;
# BENCH_ARGS="--nginx-max-scale 1e5" more options of `python -m bench.run --help`.
SCALES  ?= 1e3 1e5 1e6
ROUNDS  ?= 3
SECONDS ?= 4
BENCH_ARGS ?=
# install-test brings wrk, nginx (the static export, the balancer in front of two fronts) and
# Virtuoso (the front's overhead in front of it: bench/streams.py).
bench: install-test
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.run --scales "$(SCALES)" --rounds $(ROUNDS) --seconds $(SECONDS) $(BENCH_ARGS)
	$(BIN)/python -m bench.figures prefork
	$(BIN)/python -m bench.reload
	$(BIN)/python bench/validate_speed.py
	$(BIN)/python -m bench.iri_mapping --scales "1e3 1e5"
# The search index (server/pages/search_index.py): build and query time per scale.
	$(BIN)/python -m bench.search_cost $(SCALES) --rounds $(ROUNDS)
# Page weight and first render of every page type in Chromium (the budgets of issue 13).
	$(BIN)/python -m bench.page_weight --rounds $(ROUNDS)

# The 60 s load test of issue 6 (`make test` runs the same test for 3 s): figures in
# test-artifacts/, then the latency and memory figures against their targets (bench/figures.py).
LOAD_SECONDS ?= 60
load: install-test
	ICTKG_LOAD_SECONDS=$(LOAD_SECONDS) $(BIN)/python -m pytest -s -p no:randomly -o timeout=600 \
		tests/serving/test_load.py
	$(BIN)/python -m bench.figures load --seconds $(LOAD_SECONDS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info

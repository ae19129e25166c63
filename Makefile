# The two commands: `make run` and `make test`. Everything installs into .venv from nothing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 127.0.0.1

.PHONY: run test install lint validate clean bench load

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The live-server tests check headers with curl, as consumers do: install it if it is missing.
install: $(VENV)/.installed
	@command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq curl; }
# The browser tests (tests/test_e2e_browser.py) drive Debian's Chromium through Playwright.
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq chromium; }
# The static export is checked against the live app through Debian's nginx (test_export_site).
	@test -x /usr/sbin/nginx || { apt-get update -qq && apt-get install -y -qq nginx-light; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq nginx-light; }
# Real clients (tests/test_real_clients.py): Debian's raptor (rapper) and rasqal (roqet), and
# Comunica from npm, installed from tests/clients/package-lock.json into tests/clients/.
	@command -v rapper >/dev/null || { apt-get update -qq && apt-get install -y -qq raptor2-utils; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq raptor2-utils; }
	@command -v roqet >/dev/null || { apt-get update -qq && apt-get install -y -qq rasqal-utils; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq rasqal-utils; }
	@{ command -v node && command -v npm; } >/dev/null || { apt-get update -qq && apt-get install -y -qq nodejs npm; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm; }
	@test -d tests/clients/node_modules || npm ci --prefix tests/clients --no-audit --no-fund --loglevel=error

validate: install
	$(BIN)/ictkg validate

run: validate
	$(BIN)/ictkg serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

# The benchmark (BENCHMARKS.md), not part of `make test`: peers side by side on synthetic data.
# SCALES="1e3 1e5 1e6 1e7" adds the largest scale and the on-disk store; ROUNDS, SECONDS too;
# BENCH_ARGS="--nginx-max-scale 1e5" more options of `python -m bench.run --help`.
SCALES  ?= 1e3 1e5 1e6
ROUNDS  ?= 3
SECONDS ?= 4
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq wrk; }
# nginx: the static export, and the balancer in front of two fronts (bench/streams.py).
	@test -x /usr/sbin/nginx || { apt-get update -qq && apt-get install -y -qq nginx-light; } \
		|| { sudo apt-get update -qq && sudo apt-get install -y -qq nginx-light; }
	$(BIN)/python -m bench.run --scales "$(SCALES)" --rounds $(ROUNDS) --seconds $(SECONDS) $(BENCH_ARGS)
	$(BIN)/python -m bench.iri_mapping --scales "1e3 1e5"

# The 60 s load test of issue 6 (CI runs the same test for 10 s): figures in test-artifacts/.
LOAD_SECONDS ?= 60
load: install
	ICTKG_LOAD_SECONDS=$(LOAD_SECONDS) $(BIN)/python -m pytest -s -o timeout=600 tests/test_load.py
	@cat test-artifacts/load-*-$(LOAD_SECONDS)s*.json

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info

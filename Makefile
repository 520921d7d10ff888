# Two entry points (see README): `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# A second environment with the core dependencies only (`pip install .`, no extras): it proves
# the CLI verbs run without the app stack. Kept between runs; rebuilt when pyproject.toml changes.
CORE_VENV  := .venv-core
CORE_STAMP := $(CORE_VENV)/.installed-stamp

.PHONY: run demo app bytecode test test-core lint bench system-deps

run: demo app

demo: bytecode
	$(BIN)/hotspots demo

# The default view (bundled data + its analysis) is computed before the server starts and
# kept on disk keyed by the data's and the code's hash, so the first visitor waits for none of it.
app: bytecode
	$(BIN)/python -m hotspots.dashboard.startup
	$(BIN)/streamlit run serve.py --browser.gatherUsageStats false

test: $(STAMP) system-deps lint test-core
	$(BIN)/python -m pytest

# analyze, publish and plan on a small seeded file, in the core-only environment.
test-core: $(CORE_STAMP)
	$(CORE_VENV)/bin/python scripts/core_smoke.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts app.py views
	$(BIN)/ruff format --check src tests bench scripts app.py views
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The package's own bytecode, compiled ahead as an install does (the editable install leaves src/
# to Python, which writes no bytecode when PYTHONDONTWRITEBYTECODE is set: every command would
# compile every module again). Up-to-date files are skipped.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q src views

# The virtualenv with the project and its app/dev extras (uv from PyPI: fast, offline-safe after install).
$(STAMP): pyproject.toml
	$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	test -x $(BIN)/python || $(PYTHON) -m uv venv --quiet --python $(PYTHON) $(VENV)
	$(PYTHON) -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -e ".[app,dev]"
	touch $(STAMP)

$(CORE_STAMP): pyproject.toml
	$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	test -x $(CORE_VENV)/bin/python || $(PYTHON) -m uv venv --quiet --python $(PYTHON) $(CORE_VENV)
	$(PYTHON) -m uv pip install --quiet --compile-bytecode --python $(CORE_VENV)/bin/python -e .
	touch $(CORE_STAMP)

# Debian's Chromium for the real-browser tests (Playwright drives /usr/bin/chromium; never a Playwright browser download).
# PostgreSQL 15 + PostGIS 3 for the database-source tests (a throwaway server per test run).
SYSTEM_PACKAGES := chromium postgresql postgresql-15-postgis-3
system-deps:
	@{ command -v chromium >/dev/null 2>&1 && test -x /usr/lib/postgresql/15/bin/postgres \
	  && test -f /usr/share/postgresql/15/extension/postgis.control; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES) >/dev/null; }

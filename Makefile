# The README's two commands: `make reports` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     := data/crm.duckdb
# The tests run on a small demo of their own, so that a user's data/ never changes their result.
TEST_DATA := .test-data
TEST_DB   := $(TEST_DATA)/crm.duckdb
DEMO_SRC  := $(wildcard crmlib/demo/*.py) crmlib/data/schema.py crmlib/data/store.py

.PHONY: reports test demo system-deps system-deps-reports nbval-outputs lint notebooks-sync clean

# Create the venv if missing and (re)install when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test,lab,dashboard,spark]'
	touch $(STAMP)

$(DB): | $(STAMP)
	$(BIN)/crm demo --out $(DB)

demo: $(DB)

$(TEST_DB): $(DEMO_SRC) | $(STAMP)
	$(BIN)/crm demo --scale 20000 --seed 0 --out $(TEST_DB) --quiet

# Weekly reports for every team in params/teams/ on the embedded database (the demo unless you
# imported your own data): reports/<run>/index.html, and reports/latest.
reports: $(STAMP) system-deps-reports $(DB)
	$(BIN)/crm report

# Debian packages: fonts for Chinese charts (reports); plus a PostgreSQL server (tests).
# Each installs only what is missing, without asking.
system-deps-reports:
	bash scripts/system-deps.sh reports

system-deps:
	bash scripts/system-deps.sh test

# Lint first (ruff, with numpydoc rules on crmlib), then the tests, notebooks and doctests.
test: $(STAMP) system-deps $(TEST_DB)
	$(MAKE) lint
	CRM_DATA_DIR=$(TEST_DATA) $(BIN)/python -m pytest --nbval-lax --nbval-current-env --doctest-modules tests notebooks crmlib

# After changing a notebook or the demo generator: store the outputs nbval checks.
nbval-outputs: $(STAMP) $(TEST_DB)
	CRM_DATA_DIR=$(TEST_DATA) $(BIN)/python scripts/nbval_outputs.py

lint: $(STAMP)
	$(BIN)/ruff check crmlib tests benchmarks scripts

# After editing a notebook (or its .py twin): pair every notebooks/**/*.ipynb with a py:percent
# file beside it and bring each pair in sync (tests/test_notebook_pairs.py checks they are).
notebooks-sync: $(STAMP)
	$(BIN)/python scripts/pair_notebooks.py

clean:
	rm -rf $(VENV) data reports $(TEST_DATA) .pytest_cache

# The Voila dashboards (notebooks/dashboards/) on http://127.0.0.1:8866, on the embedded database.
.PHONY: dashboard
dashboard: $(STAMP) system-deps-reports $(DB)
	$(BIN)/crm dashboard

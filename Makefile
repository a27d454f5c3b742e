# The README's two commands: `make reports` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     := data/crm.duckdb

.PHONY: reports test demo system-deps lint clean

# Create the venv if missing and (re)install when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test,lab]'
	touch $(STAMP)

$(DB): | $(STAMP)
	$(BIN)/crm demo --out $(DB)

demo: $(DB)

# Weekly reports on the embedded demo data (the report runner comes with the pipeline issue;
# until then this builds the demo database and prints its summary).
reports: $(STAMP) $(DB)
	$(BIN)/crm info $(DB)

# Debian packages the tests need (PostgreSQL server, ...); installs only what is missing.
system-deps:
	bash scripts/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check crmlib tests benchmarks

clean:
	rm -rf $(VENV) data reports .pytest_cache

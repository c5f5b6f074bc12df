# composable_cdp — the two commands of the README are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DBT := $(BIN)/dbt

# Demo: 10,000 people, written to data/raw, built into ./cdp.duckdb.
DEMO_CUSTOMERS ?= 10000
DEMO_SEED ?= 42

# Test suite: a smaller generated population in its own folder and database,
# so `make test` never touches the demo warehouse.
TEST_DIR := target/ci
TEST_CUSTOMERS ?= 3000
TEST_SEED ?= 7
TEST_ENV := CDP_RAW_PATH=$(CURDIR)/$(TEST_DIR)/raw CDP_DUCKDB_PATH=$(CURDIR)/$(TEST_DIR)/cdp.duckdb

.PHONY: help install emulator demo test lint lint-sql lint-py dbt-test pytest clean

help:
	@echo "make demo   create .venv, install, generate demo data, dbt build on DuckDB, print a summary"
	@echo "make test   install, then the whole suite: ruff, dbt build (models + tests + unit tests),"
	@echo "            sqlfluff, pytest"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

profiles.yml:
	cp profiles.yml.example profiles.yml

install: $(STAMP) | profiles.yml

# Layer 2 of the BigQuery check: a local BigQuery REST emulator in its own venv (it pins
# another DuckDB). If it cannot be installed, its tests skip and say why.
EMULATOR_VENV := target/bq_emulator/venv
EMULATOR_PIN := crucible-emulator[server]==0.1.0a2
$(EMULATOR_VENV)/.installed:
	$(PYTHON) -m venv $(EMULATOR_VENV)
	$(EMULATOR_VENV)/bin/pip install --quiet '$(EMULATOR_PIN)' \
	  && touch $@ \
	  || echo "BigQuery emulator not installed: its tests will be skipped"

emulator: $(EMULATOR_VENV)/.installed

demo: install
	$(BIN)/cdp generate --customers $(DEMO_CUSTOMERS) --seed $(DEMO_SEED) --out data/raw
	$(DBT) build
	$(BIN)/cdp summary --db cdp.duckdb

test: install emulator lint-py
	rm -rf $(TEST_DIR)
	$(BIN)/cdp generate --customers $(TEST_CUSTOMERS) --seed $(TEST_SEED) --out $(TEST_DIR)/raw
	$(TEST_ENV) $(DBT) build --target-path $(TEST_DIR)/dbt_target
	$(TEST_ENV) $(MAKE) --no-print-directory lint-sql
	$(TEST_ENV) CDP_TEST_DATA=$(CURDIR)/$(TEST_DIR) $(BIN)/pytest -n 2 --dist loadfile

lint: lint-py lint-sql

lint-py: install
	$(BIN)/ruff check cdp tests python_models
	$(BIN)/ruff format --check cdp tests python_models

lint-sql: install
	$(BIN)/sqlfluff lint models analyses --processes 2

clean:
	rm -rf target logs cdp.duckdb data

# Every target creates and uses .venv/ in the repo root; `make test` and `make demo` are the
# two commands a fresh machine needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SRC    := producer worker feel cli adapters emulator ops bench tests

.PHONY: install test unit functional integration emulator lint fmt demo schema bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## test: lint, type-check and the whole suite (unit + integration on real processes)
test: $(STAMP) lint
	$(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit tests/feel

## functional: the runner and poller in process, against a real redis-server and moto S3
functional: $(STAMP)
	$(BIN)/python -m pytest tests/functional

integration: $(STAMP)
	$(BIN)/python -m pytest -m integration

## emulator: the SageMaker emulator's own tests (its built-in S3 checked against moto's)
emulator: $(STAMP)
	$(BIN)/python -m pytest -m emulator

lint: $(STAMP)
	$(BIN)/ruff check $(SRC)
	$(BIN)/ruff format --check $(SRC)
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix $(SRC)
	$(BIN)/ruff format $(SRC)

## demo: Redis (or the embedded one), the emulator, two workers and Flower, with sample jobs
demo: $(STAMP)
	$(BIN)/python -m ops.demo

## bench: the benchmark suite (QUICK=1: a small version); table on stdout, .bench/latest.json
bench: $(STAMP)
	$(BIN)/python -m bench $(if $(QUICK),--quick,)

## schema: regenerate the published JSON Schemas and the README's settings table
schema: $(STAMP)
	$(BIN)/python -m ops.docs

clean:
	rm -rf $(VENV) .demo .bench .pytest_cache .mypy_cache .ruff_cache

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

.PHONY: lock ops

## lock: pin the image's dependencies, with hashes, from pyproject.toml (+ its `ops` extra)
## and ops/requirements.in; tests/ops/test_lock.py fails when the lock no longer matches.
LOCK_FILE ?= ops/requirements.lock
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml ops/requirements.in --extra ops --quiet \
	  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes \
	  --custom-compile-command "make lock" -o $(LOCK_FILE)

## ops: the deployment checks — compose, Dockerfile, lock, Kubernetes, Prometheus rules
ops: $(STAMP)
	$(BIN)/python -m pytest tests/ops

.PHONY: compose-env

## compose-env: .env for docker compose from .env.example, both passwords random (never overwrites)
compose-env:
	@test ! -e .env || { echo ".env exists; not overwriting it" >&2; exit 1; }
	@$(PYTHON) -c 'import pathlib, secrets; \
	  t = pathlib.Path(".env.example").read_text(); \
	  t = t.replace("\nREDIS_PASSWORD=\n", "\nREDIS_PASSWORD=" + secrets.token_hex(24) + "\n"); \
	  t = t.replace("\nFLOWER_BASIC_AUTH=\n", "\nFLOWER_BASIC_AUTH=admin:" + secrets.token_hex(12) + "\n"); \
	  p = pathlib.Path(".env"); p.touch(mode=0o600); p.write_text(t)'
	@echo "wrote .env (mode 600): Flower's login and Redis' password are in it"

# Two commands matter: `make run` and `make test`. Both set everything up on a fresh
# machine with Python 3.11 and make. Installs go through constraints.txt (torch 2.13.0).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet -c constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-gpu lint install dev system-deps bench clean vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

## Start the app on http://$(HOST):$(PORT) with the embedded samples (no internet needed).
run: install
	$(BIN)/cnn-playground serve --host $(HOST) --port $(PORT)

## Debian's chromium for browser tests (and docker-compose to validate the compose file).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v docker-compose >/dev/null 2>&1 || missing="$$missing docker-compose"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing (install them with your package manager)" >&2; \
	    command -v chromium >/dev/null 2>&1 || exit 1; \
	  fi; \
	fi

lint: dev
	$(BIN)/ruff check server tests bench
	$(BIN)/mypy

## Every test, browser tests included (they need chromium: installed above when root).
test: dev system-deps lint
	$(BIN)/pytest

bench: dev
	$(BIN)/python bench/kernels.py
	$(BIN)/python bench/training.py
	$(BIN)/python bench/predict.py
	$(BIN)/python bench/fanout.py

## Refresh the vendored front-end files from the npm registry (versions pinned in
## web/package.json); commit the result. Needs node and npm; `make run` does not.
## --ignore-scripts: only files are copied (and no install-time telemetry runs).
NPM := web/node_modules
VENDOR := web/static/vendor
vendor:
	cd web && npm install --no-save --no-package-lock --ignore-scripts
	mkdir -p $(VENDOR)/swagger-ui $(VENDOR)/uplot
	cd $(NPM)/swagger-ui-dist && cp swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE \
	  ../../../$(VENDOR)/swagger-ui/
	cd $(NPM)/uplot && cp dist/uPlot.esm.js dist/uPlot.min.css LICENSE ../../../$(VENDOR)/uplot/

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## The CUDA tests (on a machine with an NVIDIA GPU and the CUDA build of torch).
test-gpu: dev
	$(BIN)/pytest -m gpu

# Two commands matter: `make run` and `make test`. Both set everything up on a fresh
# machine with Python 3.11 and make. Every Python package comes from a lock in
# requirements/ (exact versions and hashes, written by `make lock`); see requirements/README.md.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# TORCH_BUILD=cuda installs PyTorch's CUDA build of the same torch version (requirements/cuda*.txt).
TORCH_BUILD ?= cpu
LOCK := requirements/$(TORCH_BUILD).txt
DEV_LOCK := requirements/$(TORCH_BUILD)-dev.txt
# The CPU build of torch is not on PyPI. pip takes it from a folder of wheels that pip is
# already configured with when that folder holds it (asked offline, in a second), else from
# PyTorch's CPU index. The hashes in the lock are checked either way.
TORCH_CPU_LINKS ?= https://download.pytorch.org/whl/cpu/torch/
TORCH_PIN = $(shell sed -n 's/^\(torch==[^ ]*\).*/\1/p' $(LOCK))
TORCH_SOURCE = $(if $(filter cpu,$(TORCH_BUILD)),$(shell $(BIN)/python -m pip install --dry-run \
  --quiet --no-index --no-deps '$(TORCH_PIN)' >/dev/null 2>&1 || echo --find-links $(TORCH_CPU_LINKS)))
SYNC = $(BIN)/python -m pip install --quiet --require-hashes --no-deps $(TORCH_SOURCE) -r
PROJECT = $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .

.PHONY: run test test-js test-gpu lint lint-js install dev system-deps node-deps bench clean vendor lock outdated messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-$(TORCH_BUILD): $(LOCK) pyproject.toml | $(BIN)/python
	$(SYNC) $(LOCK)
	$(PROJECT)
	rm -f $(VENV)/.installed-* $(VENV)/.dev-installed-*
	touch $@

$(VENV)/.dev-installed-$(TORCH_BUILD): $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(SYNC) $(DEV_LOCK)
	$(PROJECT)
	rm -f $(VENV)/.installed-* $(VENV)/.dev-installed-*
	touch $@ $(VENV)/.installed-$(TORCH_BUILD)

$(VENV)/.tools-installed: requirements/tools.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/tools.txt
	touch $@

install: $(VENV)/.installed-$(TORCH_BUILD)

dev: $(VENV)/.dev-installed-$(TORCH_BUILD)

## Start the app on http://$(HOST):$(PORT) with the embedded samples (no internet needed).
run: install
	$(BIN)/cnn-playground serve --host $(HOST) --port $(PORT)

## Debian's chromium for browser tests, redis-server for the scale-out tests (started by a
## fixture on 127.0.0.1), docker-compose to validate the compose file and nginx to check
## deploy/nginx.conf (`nginx -t`, and a test runs it on a loopback port; Debian's package
## starts its own service where services may start: `systemctl disable --now nginx` then).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v docker-compose >/dev/null 2>&1 || missing="$$missing docker-compose"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing (install them with your package manager)" >&2; \
	    command -v chromium >/dev/null 2>&1 || exit 1; \
	  fi; \
	fi

## Debian's node and npm for the front end's linter and unit tests (installed when missing
## and root, as chromium above).
node-deps:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing nodejs npm with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else \
	    echo "missing: node and npm (install them with your package manager)" >&2; exit 1; \
	  fi; \
	fi

## ESLint and its plugins, exactly as web/package-lock.json pins them (no install scripts run).
web/node_modules/.installed: web/package.json web/package-lock.json | node-deps
	cd web && npm ci --ignore-scripts
	touch $@

lint-js: web/node_modules/.installed
	cd web && node_modules/.bin/eslint .

lint: dev lint-js
	$(BIN)/ruff check server tests bench
	$(BIN)/mypy

## The front end's pure modules (state, formatting, colour maps, frame decoding) with Node's
## own test runner: web/tests/*.test.js.
test-js: node-deps
	cd web && node --test tests/*.test.js

## Every test, browser tests included (they need chromium: installed above when root).
test: dev system-deps lint test-js
	$(BIN)/pytest

bench: dev
	$(BIN)/python bench/kernels.py
	$(BIN)/python bench/training.py
	$(BIN)/python bench/predict.py
	$(BIN)/python bench/fanout.py

## Extract every text to translate into server/i18n/messages.pot and bring each language's
## .po up to date: new texts added empty, changed ones marked fuzzy (docs/translating.md).
messages: dev
	$(BIN)/python -m server.i18n.extract

## Rewrite every lock in requirements/ from pyproject.toml (needs the package registries).
## LOCK_TORCH_LINKS=/folder/of/wheels locks the CPU torch from a local folder (by default: a
## folder pip is configured with that holds it, else PyTorch's CPU index).
lock: $(VENV)/.tools-installed
	UV=$(BIN)/uv PYTHON=$(BIN)/python TORCH_CPU_LINKS=$(LOCK_TORCH_LINKS) tools/lock.sh

## The locked packages that have newer releases. Upgrading is a decision: raise the range in
## pyproject.toml (or requirements/torch.txt) if needed, `make lock`, `make test`, commit.
outdated: dev $(VENV)/.tools-installed
	$(BIN)/uv pip list --outdated --python $(BIN)/python

## Refresh the vendored front-end files from the npm registry (versions pinned in
## web/package.json and web/package-lock.json); commit the result. Needs node and npm; `make run` does not.
## --ignore-scripts: only files are copied (and no install-time telemetry runs).
NPM := web/node_modules
VENDOR := web/static/vendor
vendor:
	cd web && npm ci --ignore-scripts
	mkdir -p $(VENDOR)/swagger-ui $(VENDOR)/uplot
	cd $(NPM)/swagger-ui-dist && cp swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE \
	  ../../../$(VENDOR)/swagger-ui/
	cd $(NPM)/uplot && cp dist/uPlot.esm.js dist/uPlot.min.css LICENSE ../../../$(VENDOR)/uplot/

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## The CUDA tests (on a machine with an NVIDIA GPU and the CUDA build of torch).
test-gpu: dev
	$(BIN)/pytest -m gpu

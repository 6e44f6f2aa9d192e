# conform405 — every target sets up what it needs first.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
# What is installed is pinned by constraints/*.txt (written by `make lock`); a stamp per environment
# records what .venv holds. The test environment includes the core one, the bench one the test one.
CORE_STAMP  := $(VENV)/.installed-core
STAMP       := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench
BOOTSTRAP   := PY=$(PY) VENV=$(VENV) sh scripts/bootstrap.sh
PYTEST_ARGS ?=
# make lock: uv, installed into .venv for this target only, resolves pyproject.toml for every Python
# >= 3.11 on every platform (--universal). Existing pins are kept where they still fit;
# `make lock UPGRADE=1` moves every pin to the newest release the bounds allow.
UV_SPEC ?= uv==0.13.9
UPGRADE ?=
LOCK    := $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --custom-compile-command 'make lock' -q $(if $(UPGRADE),--upgrade)

.PHONY: install demo test test-latest bench lock plan clean docs dist realworld

$(CORE_STAMP): pyproject.toml scripts/bootstrap.sh constraints/core.txt
	@$(BOOTSTRAP) . constraints/core.txt
	@touch $(CORE_STAMP)

$(STAMP): pyproject.toml scripts/bootstrap.sh constraints/test.txt
	@$(BOOTSTRAP) '.[test]' constraints/test.txt
	@touch $(CORE_STAMP) $(STAMP)

$(BENCH_STAMP): pyproject.toml scripts/bootstrap.sh constraints/bench.txt
	@$(BOOTSTRAP) '.[test,bench]' constraints/bench.txt
	@touch $(CORE_STAMP) $(STAMP) $(BENCH_STAMP)

install: $(STAMP)

## demo: start the shipped demo API on 127.0.0.1, run conform405 against it, stop it (core dependencies only)
demo: $(CORE_STAMP)
	@$(BIN)/python -m checker.demo

## test: the whole suite (real servers on 127.0.0.1 started by the tests), at the locked versions
test: $(STAMP)
	@$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$rc

## test-latest: the same suite in .venv-latest with the newest releases of every dependency (no lock)
test-latest:
	@PY=$(PY) VENV=.venv-latest sh scripts/bootstrap.sh '.[test]' --latest
	@.venv-latest/bin/python -m pytest -n 2 -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$rc

## lock: rewrite constraints/{test,core,bench}.txt from pyproject.toml (UPGRADE=1: newest releases)
lock: $(CORE_STAMP)
	@$(BIN)/python -m pip install -q '$(UV_SPEC)'
	@$(LOCK) --extra test -o constraints/test.txt
	@$(LOCK) -c constraints/test.txt -o constraints/core.txt
	@$(LOCK) --extra test --extra bench -c constraints/test.txt -o constraints/bench.txt
	@echo "lock: constraints/*.txt rewritten; run make test, then commit them"

## bench: start-up, load/plan figures and the probe benchmark (ratios side by side)
bench: $(BENCH_STAMP)
	@$(BIN)/python -m benchmarks

## docs: regenerate docs/rules.md from the rule registry and the README's run --help block
docs: $(STAMP)
	@$(BIN)/python -m checker.rules.catalogue > docs/rules.md
	@$(BIN)/python scripts/readme_cli.py

## dist: the sdist and the wheel in dist/ (what tests/test_packaging.py installs)
dist: $(STAMP)
	@$(BIN)/python -m build --outdir dist .

## realworld: conform405 against real open-source servers that ship their own OpenAPI document
## (jupyter_server, jupyverse, kinto, httpbin, connexion, prism, loopback, label_studio, chroma, airflow, prefect), each
## installed from pinned versions into
## .realworld/ and started on 127.0.0.1; not part of `make test` (minutes, and it needs PyPI and npm).
## RW_SERVERS="httpbin prism" picks some (prefect-httptools, not run by default: prefect parsed by httptools),
## RW_ALLOW_WRITES=1 adds --allow-writes (reports as .realworld/<name>.allow-writes.*).
## Findings checked by hand: docs/realworld.md.
realworld: $(STAMP)
	@PYTHON=$(BIN)/python sh scripts/realworld/run_all.sh

clean:
	rm -rf $(VENV) .venv-latest build dist *.egg-info

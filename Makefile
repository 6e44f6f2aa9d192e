# conform405 — every target sets up what it needs first.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-test
PYTEST_ARGS ?=

.PHONY: install demo test bench plan clean docs realworld

$(STAMP): pyproject.toml scripts/bootstrap.sh
	@PY=$(PY) VENV=$(VENV) sh scripts/bootstrap.sh '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## demo: start the shipped demo API on 127.0.0.1, run conform405 against it, stop it
demo: $(STAMP)
	@$(BIN)/python -m checker.demo

## test: the whole suite (real servers on 127.0.0.1 started by the tests)
test: $(STAMP)
	@$(BIN)/python -m pytest -n 2 -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$rc

## bench: load/plan figures and the probe benchmark (ratios side by side)
bench: $(STAMP)
	@PY=$(PY) VENV=$(VENV) sh scripts/bootstrap.sh '.[test,bench]'
	@$(BIN)/python -m benchmarks

## docs: regenerate docs/rules.md from the rule registry and the README's run --help block
docs: $(STAMP)
	@$(BIN)/python -m checker.rules.catalogue > docs/rules.md
	@$(BIN)/python scripts/readme_cli.py

## realworld: conform405 against real open-source servers that ship their own OpenAPI document
## (jupyter_server, jupyverse, kinto, httpbin, connexion, prism, prefect), each installed from pinned versions into
## .realworld/ and started on 127.0.0.1; not part of `make test` (minutes, and it needs PyPI and npm).
## RW_SERVERS="httpbin prism" picks some. Findings checked by hand: docs/realworld.md.
realworld: $(STAMP)
	@PYTHON=$(BIN)/python sh scripts/realworld/run_all.sh

clean:
	rm -rf $(VENV) build *.egg-info

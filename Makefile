# conform405 — every target sets up what it needs first.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-test
PYTEST_ARGS ?=

.PHONY: install demo test bench plan clean docs dist

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

## dist: the sdist and the wheel in dist/ (what tests/test_packaging.py installs)
dist: $(STAMP)
	@$(BIN)/python -m build --outdir dist .

clean:
	rm -rf $(VENV) build dist *.egg-info

#!/bin/sh
# Creates the project's virtual environment and installs the project with the given extras,
# at the versions of the given constraints file (constraints/*.txt, made by `make lock`).
#   sh scripts/bootstrap.sh '.[test]' constraints/test.txt   # the pinned test environment
#   sh scripts/bootstrap.sh . constraints/core.txt           # core dependencies only (the demo)
#   sh scripts/bootstrap.sh '.[test]' --latest               # no constraints: the newest releases
# Needs nothing but Python >= 3.11 and pip (no uv at install time). Works on a fresh Debian machine
# with only Python 3.11: if the venv module lacks ensurepip (Debian's python3 without python3-venv)
# and we are root, it installs python3-venv first.
set -eu
PY=${PY:-python3}
VENV=${VENV:-.venv}
EXTRAS=${1:-.}
PINS=${2:-}
if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "bootstrap: python venv support missing; installing python3-venv from Debian's packages"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PY" -m venv "$VENV"
    else
      echo "bootstrap: '$PY -m venv' failed; install your distribution's python3-venv package" >&2
      exit 2
    fi
  fi
  "$VENV/bin/python" -m pip install -q --upgrade pip
fi
case "$PINS" in
  "")
    "$VENV/bin/python" -m pip install -q -e "$EXTRAS" ;;
  --latest)
    # on purpose: whatever the index serves today, every dependency upgraded
    "$VENV/bin/python" -m pip install -q --upgrade --upgrade-strategy eager -e "$EXTRAS" ;;
  *)
    if [ ! -f "$PINS" ]; then
      echo "bootstrap: constraints file $PINS not found (make lock writes it)" >&2
      exit 2
    fi
    "$VENV/bin/python" -m pip install -q -c "$PINS" -e "$EXTRAS" ;;
esac

"""constraints/*.txt (written by ``make lock``) pin every dependency pyproject.toml names, and agree with each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement).group(1)).lower()


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints" / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        m = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if m:
            pins[_name(m.group(1))] = m.group(2)
    return pins


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize("lock, extras", [("core", ()), ("test", ("test",)), ("bench", ("test", "bench"))])
def test_every_dependency_is_pinned(lock: str, extras: tuple[str, ...]):
    project = _project()
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        wanted |= {_name(r) for r in project["optional-dependencies"][extra]}
    missing = sorted(wanted - set(_pins(lock)))
    assert not missing, f"constraints/{lock}.txt lacks {missing}: run make lock"


def test_the_locks_agree():
    """make demo then make test only adds packages: the core and bench pins are the test pins where they meet."""
    core, test, bench = _pins("core"), _pins("test"), _pins("bench")
    assert {k: test.get(k) for k in core} == core
    assert {k: bench[k] for k in test} == test

"""Start-up counts in a nightly job's wall time (issue #8): the command imports only what a run needs."""

from __future__ import annotations

import subprocess
import sys

from .support.run import ROOT


def _imported(*args: str) -> set[str]:
    """Top-level module names a fresh ``python -m checker ARGS`` imported (from ``-X importtime``)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "checker", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert names, proc.stderr[-500:]
    return names


def test_the_command_imports_neither_pydantic_nor_the_spec_parsers_it_does_not_need():
    # a JSON spec: no PyYAML; no openapi-core (see the README's design section); typer without pydantic
    # (typer 0.29 builds a pydantic adapter per option: 0.12 s a run; pyproject pins below it)
    names = _imported("plan", str(ROOT / "tests" / "specs" / "v30.json"), "--base-url", "http://127.0.0.1:9")
    assert "checker" in names and "typer" in names
    assert not names & {"pydantic", "pydantic_core", "yaml", "openapi_core", "httpx", "aiohttp"}, names

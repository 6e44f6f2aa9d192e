"""Servers for the redirect and trailing-slash tests (issue #4): real frameworks' own redirect behaviour,
and a small stdlib server that answers 302/303, loops, redirects cross-origin and omits Location.
Each module starts with a table of what it does and the rules that must catch it."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@contextlib.contextmanager
def serve_module(module: str) -> Iterator[str]:
    """Run ``python -m MODULE`` (it prints ``PORT n`` and serves on 127.0.0.1 until stdin closes)."""
    proc = subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"{module} did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

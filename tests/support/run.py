"""Running conform405 in the tests: the CLI in a subprocess (exit codes, no traceback) or the library API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def cli(*args: str, timeout: float = 120, cwd: Path | None = None, env: dict[str, str] | None = None) -> CliResult:
    """``conform405 ARGS`` as a user runs it (a fresh interpreter), with a hard timeout."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "checker", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd or ROOT, env=full_env, stdin=subprocess.DEVNULL)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def findings_by_cell(report: dict[str, Any]) -> dict[tuple[str, str | None], set[str]]:
    """``{(path, method): {rule ids}}`` from a JSON report (``seen_on`` methods included)."""
    out: dict[tuple[str, str | None], set[str]] = {}
    for f in report["findings"]:
        methods = set(f["evidence"].get("seen_on") or [f["method"]])
        for m in methods:
            out.setdefault((f["path"], m), set()).add(f["rule"])
    return out

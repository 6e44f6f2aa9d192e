"""Refresh the ``conform405 run --help`` block of README.md (``make docs``); ``--check`` only compares.

The block sits between the ```text fence after ``<summary><code>conform405 run --help</code></summary>``
and its closing fence. The help is rendered at 100 columns so it does not depend on the terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "<summary><code>conform405 run --help</code></summary>"


def current_help() -> str:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    out = subprocess.run([sys.executable, "-m", "checker", "run", "--help"], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True).stdout
    return out.rstrip() + "\n"


def splice(readme: str, help_text: str) -> str:
    start = readme.index("```text\n", readme.index(MARK)) + len("```text\n")
    end = readme.index("```", start)
    return readme[:start] + help_text + readme[end:]


def main() -> int:
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    updated = splice(readme, current_help())
    if "--check" in sys.argv:
        return 0 if updated == readme else 1
    path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

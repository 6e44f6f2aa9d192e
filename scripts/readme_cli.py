"""Refresh the generated parts of README.md (``make docs``); ``--check`` only compares.

* the ``conform405 run --help`` block, between the ```text fence after
  ``<summary><code>conform405 run --help</code></summary>`` and its closing fence, rendered at 100 columns
  so it does not depend on the terminal;
* the table of probe families, between its two HTML comments, from their declarations
  (checker/probes/__init__.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARK = "<summary><code>conform405 run --help</code></summary>"
TABLE_START = "<!-- probe families: generated from checker/probes/__init__.py by `make docs` -->\n"
TABLE_END = "\n<!-- end of probe families -->"


def current_help() -> str:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    out = subprocess.run([sys.executable, "-m", "checker", "run", "--help"], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True).stdout
    return out.rstrip() + "\n"


def splice(readme: str, help_text: str) -> str:
    start = readme.index("```text\n", readme.index(MARK)) + len("```text\n")
    end = readme.index("```", start)
    return readme[:start] + help_text + readme[end:]


def families_table() -> str:
    sys.path.insert(0, str(ROOT))
    from checker.probes import readme_table

    return readme_table()


def splice_table(readme: str, table: str) -> str:
    start = readme.index(TABLE_START) + len(TABLE_START)
    end = readme.index(TABLE_END, start)
    return readme[:start] + table + readme[end:]


def main() -> int:
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    updated = splice_table(splice(readme, current_help()), families_table())
    if "--check" in sys.argv:
        return 0 if updated == readme else 1
    path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

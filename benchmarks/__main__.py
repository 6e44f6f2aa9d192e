"""``make bench``: every benchmark module's figures, side by side in one run.

Each module under benchmarks/ with a ``main()`` is run in turn (listed in MODULES), each in a process of
its own: peak memory is read per child process (``ru_maxrss``), and Linux keeps that figure across
``exec`` -- a child forked from a bench process that had loaded the specs itself would report the
bench's memory, not its own.
"""

from __future__ import annotations

import subprocess
import sys

MODULES = ("benchmarks.startup", "benchmarks.load_plan", "benchmarks.large_document", "benchmarks.probe_speed",
           "benchmarks.scale")


def main() -> None:
    failed = 0
    for name in MODULES:
        failed |= subprocess.run([sys.executable, "-m", name]).returncode != 0
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()

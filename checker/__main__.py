"""``python -m checker`` and the ``conform405`` command (``checker.__main__:entry``).

Before anything heavy is imported, a run forks its second process (checker/worker.py: the values drawn, the
report's positions looked up, while the command works); then the command itself (``checker.cli.entry``).
"""

from __future__ import annotations

import sys


def entry() -> None:
    from . import worker

    if worker.wanted(sys.argv[1:]):
        worker.start("checker.values:warm_up")
    from .cli import entry as command

    command()


if __name__ == "__main__":
    entry()

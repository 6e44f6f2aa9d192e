"""``python -m checker`` and the ``conform405`` command (``checker.__main__:entry``).

Before anything heavy is imported, a run forks the process that draws its values (checker/value_worker.py);
then the command itself (``checker.cli.entry``).
"""

from __future__ import annotations

import sys


def entry() -> None:
    from . import value_worker

    if value_worker.wanted(sys.argv[1:]):
        value_worker.start("checker.values:warm_up")
    from .cli import entry as command

    command()


if __name__ == "__main__":
    entry()

"""``make bench``: every benchmark module's figures, side by side in one run.

Each module under benchmarks/ with a ``main()`` is run in turn (listed in MODULES).
"""

from __future__ import annotations

import importlib

MODULES = ("benchmarks.load_plan", "benchmarks.probe_speed")


def main() -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            print(f"[{name}] not available: {exc}")
            continue
        module.main()


if __name__ == "__main__":
    main()

"""The README's command-line reference is the real ``conform405 run --help`` (refresh with ``make docs``)."""

from __future__ import annotations

import importlib.util

from .support.run import ROOT


def test_readme_run_help_is_current():
    spec = importlib.util.spec_from_file_location("readme_cli", ROOT / "scripts" / "readme_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert module.splice(readme, module.current_help()) == readme, "README's run --help block is stale: run 'make docs'"

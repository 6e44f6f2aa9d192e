"""The README's command-line reference lists exactly the options ``conform405 run --help`` has.

Compared by option name, not text, so a new typer layout does not fail the suite; a flag added or
removed without ``make docs`` does.
"""

from __future__ import annotations

import importlib.util
import re

from .support.run import ROOT

_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+")


def test_readme_run_help_lists_every_option():
    spec = importlib.util.spec_from_file_location("readme_cli", ROOT / "scripts" / "readme_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```text\n", readme.index(module.MARK))
    block = readme[start : readme.index("```", start + 8)]
    documented = set(_OPTION.findall(block))
    actual = set(_OPTION.findall(module.current_help()))
    assert documented == actual, f"README's run --help block is stale (run 'make docs'): missing {sorted(actual - documented)}, extra {sorted(documented - actual)}"
    assert len(actual) > 30

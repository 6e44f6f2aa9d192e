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


def test_probe_families_are_declared_once_and_everything_else_derives_from_it():
    """A family's flag, configuration key and README row come from its one declaration
    (checker/probes/__init__.py): the README table equals the generated one, every flag is an option of
    `run`, every key is a configuration key, and every ProbeOptions field named is a real one."""
    import dataclasses

    from checker import cli, config
    from checker.options import ProbeOptions
    from checker.probes import FAMILIES, readme_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    spec = importlib.util.spec_from_file_location("readme_cli", ROOT / "scripts" / "readme_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    start = readme.index(module.TABLE_START) + len(module.TABLE_START)
    assert readme[start:readme.index(module.TABLE_END, start)] == readme_table(), "the README's probe table is stale: make docs"
    options = set(_OPTION.findall(module.current_help()))
    fields = {f.name: f.default for f in dataclasses.fields(ProbeOptions)}
    for family in FAMILIES:
        assert family.flag in options, family.flag
        assert family.option in fields and fields[family.option] == family.default, family.option
        assert family.config_field in config._KNOWN, family.config_key
        if family.negated:
            assert cli._CONFIG_SWITCHES[family.config_field] == family.parameter
        else:
            assert family.config_field in cli._CONFIG_VALUES
    # each family's rules exist, and its module's name is its rule module's (the slash twins' rules: redirects)
    from checker.rules import RULES

    for family in FAMILIES:
        assert set(family.rules) <= set(RULES), family.rules
        assert (ROOT / "checker" / "rules" / f"{family.name if family.name != 'slashes' else 'redirects'}.py").is_file()

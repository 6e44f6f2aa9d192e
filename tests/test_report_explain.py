"""Every rule of the registry is documented: ``conform405 explain`` prints it, docs/rules.md lists it, SARIF describes it."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from checker.rules import RULES

from .support.run import ROOT, cli


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_an_explain_entry(rule_id):
    from checker.cli import app

    rule = RULES[rule_id]
    for name in ("title", "summary", "why", "rfc", "example", "fix"):
        assert str(getattr(rule, name)).strip(), f"{rule_id}: empty {name}"
    assert rule.severity in ("error", "warning", "info")
    result = CliRunner().invoke(app, ["explain", rule_id])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())  # the console wraps long lines
    for part in (rule_id, rule.title, "What it checks", "Why it matters", rule.rfc, "Example", "Fix", rule.fix):
        assert " ".join(part.split()) in flat, (rule_id, part)


def test_explain_in_a_real_process_and_unknown_rule():
    first = next(iter(RULES))
    ok = cli("explain", first)
    assert ok.code == 0 and ok.stdout.startswith(first)
    bad = cli("explain", "no-such-rule")
    assert bad.code == 2 and "no rule 'no-such-rule'" in bad.stderr and "Traceback" not in bad.stderr


def test_rule_catalogue_is_generated_from_the_registry():
    from checker.rules.catalogue import markdown

    docs = (ROOT / "docs" / "rules.md").read_text()
    assert docs == markdown(), "docs/rules.md is stale: run `.venv/bin/python -m checker.rules.catalogue > docs/rules.md`"
    for rule_id in RULES:
        assert f"\n## {rule_id}\n" in docs


def test_sarif_rule_descriptors_cover_the_registry():
    from checker.report.sarif import _rule

    for rule_id, rule in RULES.items():
        d = _rule(rule_id)
        assert d["shortDescription"]["text"] == rule.title and rule.fix in d["help"]["text"]
        assert d["helpUri"].endswith(f"docs/rules.md#{rule_id}")
        json.dumps(d)

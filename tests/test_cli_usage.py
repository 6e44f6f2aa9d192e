"""The command line explains itself: every option's help says what goes there, the implied 'run' is spelled
out, and a mistyped command or rule name gets a suggestion instead of a confusing error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .support.run import cli

COMMANDS = ["run", "plan", "diff", "merge", "explain", "rules"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_value_has_a_telling_metavar(command: str):
    result = cli(command, "--help")
    assert result.code == 0, result.stderr
    generic = re.findall(r"<(?:str|int|float|text|integer)[^>]*>|\b(?:TEXT|INTEGER|FLOAT)\b", result.stdout)
    assert not generic, f"{command} --help shows generic value names {generic}"


def test_run_help_names_the_values():
    text = cli("run", "--help").stdout
    for shown in ("--base-url URL", "--json PATH", "-H, --header 'Name: value'", "--path-param NAME=VALUE",
                  "--include-path GLOB", "--methods METHOD[,METHOD]", "--timeout SECONDS", "--concurrency N",
                  "--max-body BYTES", "--max-no-answer N|P%"):
        assert shown in text, shown


def test_top_level_help_says_run_is_implied():
    text = " ".join(cli("--help").stdout.split())
    assert "'conform405 SPEC ...' means 'conform405 run SPEC ...'" in text


@pytest.mark.parametrize("word, meant", [("runn", "run"), ("pln", "plan"), ("explian", "explain"), ("rule", "rules")])
def test_a_mistyped_command_gets_a_suggestion(tmp_path: Path, word: str, meant: str):
    result = cli(word, "spec.yaml", cwd=tmp_path)
    assert result.code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines == [f"conform405: error: no command '{word}' (did you mean '{meant}'?)"], result.stderr


def test_a_missing_file_named_like_a_command_is_a_missing_spec(tmp_path: Path):
    result = cli("plan.yaml", cwd=tmp_path)
    assert result.code == 2 and "no command" not in result.stderr and "plan.yaml" in result.stderr


def test_an_existing_file_named_like_a_command_is_still_a_spec(tmp_path: Path):
    (tmp_path / "runn").write_text(json.dumps({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
                                               "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}}))
    result = cli("runn", cwd=tmp_path)
    assert "no command" not in result.stderr
    assert "--base-url" in result.stderr  # the spec was read: it has no server URL to probe


def test_a_mistyped_rule_gets_the_closest_rule():
    result = cli("explain", "allow-mising")
    assert result.code == 2
    assert "did you mean allow-missing" in result.stderr


def test_an_unhealthy_target_is_said_once(tmp_path: Path):
    from .support.fault_server import FaultServer, spec_for

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(spec_for(["/a", "/b"])))
    with FaultServer(default="broken") as srv:  # 500 to everything
        result = cli(str(spec), "--base-url", srv.url, "-q")
    assert result.code == 6
    assert "conform405: target unhealthy: every answer was 500" in result.stderr
    assert "target unhealthy: target unhealthy" not in result.stderr

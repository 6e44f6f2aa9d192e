"""``conform405 plan`` plans exactly what the configured run sends: the configuration file (conform405.toml or
[tool.conform405]) is applied as run applies it -- target, paths, methods, read-only and every probe switch
that changes the number of requests -- and the plan's cells and request count are those of the real run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .support.fault_server import FaultServer, spec_for
from .support.run import cli

CONFIGS = {
    "selection": """
        include-paths = ["/ok/*"]
        exclude-paths = ["/ok/skip*"]
        methods = ["GET", "HEAD", "POST", "DELETE", "OPTIONS"]
        add-methods = ["PURGE"]
        skip-methods = ["DELETE"]
        stability-check = false
        unknown-method = false
        slash-twins = false
        override-probes = "off"
        """,
    "switches": """
        read-only = true
        head-body-check = false
        discovery = false
        override-probes = "all"
        cors-origin = "https://app.example.com"
        direct-url = "{url}"
        """,
    "defaults": "",
}


def _setup(tmp_path: Path, srv: FaultServer, config: str, pyproject: bool) -> Path:
    spec = spec_for(["/ok/a", "/ok/skip-me", "/other/c"], methods=("get", "post"))
    spec["paths"]["/ok/b"] = spec_for(["/ok/b"])["paths"]["/ok/b"]  # GET only: the override probes apply here
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    body = f'base-url = "{srv.url}"\n' + "\n".join(ln.strip() for ln in config.format(url=srv.url).splitlines())
    if pyproject:
        (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n\n[tool.conform405]\n" + body)
    else:
        (tmp_path / "conform405.toml").write_text(body)
    return tmp_path


@pytest.mark.parametrize("pyproject", [False, True], ids=["conform405.toml", "pyproject.toml"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_plan_equals_the_configured_run(tmp_path: Path, name: str, pyproject: bool):
    with FaultServer() as srv:
        cwd = _setup(tmp_path, srv, CONFIGS[name], pyproject)
        planned = cli("plan", "spec.json", "--json", "-", cwd=cwd)
        assert planned.code == 0, planned.stderr
        # the plan counts what an exhaustive run sends; a default run asks the stack-level questions of a
        # sample of paths (checker/adaptive.py) and sends at most that
        ran = cli("spec.json", "--json", "-", "--concurrency", "4", "--exhaustive", cwd=cwd)
        assert ran.code in (0, 1), ran.stderr
        adaptive = cli("spec.json", "--json", "-", "--concurrency", "4", cwd=cwd)
        assert adaptive.code in (0, 1), adaptive.stderr
    plan, report = planned.json(), ran.json()
    assert adaptive.json()["summary"]["requests"] <= plan["requests"]
    assert adaptive.json()["matrix"] == report["matrix"]
    assert report["target"]["config"]
    cells = sorted((c["path"], c["method"], c["url"]) for c in plan["matrix"])
    assert cells == sorted((c["path"], c["method"], c["url"]) for c in report["matrix"])
    assert plan["methods"] == report["target"]["methods"]
    assert all(c["redirects"] == 0 for c in report["matrix"])  # no redirect hop: the counts compare exactly
    assert plan["requests"] == report["summary"]["requests"], (plan["requests_by_kind"], report["summary"]["requests"])


def test_flags_override_the_file_in_the_plan_too(tmp_path: Path):
    with FaultServer() as srv:
        cwd = _setup(tmp_path, srv, CONFIGS["selection"], pyproject=False)
        plan = cli("plan", "spec.json", "--json", "-", "--methods", "GET", "--base-url", "http://127.0.0.1:9/v2",
                   "--override-probes", "one", cwd=cwd).json()
    assert plan["methods"] == ["GET", "PURGE"]  # --methods replaces the file's list; add-methods still applies
    assert {c["url"] for c in plan["matrix"]} == {"http://127.0.0.1:9/v2/ok/a", "http://127.0.0.1:9/v2/ok/b"}


def test_counts_are_written_in_good_english(tmp_path: Path):
    """One path, one operation, one cell: never "1 paths", "1 controls" or "finding(s)"."""
    spec = tmp_path / "one.json"
    spec.write_text(json.dumps(spec_for(["/ok/a"])))
    plan = cli("plan", str(spec), "--base-url", "http://127.0.0.1:9", "--methods", "GET", "--no-stability-check",
               "--no-slash-twins", "--no-head-body-check", "--no-unknown-method")
    assert plan.code == 0, plan.stderr
    text = " ".join(plan.stdout.split())
    assert "· 1 path · 1 operation" in text and "1 cell: 1 declared" in text and "at most 1 request (1 cell;" in text
    with FaultServer() as srv:
        run = cli(str(spec), "--base-url", srv.url, "--methods", "GET", "--no-stability-check", "--no-slash-twins",
                  "--no-head-body-check", "--no-unknown-method")
    last = run.stdout.strip().splitlines()[-1]
    assert last.startswith("PASS  0 findings: 0 errors, 0 warnings, 0 info · 1 cell on 1 path · 1 request in"), last
    assert "(s)" not in run.stdout + plan.stdout

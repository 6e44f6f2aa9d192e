"""Start-up counts in a nightly job's wall time (issue #8): the command imports only what a run needs.

Before the first request (issue #17) it imports neither hypothesis (the parameter values are drawn when a probe
first needs one), nor rich (the terminal report comes last), nor the rule families (a path is judged once its
probes are answered), nor the report formats. These tests look at which modules are loaded, never at the clock:
benchmarks/startup.py measures the time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .support.run import ROOT


def _imported(*args: str) -> set[str]:
    """Top-level module names a fresh ``python -m checker ARGS`` imported (from ``-X importtime``)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "checker", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert names, proc.stderr[-500:]
    return names


#: the command as ``python -m checker`` runs it, stopped at its first connection attempt: it prints the modules
#: loaded by then (a JSON list) and ends the process there
_FIRST_CONNECT = """
import json, os, runpy, sys

def hook(event, args):
    if event == "socket.connect":
        sys.stdout.write("MODULES " + json.dumps(sorted(sys.modules)) + "\\n")
        sys.stdout.flush()
        os._exit(0)

sys.addaudithook(hook)
sys.path.insert(0, sys.argv[1])  # this checkout's checker/, as ``python -m checker`` run from it finds it
sys.argv = ["conform405", *sys.argv[2:]]
runpy.run_module("checker", run_name="__main__", alter_sys=True)
"""

#: loaded by then, a run would be waiting for them before its first request (see the module's docstring)
_DEFERRED = ("hypothesis", "hypothesis_jsonschema", "rich", "openapi_core", "urllib.request", "http.client", "tempfile",
             "tomllib", "checker.rules.methods", "checker.rules.allow", "checker.rules.redirects", "checker.report.terminal",
             "checker.report.json_report", "checker.report.sarif", "checker.stacks")


def _before_first_request(tmp_path, *args: str) -> set[str]:
    # run from an empty folder: no configuration file to read (the repository's pyproject.toml would be parsed).
    # On asyncio's loop: the audit hook sees its socket.connect, while uvloop's connects inside libuv, unseen; which
    # loop runs changes nothing of what is imported before the first request (the loop's own module aside)
    env = {**os.environ, "CONFORM405_LOOP": "asyncio"}
    proc = subprocess.run([sys.executable, "-c", _FIRST_CONNECT, str(ROOT), *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=60, env=env)
    marker = [line for line in proc.stdout.splitlines() if line.startswith("MODULES ")]
    assert marker, f"the run never tried to connect: {proc.returncode} {proc.stderr[-800:]}"
    return set(json.loads(marker[0].removeprefix("MODULES ")))


def test_the_command_imports_neither_pydantic_nor_the_spec_parsers_it_does_not_need():
    # a JSON spec: no PyYAML; no openapi-core (see the README's design section); typer without pydantic
    # (typer 0.29 builds a pydantic adapter per option: 0.12 s a run; pyproject pins below it)
    names = _imported("plan", str(ROOT / "tests" / "specs" / "v30.json"), "--base-url", "http://127.0.0.1:9")
    assert "checker" in names and "typer" in names
    assert not names & {"pydantic", "pydantic_core", "yaml", "openapi_core", "httpx", "aiohttp"}, names


def test_version_imports_nothing_a_run_needs_later():
    names = _imported("--version")
    assert "checker" in names
    assert not names & {"hypothesis", "rich", "yaml", "asyncio", "openapi_core", "httpx", "pydantic"}, names


def test_the_first_request_of_the_demo_spec_waits_for_none_of_the_deferred_imports(tmp_path):
    # bookshop.yaml: the first request is the discovery GET of /books, which needs no generated value
    loaded = _before_first_request(tmp_path, str(ROOT / "specs" / "bookshop.yaml"), "--base-url", "http://127.0.0.1:9",
                                   "-q", "--no-progress")
    assert {"checker.engine", "checker.http.wire", "yaml", "asyncio"} <= loaded  # it did get as far as sending
    assert not loaded & set(_DEFERRED), sorted(loaded & set(_DEFERRED))
    assert not {m for m in loaded if m.startswith("checker.report.") and m not in ("checker.report.model", "checker.report.outcome")}


def test_a_first_path_without_parameters_is_probed_before_hypothesis_is_imported(tmp_path):
    # no discovery GET (the only parameterised path has no parent collection): the first probe is GET /health
    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/health": {"get": {"responses": {"200": {"description": "ok"}}}},
                  "/things/{thingId}/parts": {"parameters": [{"name": "thingId", "in": "path", "required": True,
                                                               "schema": {"type": "integer", "minimum": 1}}],
                                              "get": {"responses": {"200": {"description": "ok"}}}}}}))
    loaded = _before_first_request(tmp_path, str(spec), "--base-url", "http://127.0.0.1:9", "-q", "--no-progress")
    assert "checker.engine" in loaded and not loaded & {"hypothesis", "rich"}


def test_values_drawn_later_are_the_values_drawn_at_once():
    from checker import api
    from checker.values import ValueSource

    spec = api.load(str(ROOT / "specs" / "bookshop.yaml"))
    now, later = ValueSource(spec, seed=3, examples=3), ValueSource(spec, seed=3, examples=3)
    now.prepare(spec.paths)
    took: list[float] = []
    later.prepare_later(spec.paths, done=took.append)
    assert not later._pool and not took  # nothing drawn until a value is asked for
    for item in spec.paths:
        for i in range(3):
            assert later.path_values(item, i, real=False) == now.path_values(item, i, real=False)
            for op in item.operations.values():
                assert later.required_params(op, i) == now.required_params(op, i)
    assert len(took) == 1  # drawn once, for every path


def test_a_quiet_run_into_a_pipe_prints_one_plain_line_and_never_loads_rich(tmp_path):
    """--quiet into a pipe or a CI log (a nightly job): the summary line as plain text, on one line however long
    (not wrapped at 80 columns), and rich is never imported -- nothing else is printed."""
    from checker.demo.server import DemoServer

    env = {**os.environ, "CONFORM405_NO_WORKER": "1", "COLUMNS": "40"}  # no second process: one import list
    with DemoServer() as url:
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "checker", str(ROOT / "specs" / "bookshop.yaml"),
                               "--base-url", url, "-q", "--json", str(tmp_path / "r.json")],
                              capture_output=True, text=True, cwd=ROOT, timeout=60, env=env)
    names = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in proc.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    lines = proc.stdout.splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stdout  # the demo's drift: findings
    assert lines[0].startswith("FAIL  ") and " judged" in lines[0] and len(lines[0]) > 40
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert f"{summary['findings']} findings" in lines[0] and f"{summary['requests']} requests" in lines[0]
    assert "checker" in names and "rich" not in names, sorted(names)

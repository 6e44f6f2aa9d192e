"""The pytest plugin (checker/pytest_plugin.py), driven with pytester against real FastAPI and Flask apps
in-process (and one real Flask server on 127.0.0.1 through a conftest fixture).

The apps and the spec are the ones of tests/test_inprocess.py, whose expected findings per cell were
established over a real socket there; here each finding's cell must be exactly one failing test.
"""

from __future__ import annotations

import re
import textwrap

import pytest

# Imported here, before pytester's in-process runs: each run forgets the modules it imported, and PyYAML
# imported again gets new node classes while its C extension (loaded once per process) keeps making the
# first ones, which the YAML reader then does not recognise.
import checker.spec.yaml_doc  # noqa: F401

from .test_inprocess import APPS, EXPECTED, SPEC

pytest_plugins = ["pytester"]

PATHS = ("/items", "/items/{itemId}", "/health")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
ALL_CELLS = {f"openapi.yaml::conform405[{m} {p}]" for p in PATHS for m in METHODS}
PATH_ITEMS = {f"openapi.yaml::conform405[{p}]" for p in PATHS}


def node(method: str, path: str) -> str:
    return f"openapi.yaml::conform405[{method} {path}]"


def project(pytester: pytest.Pytester, app: str | None, ini: str = "") -> None:
    """A user's project: the spec, the app, an unrelated test, and three lines of configuration."""
    pytester.makefile(".yaml", openapi=SPEC)
    if app is not None:
        pytester.makepyfile(**{f"{app}": APPS[app]})
    pytester.makepyfile(test_unrelated="def test_unrelated():\n    assert 2 + 2 == 4\n")
    target = f"conform405_app = {app}:app\n" if app else ""
    pytester.makeini("[pytest]\nconform405_spec = openapi.yaml\n" + target + textwrap.dedent(ini))


def outcomes(rec: pytest.HookRecorder) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"passed": set(), "failed": set(), "skipped": set()}
    for rep in rec.getreports("pytest_runtest_logreport"):
        if rep.when == "call" or (rep.when == "setup" and rep.outcome != "passed"):
            out[rep.outcome].add(rep.nodeid)
    return out


@pytest.mark.parametrize("app", list(APPS))
def test_one_failing_test_per_problem_cell(pytester, app):
    project(pytester, app)
    rec = pytester.inline_run("-p", "no:cacheprovider")
    got = outcomes(rec)
    expected_failed = {node(m, p) for (p, m) in EXPECTED[app]}
    assert got["failed"] == expected_failed
    assert "test_unrelated.py::test_unrelated" in got["passed"]
    judged = got["passed"] | got["failed"] | got["skipped"]
    assert judged == ALL_CELLS | PATH_ITEMS | {"test_unrelated.py::test_unrelated"}
    if app.startswith("conformant"):
        assert not got["failed"] and len(got["passed"] & ALL_CELLS) >= 20  # no false positive


def test_failure_message_is_the_finding_evidence_and_curl(pytester):
    project(pytester, "drifting_fastapi")
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "DELETE and itemId")
    result.assert_outcomes(failed=1, deselected=len(ALL_CELLS | PATH_ITEMS))
    result.stdout.fnmatch_lines([
        "*conform405*DELETE /items/{itemId}*",
        "DELETE /items/{itemId}: declared-method-rejected, allow-mismatch",
        "[[]error[]] declared-method-rejected: DELETE is declared but the server answered 405 (Allow: GET)",
        "  request:  DELETE http://testserver/items/1000000000",
        "  response: 405  allow: GET*",
        "  reproduce: curl -sS -i -X DELETE http://testserver/items/1000000000",
        "  rule docs: conform405 explain declared-method-rejected",
    ])
    assert "Traceback" not in result.stdout.str() and "pytest_plugin.py" not in result.stdout.str()


def test_k_selects_cells(pytester):
    project(pytester, "drifting_fastapi")
    rec = pytester.inline_run("-p", "no:cacheprovider", "-k", "POST and items")
    got = outcomes(rec)
    assert got["passed"] | got["failed"] | got["skipped"] == {node("POST", "/items"), node("POST", "/items/{itemId}")}
    assert got["failed"] == {node("POST", "/items/{itemId}")}  # Allow: GET omits DELETE


def test_xdist_collects_the_same_cells_on_every_worker(pytester):
    project(pytester, "drifting_flask")
    # plugins of this environment that the check does not need cost seconds per worker to import
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest",
                                           "-p", "no:Faker", "-n", "2", "-rf")
    expected_failed = {node(m, p) for (p, m) in EXPECTED["drifting_flask"]}
    counts = result.parseoutcomes()
    assert counts["failed"] == len(expected_failed)
    assert counts["passed"] + counts["failed"] + counts.get("skipped", 0) == len(ALL_CELLS | PATH_ITEMS) + 1
    failed = set(re.findall(r"^FAILED (\S+\[[^\]]+\])", result.stdout.str(), re.M))
    assert failed == expected_failed
    assert "Different tests were collected" not in result.stdout.str() + result.stderr.str()


def test_ignores_skip_rules_and_cells_with_the_reason(pytester):
    project(pytester, "drifting_fastapi", ini="""\
        conform405_ignore =
            allow-mismatch /items * Starlette's 405 lists the first route's methods only (upstream)
            * /health * served by the load balancer, not this app
        """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    rec = pytester.inline_run("-p", "no:cacheprovider")
    got = outcomes(rec)
    health = {node(m, "/health") for m in METHODS} | {"openapi.yaml::conform405[/health]"}
    assert health <= got["skipped"]
    # allow-mismatch was the only problem of these cells: skipped with the reason; HEAD keeps head-not-supported
    assert {node(m, "/items") for m in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")} <= got["skipped"]
    assert node("HEAD", "/items") in got["failed"]
    assert got["failed"] == {node(m, p) for (p, m) in EXPECTED["drifting_fastapi"] if p == "/items/{itemId}"} | {node("HEAD", "/items")}
    result.stdout.fnmatch_lines(["SKIPPED *openapi.yaml*: allow-mismatch ignored: Starlette's 405 lists the first route's methods only (upstream)",
                                 "SKIPPED *openapi.yaml*: conform405_ignore: served by the load balancer, not this app"])


def test_target_from_a_conftest_fixture_and_a_real_server(pytester):
    """``conform405_target`` overridden in conftest.py: a base URL of a real werkzeug server on 127.0.0.1."""
    project(pytester, None)
    pytester.makepyfile(drifting_flask=APPS["drifting_flask"])
    pytester.makeconftest("""
        import threading
        import pytest
        from werkzeug.serving import make_server
        from drifting_flask import app

        @pytest.fixture(scope="session")
        def conform405_target():
            server = make_server("127.0.0.1", 0, app, threaded=True)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            yield f"http://127.0.0.1:{server.server_port}"
            server.shutdown()
            thread.join(10)
        """)
    rec = pytester.inline_run("-p", "no:cacheprovider")
    assert outcomes(rec)["failed"] == {node(m, p) for (p, m) in EXPECTED["drifting_flask"]}


def test_inactive_without_configuration(pytester):
    """This project's own suite loads the plugin too: with nothing configured it collects nothing extra."""
    pytester.makefile(".yaml", openapi=SPEC)
    pytester.makepyfile(test_unrelated="def test_unrelated():\n    assert 2 + 2 == 4\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert "conform405" not in result.stdout.str()
    result.stdout.fnmatch_lines(["test_unrelated.py::test_unrelated", "1 test collected*"])
    assert "checker.api" not in _modules_after_inactive_run(pytester)


def _modules_after_inactive_run(pytester) -> str:
    """Which conform405 modules an inactive run imports (in a fresh interpreter)."""
    pytester.makepyfile(test_modules="""
        import sys
        def test_modules():
            print("MODULES", sorted(m for m in sys.modules if m.startswith("checker")))
        """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "-q", "test_modules.py")
    line = next(x for x in result.stdout.lines if x.startswith("MODULES"))
    assert "checker.pytest_plugin" in line  # the entry point is registered...
    return line  # ...and nothing else of conform405 is imported


def test_bad_configuration_is_one_line(pytester):
    project(pytester, None, ini="conform405_base_url = http://127.0.0.1:9\nconform405_app = x:app\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*conform405: set conform405_app or conform405_base_url, not both*"])
    pytester.makeini("[pytest]\nconform405_spec = missing.yaml\nconform405_app = x:app\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*conform405_spec: *missing.yaml: no such file*"])


def test_unimportable_app_fails_the_cells_with_one_line(pytester):
    project(pytester, None, ini="conform405_app = nowhere:app\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "GET and health")
    result.assert_outcomes(failed=1, deselected=len(ALL_CELLS | PATH_ITEMS))
    result.stdout.fnmatch_lines(["*conform405_app: no module named 'nowhere'*"])
    assert "Traceback" not in result.stdout.str()


def test_findings_of_no_cell_go_to_the_path_test():
    """A finding on a method that is no cell of the plan (a made-up method token) or on the path as a whole
    fails ``conform405[/path]`` instead of vanishing."""
    from checker.pytest_plugin import _mine
    from checker.rules.base import Finding

    cells = frozenset(METHODS)
    made_up = Finding(rule="some-rule", severity="error", path="/items", method="C405UNKNOWN", message="m")
    path_level = Finding(rule="other-rule", severity="warning", path="/items", method=None, message="m")
    seen = Finding(rule="allow-mismatch", severity="error", path="/items", method="HEAD", message="m",
                   evidence={"seen_on": ["HEAD", "PUT"]})
    findings = [made_up, path_level, seen]
    assert _mine(findings, "/items", None, cells) == [made_up, path_level]
    assert _mine(findings, "/items", "PUT", cells) == [seen]
    assert _mine(findings, "/health", None, cells) == []


def test_conform405_toml_is_honoured(pytester):
    """The configuration file of the command line (severities, ignores) applies to the plugin's cells too."""
    project(pytester, "drifting_fastapi")
    pytester.makefile(".toml", conform405="""
        [severity]
        allow-mismatch = "info"

        [[ignore]]
        rule = "head-not-supported"
        reason = "HEAD comes with the next FastAPI upgrade"
        """)
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    rec = pytester.inline_run("-p", "no:cacheprovider")
    got = outcomes(rec)
    assert got["failed"] == {node("DELETE", "/items/{itemId}"), node("PUT", "/items/{itemId}"), node("POST", "/health")}
    assert {node("HEAD", p) for p in PATHS} <= got["skipped"]
    assert node("TRACE", "/health") in got["passed"]  # allow-mismatch is info now: passes, with a warning
    result.stdout.fnmatch_lines(["*Conform405Warning: info allow-mismatch on TRACE /health*",
                                 "SKIPPED *head-not-supported ignored: HEAD comes with the next FastAPI upgrade"])


def test_cells_are_counted_and_listed_like_any_test(pytester):
    """Every cell is a real collected item: the header counts it, --collect-only lists it and counts it."""
    project(pytester, "drifting_fastapi")
    total = len(ALL_CELLS | PATH_ITEMS) + 1  # and test_unrelated
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "GET and health")
    result.stdout.fnmatch_lines([f"collected {total} items / {total - 1} deselected / 1 selected"])
    result.assert_outcomes(passed=1, deselected=total - 1)

    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    listed = {line for line in result.stdout.lines if "::" in line}
    assert listed == ALL_CELLS | PATH_ITEMS | {"test_unrelated.py::test_unrelated"}
    result.stdout.fnmatch_lines([f"{total} tests collected*"])
    assert "no tests collected" not in result.stdout.str()

    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only")
    result.stdout.fnmatch_lines([f"collected {total} items", "<SpecNode openapi.yaml>", "  <CellItem conform405[[]GET /items[]]>"])


def test_the_spec_file_and_a_cell_can_be_named(pytester):
    """``pytest openapi.yaml`` runs the cells only; a cell's node id runs that cell."""
    project(pytester, "drifting_fastapi")
    result = pytester.runpytest("-p", "no:cacheprovider", "openapi.yaml", "--collect-only", "-q")
    assert {line for line in result.stdout.lines if "::" in line} == ALL_CELLS | PATH_ITEMS
    rec = pytester.inline_run("-p", "no:cacheprovider", node("DELETE", "/items/{itemId}"), node("GET", "/health"))
    got = outcomes(rec)
    assert got["failed"] == {node("DELETE", "/items/{itemId}")} and got["passed"] == {node("GET", "/health")}
    # a test file named alone: the cells stay out (a quick run of one file does not probe the API)
    result = pytester.runpytest("-p", "no:cacheprovider", "test_unrelated.py")
    result.stdout.fnmatch_lines(["collected 1 item"])
    result.assert_outcomes(passed=1)

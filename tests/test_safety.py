"""Nothing is sent that the user did not ask for: the dry run sends nothing, --read-only sends only safe
methods, state-changing probes carry generated ids and no body unless opted in, and a non-loopback target
gets a warning line before any state-changing method is sent (tested on the function: nothing is sent)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checker import cli as cli_module
from checker.plan import PlanOptions, build_plan
from checker.spec import load_spec

from .support.fault_server import FaultServer
from .support.run import cli

WRITES = {"POST", "PUT", "PATCH", "DELETE"}

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "safety", "version": "1"},
    "paths": {
        "/ok/items": {
            "get": {"responses": {"200": {"description": "ok"}}},
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}},
                    "example": {"name": "c405-example"}}}},
                "responses": {"201": {"description": "created"}},
            },
        },
        "/ok/items/{itemId}": {
            "parameters": [{"name": "itemId", "in": "path", "required": True,
                            "schema": {"type": "integer"}, "example": 42}],
            "get": {"responses": {"200": {"description": "ok"}}},
            "delete": {"responses": {"204": {"description": "gone"}}},
        },
    },
}


@pytest.fixture
def spec_file(tmp_path: Path) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(SPEC))
    return str(path)


def test_plan_sends_nothing(spec_file):
    with FaultServer() as srv:
        result = cli("plan", spec_file, "--base-url", srv.url)
        assert result.code == 0, result.stderr
        assert srv.received == []


def test_read_only_sends_only_get_head_options(spec_file):
    with FaultServer() as srv:
        result = cli(spec_file, "--base-url", srv.url, "--read-only", "--json", "-")
        methods = {r.method for r in srv.received}
    assert result.code in (0, 1), result.stderr
    assert methods and methods <= {"GET", "HEAD", "OPTIONS"}, methods
    assert {c["method"] for c in result.json()["matrix"]} <= {"GET", "HEAD", "OPTIONS"}


def test_state_changing_probes_use_generated_ids_and_no_body(spec_file):
    with FaultServer() as srv:
        result = cli(spec_file, "--base-url", srv.url, "--json", "-")
        received = list(srv.received)
    assert result.code in (0, 1), result.stderr
    writes = [r for r in received if r.method in WRITES or r.method.startswith("C405")]
    assert writes
    for r in writes:
        # no body unless --send-bodies (the method-override probes' form field `_method=X` is the override itself,
        # and `c405=1` the form body it is compared with)
        assert r.body in (b"", b"c405=1") or r.body.startswith(b"_method="), (r.method, r.path, r.body)
        m = re.match(r"^/ok/items/([^/?]+)", r.path)
        if m:  # the spec's example id (42) is for safe methods only
            assert m.group(1) != "42", (r.method, r.path)
            assert int(m.group(1)) >= 1_000_000_000, (r.method, r.path)
    # the example id is used, but only by safe methods
    assert {r.method for r in received if r.path.startswith("/ok/items/42")} <= {"GET", "HEAD", "OPTIONS", "TRACE"}


def test_send_bodies_is_the_opt_in_for_bodies(spec_file):
    # a declared POST on a path without parameters could create something: it needs --allow-writes as well
    with FaultServer() as srv:
        result = cli(spec_file, "--base-url", srv.url, "--send-bodies", "--allow-writes", "--methods", "POST", "--json", "-")
        posts = [r for r in srv.received if r.method == "POST" and r.path == "/ok/items"
                 and not any("override" in k or k == "x-http-method" for k in r.headers)]
    assert result.code in (0, 1), result.stderr
    bodies = [json.loads(r.body) for r in posts if r.body]
    assert bodies == [{"name": "c405-example"}]  # the declared POST only, with the document's example


def test_send_bodies_without_allow_writes_sends_no_declared_post(spec_file):
    with FaultServer() as srv:
        result = cli(spec_file, "--base-url", srv.url, "--send-bodies", "--methods", "POST", "--json", "-")
        posts = [r for r in srv.received if r.method == "POST" and r.path == "/ok/items"]
    assert result.code in (0, 1), result.stderr
    assert posts == []
    cell = next(c for c in result.json()["matrix"] if c["path"] == "/ok/items" and c["method"] == "POST")
    assert cell["withheld"] is True and cell["status"] is None and "--allow-writes" in cell["reason"]


def _banner(capsys, base_url: str, methods: tuple[str, ...] | None = None, **kw) -> str:
    """The start-up line for a plan against ``base_url``: the function alone, nothing is sent anywhere."""
    plan = build_plan(_SPEC, PlanOptions(base_url=base_url, methods=methods))
    cli_module._safety_banner(plan, kw.get("send_bodies", False), kw.get("use_real_ids", False), False)
    return capsys.readouterr().err


@pytest.fixture(scope="module", autouse=True)
def _loaded_spec(tmp_path_factory):
    global _SPEC
    path = tmp_path_factory.mktemp("banner") / "spec.json"
    path.write_text(json.dumps(SPEC))
    _SPEC = load_spec(str(path))


_SPEC = None


@pytest.mark.parametrize("base_url", ["https://api.example.com", "http://10.0.0.8:8080", "http://127.example.com"])
def test_non_loopback_target_with_state_changing_methods_gets_a_line(capsys, base_url):
    err = _banner(capsys, base_url)
    assert "sending POST, PUT, PATCH, DELETE to" in err
    assert "--read-only" in err and "generated ids only" in err and "no bodies" in err


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"])
def test_loopback_target_gets_no_line(capsys, base_url):
    assert _banner(capsys, base_url) == ""


def test_read_only_probe_set_gets_no_line(capsys):
    assert _banner(capsys, "https://api.example.com", methods=("GET", "HEAD", "OPTIONS")) == ""


def test_loopback_with_real_ids_or_bodies_still_gets_a_line(capsys):
    assert "REAL ids" in _banner(capsys, "http://127.0.0.1:8000", use_real_ids=True)
    assert "bodies ON" in _banner(capsys, "http://127.0.0.1:8000", send_bodies=True)


def test_is_loopback():
    assert cli_module.is_loopback("127.0.0.1") and cli_module.is_loopback("127.1.2.3")
    assert cli_module.is_loopback("::1") and cli_module.is_loopback("localhost") and cli_module.is_loopback("LOCALHOST.")
    assert not cli_module.is_loopback("127.example.com")
    assert not cli_module.is_loopback("10.0.0.1") and not cli_module.is_loopback(None)


def test_a_run_leaves_nothing_in_its_working_directory(tmp_path):
    """The folder a run starts in may be a served one (a notebook server's root): hypothesis's caches
    (./.hypothesis) go to a cache folder of conform405's own, never there."""
    import json as _json
    import os

    from .support.fault_server import FaultServer, spec_for
    from .support.run import ROOT

    work = tmp_path / "served"
    work.mkdir()
    doc = spec_for([], methods=("get",))
    doc["paths"]["/ok/{name}"] = {"get": {"parameters": [{"name": "name", "in": "path", "required": True,
                                                         "schema": {"type": "string", "pattern": "^é\\w{3,6}$"}}],
                                          "responses": {"200": {"description": "ok"}}}}
    (work / "spec.json").write_text(_json.dumps(doc))
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("HYPOTHESIS_STORAGE_DIRECTORY", "XDG_CACHE_HOME")}
    env["HOME"] = str(tmp_path / "home")
    with FaultServer() as server:
        proc = subprocess.run([sys.executable, "-m", "checker", "spec.json", "--base-url", server.url, "--methods", "GET",
                               "--no-progress", "-q"], cwd=work, env={**env, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    assert sorted(os.listdir(work)) == ["spec.json"]
    assert (tmp_path / "home" / ".cache" / "conform405" / "hypothesis").is_dir()

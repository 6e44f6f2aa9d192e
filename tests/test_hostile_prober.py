"""Hostile documents that get past the loader stay bounded when they reach the prober: 10,000 paths, a
template with 1,000 parameters, an enormous enum, a pattern no value can match (a simple value stands in for
it, the report says so, the run goes on). And the loader itself, fed random bytes
and random YAML/JSON structures, either loads or fails with the documented error."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import Conform405Error, ExitCode
from checker.spec import load_spec

from .support.fault_server import FaultServer
from .support.run import cli

OK = {"responses": {"200": {"description": "ok"}}}


def _doc(paths: dict) -> dict:
    return {"openapi": "3.1.0", "info": {"title": "hostile", "version": "1"}, "paths": paths}


def _cells(report: dict, path: str) -> list[dict]:
    return [c for c in report["matrix"] if c["path"] == path]


def test_ten_thousand_paths_stay_bounded(tmp_path: Path):
    spec = tmp_path / "many.json"
    spec.write_text(json.dumps(_doc({f"/ok/p{i}": {"get": OK} for i in range(10_000)})))
    with FaultServer(default="ok") as srv:
        result = cli(str(spec), "--base-url", srv.url, "--methods", "GET", "--max-requests", "200",
                     "--json", str(tmp_path / "r.json"), "-q", timeout=300)
        sent = srv.count()
    assert result.code == 4, result.stderr  # stopped on the bound, said so
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert len(report["matrix"]) == 10_000  # every cell is in the report ...
    assert report["summary"]["incomplete_reason"] == "the run reached --max-requests (200)"
    assert sent <= 200
    verdicts = report["summary"]["verdicts"]
    assert verdicts.get("ok", 0) >= 1 and verdicts["skipped"] >= 9_000  # ... the unsent ones skipped, with the reason


def test_hostile_parameters_reach_the_prober_bounded(tmp_path: Path):
    wide_params = [{"name": f"a{i}", "in": "path", "required": True, "schema": {"type": "string"}} for i in range(1000)]
    wide = "/ok/wide/" + "/".join("{a%d}" % i for i in range(1000))
    enum = [f"v{i}" for i in range(200_000)]
    doc = _doc({
        wide: {"parameters": wide_params, "get": OK},
        "/ok/enum/{kind}": {"parameters": [{"name": "kind", "in": "path", "required": True,
                                            "schema": {"type": "string", "enum": enum}}], "get": OK},
        "/ok/never/{code}": {"parameters": [{"name": "code", "in": "path", "required": True,
                                             "schema": {"type": "string", "pattern": "(?=a)b"}}], "get": OK},
        "/ok/fine": {"get": OK},
    })
    spec = tmp_path / "hostile.json"
    spec.write_text(json.dumps(doc))
    with FaultServer(default="ok") as srv:
        result = cli(str(spec), "--base-url", srv.url, "--json", str(tmp_path / "r.json"), "-q", timeout=300)
        received = list(srv.received)
    assert result.code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["complete"] is True
    # a pattern no string matches: a simple value stands in, the path is still probed, and the report says so
    never = _cells(report, "/ok/never/{code}")
    assert never and not any(c["verdict"] == "skipped" for c in never)
    assert any(r.path.startswith("/ok/never/") for r in received)
    assert any("{code} of /ok/never/{code}" in n and "cannot be used" in n for n in report["notes"])
    # the run went on: the other paths were probed and judged
    assert {c["verdict"] for c in _cells(report, "/ok/fine")} == {"ok"}
    wide_get = next(c for c in _cells(report, wide) if c["method"] == "GET")
    assert wide_get["status"] == 200 and wide_get["url"].count("/") >= 1000
    kind = next(c for c in _cells(report, "/ok/enum/{kind}") if c["method"] == "GET")
    assert kind["status"] == 200 and kind["url"].rsplit("/", 1)[1] in set(enum)


# -- the loader against random input ---------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
# structures shaped a little like an OpenAPI document, so the loader gets past its first checks
openapi_like = st.fixed_dictionaries(
    {"openapi": st.sampled_from(["3.0.3", "3.1.0", "3.2.0", "2.0", "4", ""]) | json_values},
    optional={"info": json_values, "paths": st.dictionaries(st.text(max_size=12), json_values, max_size=4) | json_values,
              "swagger": json_values, "servers": json_values, "components": json_values},
)


def _load_or_fail(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"doc{suffix}"
    path.write_bytes(data)
    try:
        load_spec(str(path))
    except Conform405Error as exc:
        assert exc.exit_code == ExitCode.BAD_INPUT
        assert str(exc).strip()  # the CLI prints it on one line (test below)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=300))
def test_loader_random_bytes_load_or_fail_cleanly(tmp_path_factory, data):
    _load_or_fail(tmp_path_factory.mktemp("bytes"), data, ".yaml")


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(doc=openapi_like | json_values, as_yaml=st.booleans())
def test_loader_random_structures_load_or_fail_cleanly(tmp_path_factory, doc, as_yaml):
    text = yaml.safe_dump(doc) if as_yaml else json.dumps(doc)
    _load_or_fail(tmp_path_factory.mktemp("docs"), text.encode(), ".yaml" if as_yaml else ".json")


def test_cli_prints_a_loader_error_on_one_line(tmp_path: Path):
    (tmp_path / "doc.yaml").write_bytes(b"\x00openapi: 3.1.0\n  - [")
    result = cli(str(tmp_path / "doc.yaml"), "--base-url", "http://127.0.0.1:9")
    assert result.code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "doc.yaml" in lines[0] and "Traceback" not in result.stderr

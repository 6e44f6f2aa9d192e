"""Configuration files: discovery, ${ENV} expansion, severity overrides, ignores with reasons, flags win."""

from __future__ import annotations

import json
import textwrap

import pytest

from .support.run import cli
from .support.servers import serve_wsgi
from .test_report_formats import write_spec

SECRET = "s3cret-token-value"

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Configured API", "version": "1"},
    "paths": {
        "/items": {"get": {"responses": {"200": {"description": "items"}}}},
        "/things/{thingId}": {
            "parameters": [{"name": "thingId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"responses": {"200": {"description": "thing"}, "404": {"description": "none"}}},
        },
        "/health": {"get": {"responses": {"200": {"description": "up"}}}},
        "/internal/debug": {"get": {"responses": {"200": {"description": "debug"}}}},
    },
}


def make_flask_app():
    """Needs the API key on every request; /health serves an undeclared POST (the finding the config ignores)."""
    from flask import Flask, abort, jsonify, request

    app = Flask(__name__)

    @app.before_request
    def key():
        if request.headers.get("X-Api-Key") != SECRET:
            abort(401)

    @app.route("/items", methods=["GET"])
    def items():
        return jsonify([1, 2])

    @app.route("/things/<thing_id>", methods=["GET"])
    def thing(thing_id):
        if thing_id != "known-thing":
            abort(404)
        return jsonify({"id": thing_id})

    @app.route("/health", methods=["GET", "POST"])
    def health():
        return jsonify({"up": True})

    @app.route("/internal/debug", methods=["GET"])
    def debug():
        return jsonify({})

    return app


@pytest.fixture(scope="module")
def server():
    with serve_wsgi(make_flask_app()) as url:
        yield url


def _config(url: str, extra: str = "") -> str:
    return textwrap.dedent(f"""\
        base-url = "{url}"
        methods = ["GET", "POST", "PUT"]
        exclude-paths = ["/internal/*"]
        fail-on = "info"

        [headers]
        X-Api-Key = "${{API_KEY}}"

        [path-params]
        thingId = "known-thing"

        [severity]
        allow-mismatch = "info"

        [[ignore]]
        rule = "undeclared-method-accepted"
        path = "/health"
        method = "POST"
        reason = "POST /health is the load balancer's keep-alive ping (ticket OPS-12)"
        """) + extra


def test_conform405_toml_is_found_and_applied(server, tmp_path):
    write_spec(tmp_path, "yaml", SPEC)
    (tmp_path / "conform405.toml").write_text(_config(server))
    result = cli("api.yaml", "--json", "r.json", cwd=tmp_path, env={"API_KEY": SECRET})
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["target"]["base_url"] == server and report["target"]["config"] == "conform405.toml"
    assert report["target"]["methods"] == ["GET", "POST", "PUT"]
    assert {c["path"] for c in report["matrix"]} == {"/items", "/things/{thingId}", "/health"}  # exclude-paths
    cell = {(c["path"], c["method"]): c for c in report["matrix"]}
    assert cell[("/items", "GET")]["status"] == 200  # the header from ${API_KEY} was sent
    assert cell[("/things/{thingId}", "GET")]["status"] == 200 and "known-thing" in cell[("/things/{thingId}", "GET")]["url"]
    # the ignore entry: out of the findings, into "ignored" with its reason, repeated by the terminal report
    ignored = report["ignored"]
    assert [(i["rule"], i["path"], i["method"]) for i in ignored] == [("undeclared-method-accepted", "/health", "POST")]
    assert ignored[0]["ignore_reason"].startswith("POST /health is the load balancer's")
    assert not any(f["rule"] == "undeclared-method-accepted" for f in report["findings"])
    assert "reason: POST /health is the load balancer's keep-alive ping" in result.stdout
    # the severity override: allow-mismatch (Allow lists the undeclared POST on /health) is only info here
    mismatches = [f for f in report["findings"] if f["rule"] == "allow-mismatch"]
    assert mismatches and {f["severity"] for f in mismatches} == {"info"}
    # fail-on = "info" from the file: the info findings fail the run
    assert result.code == 1, result.stdout
    # the secret never reaches a report
    assert SECRET not in (tmp_path / "r.json").read_text() and SECRET not in result.stdout


def test_flags_override_the_file(server, tmp_path):
    write_spec(tmp_path, "yaml", SPEC)
    # the file points at a port nothing listens on; the flag's base URL wins
    (tmp_path / "conform405.toml").write_text(_config("http://127.0.0.1:9"))
    result = cli("api.yaml", "--base-url", server, "--methods", "GET,HEAD", "--fail-on", "never",
                 "--include-path", "/items", "-H", "X-Api-Key: " + SECRET, "--json", "-",
                 cwd=tmp_path, env={"API_KEY": "wrong"})
    assert result.code == 0, result.stderr  # --fail-on never beats fail-on = "info"
    report = result.json()
    assert report["target"]["base_url"] == server
    assert report["target"]["methods"] == ["GET", "HEAD"]
    assert {c["path"] for c in report["matrix"]} == {"/items"}
    # -H X-Api-Key beats the file's header of the same name (a wrong key would get 401)
    assert {c["method"]: c["status"] for c in report["matrix"]} == {"GET": 200, "HEAD": 200}


def test_pyproject_table_and_explicit_config(server, tmp_path):
    write_spec(tmp_path, "yaml", SPEC)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.conform405]\n'
                                             + _config(server).replace("[headers]", "[tool.conform405.headers]")
                                             .replace("[path-params]", "[tool.conform405.path-params]")
                                             .replace("[severity]", "[tool.conform405.severity]")
                                             .replace("[[ignore]]", "[[tool.conform405.ignore]]"))
    found = cli("api.yaml", "--json", "-", "--fail-on", "never", "--include-path", "/health", cwd=tmp_path, env={"API_KEY": SECRET})
    assert found.code == 0, found.stderr
    assert found.json()["target"]["config"] == "pyproject.toml"
    assert found.json()["ignored"][0]["ignore_reason"]
    # --config PATH names another file (a conform405.toml elsewhere)
    other = tmp_path / "ci" / "nightly.toml"
    other.parent.mkdir()
    other.write_text(_config(server).replace('methods = ["GET", "POST", "PUT"]', 'methods = ["GET"]'))
    explicit = cli("api.yaml", "--config", str(other), "--include-path", "/items", "--json", "-", cwd=tmp_path, env={"API_KEY": SECRET})
    assert explicit.json()["target"]["methods"] == ["GET"]


def test_missing_ignore_reason_is_a_config_error(tmp_path):
    write_spec(tmp_path, "yaml", SPEC)
    (tmp_path / "conform405.toml").write_text(_config("http://127.0.0.1:9") + '[[ignore]]\nrule = "trace-enabled"\npath = "/health"\n')
    result = cli("api.yaml", cwd=tmp_path, env={"API_KEY": "k"})
    assert result.code == 2
    line = result.stderr.strip()
    assert line == ("conform405: error: conform405.toml: ignore[2].reason: missing: every ignore entry needs a reason "
                    "(the reports repeat it)"), line


@pytest.mark.parametrize("extra, env, expected", [
    ("", {}, "headers.X-Api-Key: environment variable API_KEY is not set"),
    ('base_urll = "x"\n', {"API_KEY": "k"}, "base_urll: unknown key (did you mean base-url?)"),
    ('[[ignore]]\nrule = "allow-mising"\nreason = "r"\n', {"API_KEY": "k"}, "ignore[2].rule: no rule 'allow-mising' (did you mean allow-missing?)"),
])
def test_config_errors_name_file_and_key(tmp_path, extra, env, expected):
    from checker.config import load
    from checker.errors import ExitCode, UsageError

    text = _config("http://127.0.0.1:9")
    text = extra + text if extra.startswith("base_urll") else text + extra
    (tmp_path / "conform405.toml").write_text(text)
    with pytest.raises(UsageError) as info:
        load(cwd=tmp_path, env=env)
    assert info.value.exit_code == ExitCode.BAD_INPUT
    assert str(info.value).endswith("conform405.toml: " + expected), str(info.value)


def test_unit_parse_errors():
    from checker.config import parse
    from checker.errors import UsageError

    with pytest.raises(UsageError, match=r"severity.no-such-rule: no rule"):
        parse({"severity": {"no-such-rule": "off"}}, "c.toml")
    with pytest.raises(UsageError, match=r"severity.trace-enabled: must be one of"):
        parse({"severity": {"trace-enabled": "fatal"}}, "c.toml")
    with pytest.raises(UsageError, match=r"fail-on: must be one of"):
        parse({"fail-on": "sometimes"}, "c.toml")
    cfg = parse({"headers": {"Authorization": "Bearer ${T}"}, "ignore": [{"rule": "*", "reason": "r"}]}, "c.toml", env={"T": "x"})
    assert cfg.headers == (("Authorization", "Bearer x"),) and cfg.ignores[0].path == "*"


def test_run_settings_from_the_file_and_flags_win(tmp_path):
    """Run settings (client, probe switches, numbers) come from the file unless the flag is given."""
    import json as _json

    from checker.demo.server import DemoServer

    from .support.run import ROOT, cli

    (tmp_path / "conform405.toml").write_text(
        'slash-twins = false\nunknown-method = false\nstability-check = false\noverride-probes = "off"\n'
        'head-body-check = false\ndiscovery = false\nconcurrency = 4\nclient = "curl-L-X"\nallow-writes = true\n')
    spec = str(ROOT / "specs" / "bookshop.yaml")
    with DemoServer() as url:
        from_file = cli(spec, "--base-url", url, "--json", "-", cwd=tmp_path)
        overridden = cli(spec, "--base-url", url, "--json", "-", "--override-probes", "one", cwd=tmp_path)
    assert from_file.code == 1 and overridden.code == 1, (from_file.stderr, overridden.stderr)
    a, b = _json.loads(from_file.stdout), _json.loads(overridden.stdout)
    # the 40 cells only (allow-writes from the file: the declared POSTs and PUT too): every extra probe turned off
    # by the file (no discovery: no control GET either)
    assert a["summary"]["requests"] == 40 and a["writes_sent"] and {w["basis"] for w in a["writes_sent"]} == {"--allow-writes"}
    # the flag wins: one override probe set per path whose POST is undeclared (/books/{bookId}, /authors, /health):
    # 3 requests each, as the demo honours no override (the plain POST is the POST cell's own answer)
    assert b["summary"]["requests"] == 40 + 3 * 3


def test_bad_run_setting_in_the_file_is_a_config_error(tmp_path):
    from .support.run import ROOT, cli

    (tmp_path / "conform405.toml").write_text("concurrency = 2.5\n")
    result = cli(str(ROOT / "specs" / "bookshop.yaml"), "--base-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert result.code == 2 and "concurrency" in result.stderr and "Traceback" not in result.stderr

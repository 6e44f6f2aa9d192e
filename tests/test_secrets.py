"""Secrets (-H, --auth, config headers) are sent to the target but never written anywhere: not in any
report format, not on the terminal, not in the curl lines (an environment variable reference instead),
not even when the server echoes them back; and never sent to another origin on a redirect."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from checker.reproduce import curl_command, secret_ref
from checker.observe import Exchange

from .support.fault_server import FaultServer, spec_for
from .support.run import cli

TOKEN = "tok-SECRET-7f3a9c"
API_KEY = "key-SECRET-51be0d"
PASSWORD = "pw-SECRET-c0ffee"
CONFIG_KEY = "cfg-SECRET-d00d42"
BASIC = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
SECRETS = (TOKEN, API_KEY, PASSWORD, BASIC, CONFIG_KEY)
FORMATS = ("json", "junit", "sarif", "markdown", "html")


def _formats_available() -> list[str]:
    help_text = cli("run", "--help").stdout
    return [f for f in FORMATS if f"--{f}" in help_text]


def test_secrets_are_masked_everywhere_and_never_cross_origins(tmp_path: Path):
    (tmp_path / "spec.json").write_text(json.dumps(spec_for(["/echo", "/elsewhere"])))
    (tmp_path / "conform405.toml").write_text('[headers]\nX-Config-Token = "${CONF405_TEST_KEY}"\n')
    formats = _formats_available()
    with FaultServer() as other, FaultServer(elsewhere=None) as srv:
        srv.elsewhere = other.url  # /elsewhere answers 307 to the same path on another origin
        out_args = [a for f in formats for a in (f"--{f}", str(tmp_path / f"report.{f}"))]
        result = cli(str(tmp_path / "spec.json"), "--base-url", srv.url, "--config", str(tmp_path / "conform405.toml"),
                     "-H", f"Authorization: Bearer {TOKEN}", "-H", f"X-Api-Key: {API_KEY}", *out_args,
                     cwd=tmp_path, env={"CONF405_TEST_KEY": CONFIG_KEY, "COLUMNS": "400"})
        received = list(srv.received)
        elsewhere_got = list(other.received)
    assert result.code in (0, 1), result.stderr
    # sent to the target, for real
    echo = [r for r in received if r.path == "/echo" and r.method == "GET"]
    assert echo and echo[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert echo[0].headers["x-api-key"] == API_KEY and echo[0].headers["x-config-token"] == CONFIG_KEY
    # ... and written nowhere: every report format, the terminal, standard error
    texts = {f: (tmp_path / f"report.{f}").read_text() for f in formats}
    texts["terminal"] = result.stdout
    texts["stderr"] = result.stderr
    for where, text in texts.items():
        for secret in (TOKEN, API_KEY, CONFIG_KEY):
            assert secret not in text, f"{secret} leaked into {where}"
    report = json.loads(texts["json"])
    # the echo path's answer repeats every header back: the excerpt shows the reference, not the value
    assert "${CONFORM405_AUTHORIZATION}" in json.dumps(report)
    curl = [f["reproduce"] for f in report["findings"] if f.get("reproduce")]
    assert curl and all('-H "authorization: ${CONFORM405_AUTHORIZATION}"' in c for c in curl)
    assert all('"x-api-key: ${CONFORM405_X_API_KEY}"' in c for c in curl)
    # a cross-origin redirect is not followed: the other origin never saw a request, let alone a credential
    assert any(r.path == "/elsewhere" for r in received)
    assert elsewhere_got == []


def test_auth_basic_is_sent_and_masked(tmp_path: Path):
    (tmp_path / "spec.json").write_text(json.dumps(spec_for(["/echo"])))
    with FaultServer() as srv:
        result = cli(str(tmp_path / "spec.json"), "--base-url", srv.url, "--auth", f"alice:{PASSWORD}",
                     "--json", str(tmp_path / "r.json"), env={"COLUMNS": "400"})
        sent = [r.headers.get("authorization") for r in srv.received]
    assert result.code in (0, 1), result.stderr
    assert sent and set(sent) == {f"Basic {BASIC}"}
    text = (tmp_path / "r.json").read_text()
    for out in (text, result.stdout, result.stderr):
        assert PASSWORD not in out and BASIC not in out
    assert "${CONFORM405_AUTHORIZATION}" in text


def test_auth_without_a_colon_is_a_usage_error_that_does_not_echo_it(tmp_path: Path):
    (tmp_path / "spec.json").write_text(json.dumps(spec_for(["/echo"])))
    result = cli(str(tmp_path / "spec.json"), "--base-url", "http://127.0.0.1:9", "--auth", PASSWORD)
    assert result.code == 2
    assert PASSWORD not in result.stderr and "Traceback" not in result.stderr


def test_curl_line_reads_the_secret_from_the_environment():
    ex = Exchange("DELETE", "http://127.0.0.1:1/items/1",
                  (("authorization", secret_ref("authorization")), ("x-trace", "it's plain")))
    line = curl_command(ex)
    assert '-H "authorization: ${CONFORM405_AUTHORIZATION}"' in line  # double quotes: the shell expands it
    assert "-H 'x-trace: it'\"'\"'s plain'" in line  # everything else single-quoted, literally


def test_malformed_header_option_does_not_echo_its_value(tmp_path: Path):
    (tmp_path / "spec.json").write_text(json.dumps(spec_for(["/echo"])))
    result = cli(str(tmp_path / "spec.json"), "--base-url", "http://127.0.0.1:9", "-H", f"Authorization Bearer {TOKEN}")
    assert result.code == 2
    assert TOKEN not in result.stderr and "-H must look like NAME:VALUE" in result.stderr


def test_credentials_in_the_base_url_are_lifted_into_a_masked_header(tmp_path):
    """``--base-url http://user:pass@host`` must not print the password anywhere: it is sent as a Basic
    Authorization header (the server sees it) and every report shows the masked reference instead."""
    import base64

    from checker.demo.server import DemoServer

    from .support.run import ROOT, cli

    secret = "s3cr3t-pw"
    with DemoServer() as url:
        with_creds = url.replace("http://", f"http://ci-user:{secret}@")
        out = tmp_path / "r.json"
        result = cli(str(ROOT / "specs" / "bookshop.yaml"), "--base-url", with_creds, "--json", str(out),
                     "--html", str(tmp_path / "r.html"), "--markdown", str(tmp_path / "r.md"))
    assert result.code == 1, result.stderr
    texts = [result.stdout, result.stderr] + [p.read_text() for p in tmp_path.iterdir()]
    token = base64.b64encode(f"ci-user:{secret}".encode()).decode()
    for text in texts:
        assert secret not in text and token not in text
    report = out.read_text()
    assert "${CONFORM405_AUTHORIZATION}" in report and "ci-user" not in report


def test_credentials_lifted_from_the_url_still_reach_the_server(tmp_path):
    import base64
    import json as _json

    from .support.fault_server import FaultServer, spec_for
    from .support.run import cli

    path = tmp_path / "s.json"
    path.write_text(_json.dumps(spec_for(["/ok/1"])))
    with FaultServer() as srv:
        result = cli(str(path), "--base-url", srv.url.replace("http://", "http://u1:p%40ss@"), "--methods", "GET", "-q")
        sent = {r.headers.get("authorization") for r in srv.received}
    assert result.code == 0, result.stderr
    assert sent == {"Basic " + base64.b64encode(b"u1:p@ss").decode()}

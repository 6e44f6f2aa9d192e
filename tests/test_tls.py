"""HTTPS through the socket client (checker/http/wire.py): a real TLS server on 127.0.0.1 with a throwaway CA
(trustme). Certificates are verified: a private CA is trusted the standard way (``SSL_CERT_FILE``), and an
unknown one makes the target unreachable with the reason, never a traceback."""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

trustme = pytest.importorskip("trustme", reason="trustme (test extra) makes the throwaway CA")

from .support.run import cli  # noqa: E402

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "tls", "version": "1"},
    "paths": {"/items": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.connections.add(self.client_address)  # type: ignore[attr-defined]
        if self.path == "/items" and self.command in ("GET", "HEAD"):
            body, status, extra = b"[]", 200, {"Content-Type": "application/json"}
        elif self.path == "/items":
            body, status, extra = b"", 405, {"Allow": "GET, HEAD"}
        else:
            body, status, extra = b"no", 404, {}
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def __getattr__(self, name: str):
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    folder = tmp_path_factory.mktemp("tls")
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.connections = set()  # type: ignore[attr-defined]
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    spec = folder / "spec.json"
    spec.write_text(json.dumps(SPEC))
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}", str(ca_file), str(spec), httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_https_target_with_a_trusted_private_ca_is_probed_and_judged(tls_server, tmp_path):
    url, ca_file, spec, httpd = tls_server
    out = tmp_path / "r.json"
    r = cli(spec, "--base-url", url, "--json", str(out), "--no-progress", env={"SSL_CERT_FILE": ca_file})
    assert r.code == 0, r.stderr  # a conformant server: every cell judged ok over TLS
    report = json.loads(out.read_text())
    assert report["target"]["transport"] == "socket"
    cells = {c["method"]: c for c in report["matrix"]}
    assert cells["GET"]["status"] == 200 and cells["POST"]["status"] == 405
    assert cells["POST"]["allow"] == "GET, HEAD"
    assert {c["verdict"] for c in report["matrix"]} == {"ok"}
    # keep-alive over TLS: far fewer connections than requests
    assert len(httpd.connections) < report["summary"]["requests"]


def test_https_target_with_an_unknown_ca_is_unreachable_with_the_reason(tls_server, tmp_path):
    url, _, spec, _ = tls_server
    out = tmp_path / "r.json"
    r = cli(spec, "--base-url", url, "--json", str(out), "--no-progress",
            env={"SSL_CERT_FILE": str(tmp_path / "no-such-ca.pem")})
    assert r.code == 3, (r.code, r.stderr)
    assert "Traceback" not in r.stderr
    assert "certificate" in r.stderr.lower() and "TLS" in r.stderr
    assert json.loads(out.read_text())["summary"]["complete"] is False  # the report is still written

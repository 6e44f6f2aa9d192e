"""Bad input through the real CLI: one line naming the problem and where, exit code 2, no traceback,
bounded time and memory (the CLI runs under an address-space limit and a hard timeout)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from checker.spec.yaml_doc import MAX_YAML_DEPTH

from .support.run import ROOT, CliResult

from .support.servers import serve_asgi

#: Address space for one CLI process: far above what loading a small document needs,
#: far below what expanding an alias bomb or a 10,000-level tree naively would take.
MEMORY_LIMIT = 1536 * 1024 * 1024

_BOUNDED = (
    "import resource, sys\n"
    "resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n"
    "sys.argv[0] = 'conform405'\n"
    "from checker.cli import main\n"
    "main()\n"
)


def bounded_cli(*args: str, timeout: float = 60) -> CliResult:
    """``conform405 ARGS`` in a fresh interpreter with a memory limit; the timeout bounds the time."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    code = _BOUNDED.format(limit=MEMORY_LIMIT)
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def assert_one_line_error(result: CliResult, *needles: str) -> str:
    assert result.code == 2, (result.code, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("conform405: error: ")
    for needle in needles:
        assert needle in line, line
    return line


def _deep_json(n: int) -> str:
    return '{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}, "x": ' + "[" * n + "]" * n + "}"


def _bomb() -> str:
    lines = ["openapi: 3.0.0", "info: {title: bomb, version: '1'}", "paths: {}", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghijk":
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
        prev = name
    return "\n".join(lines) + "\n"


CASES = {
    # name: (file content, what the message says, where it says it is)
    "empty": (b"", "the document is empty", None),
    "blank": (b"\n  \n\t\n", "the document is empty", None),
    "yaml-not-openapi": (b"name: x\nitems: [1, 2]\n", "no 'openapi' or 'swagger' field", None),
    "yaml-list": (b"- a\n- b\n", "the top level is an array", None),
    "yaml-scalar": (b"just some text\n", "the top level is a string", None),
    "json-not-openapi": (b'{"name": "x"}', "no 'openapi' or 'swagger' field", None),
    "non-utf8": (b"openapi: 3.0.0\ninfo: {title: caf\xe9, version: '1'}\npaths: {}\n",
                 "not UTF-8 text: invalid byte 0xe9 at byte offset 32 (line 2)", None),
    "binary": (bytes(range(256)) * 4, "not UTF-8 text", None),
    "broken-yaml": (b"openapi: 3.0.0\ninfo: [unclosed\n", "not valid YAML or JSON at line", None),
    "alias-bomb": (_bomb().encode(), "YAML aliases expand to more than", None),
    "recursive-alias": (b"openapi: 3.0.0\na: &a [*a]\n", "a YAML alias refers to a node that contains it", None),
    "deep-json": (_deep_json(10_000).encode(), "nesting deeper than the JSON parser allows", None),
    "deep-yaml-flow": (("openapi: 3.0.0\nx: " + "[" * 10_000 + "]" * 10_000 + "\n").encode(),
                       f"nesting deeper than {MAX_YAML_DEPTH} levels at line 2", None),
    "deep-yaml-flow-100k": (("openapi: 3.0.0\nx: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n").encode(),
                            f"nesting deeper than {MAX_YAML_DEPTH} levels at line 2", None),
    "deep-yaml-compact": (("openapi: 3.0.0\nx:\n" + "- " * 10_000 + "x\n").encode(),
                          f"nesting deeper than {MAX_YAML_DEPTH} levels at line 3", None),
    "unbalanced-open": (b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id:\n    get: {responses: {'200': {description: ok}}}\n",
                        "unbalanced '{' in path template: '/a/{id'", "/paths/~1a~1{id"),
    "unbalanced-close": (b'{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a/id}": {}}}',
                         "unbalanced '}' in path template", "/paths/~1a~1id}"),
    "path-item-array": (b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: [1, 2]\n",
                        "a path item must be an object, not an array", "/paths/~1a"),
    "path-item-string": (b'{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": "oops"}}',
                         "a path item must be an object, not a string", "/paths/~1a"),
    "operation-string": (b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: nope\n",
                         "an operation must be an object, not a string", "/paths/~1a/get"),
    "operation-list": (b"swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    post: [1]\n",
                       "an operation must be an object, not an array", "/paths/~1a/post"),
    "paths-array": (b"openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: [1]\n", "'paths' must be an object", "/paths"),
    "swagger-1.2": (b'{"swagger": "1.2", "paths": {}}', "unsupported Swagger version '1.2'", "/swagger"),
    "openapi-4": (b"openapi: 4.0.0\npaths: {}\n", "unsupported OpenAPI version '4.0.0'", "/openapi"),
    # integers longer than Python converts from text (4,300 digits by default): refused, located
    "long-int-json": (('{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}, "x": [1, -'
                       + "9" * 5000 + "]}").encode(), "an integer of 5,000 digits at line 1, column 85", None),
    "long-int-yaml": (("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\nx: " + "9" * 5000 + "\n").encode(),
                      "an integer of 5,000 digits at line 4, column 4", None),
    "long-int-yaml-underscores": (("openapi: 3.0.0\npaths: {}\nx: 1_" + "0" * 5000 + "\n").encode(),
                                  "an integer of 5,001 digits at line 3, column 4", None),
    "long-int-yaml-merge-key": (("openapi: 3.0.0\nb: &b {k: 1}\nx:\n  <<: *b\n  y: " + "7" * 5000 + "\n").encode(),
                                "an integer of 5,000 digits at line 5, column 6", None),
    "not-an-integer-yaml": (b"openapi: 3.0.0\npaths: {}\nx: !!int abc\n", "not an integer at line 3, column 4: 'abc'", None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_document(name: str, tmp_path: Path):
    content, message, pointer = CASES[name]
    doc = tmp_path / f"{name}.yaml"
    doc.write_bytes(content)
    line = assert_one_line_error(bounded_cli("plan", str(doc)), message, str(doc))
    if pointer:
        assert f" {pointer}: " in line


def test_bad_documents_fail_the_run_command_the_same_way(tmp_path: Path):
    doc = tmp_path / "empty.json"
    doc.write_bytes(b"")
    assert_one_line_error(bounded_cli(str(doc), "--base-url", "http://127.0.0.1:9"), "the document is empty")


def test_missing_file_and_folder(tmp_path: Path):
    assert_one_line_error(bounded_cli("plan", str(tmp_path / "nope.yaml")), "no such file", "nope.yaml")
    assert_one_line_error(bounded_cli("plan", str(tmp_path)), "is a folder, not an OpenAPI document")
    main = tmp_path / "main.yaml"
    main.write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {$ref: 'gone.yaml'}\n")
    strict = bounded_cli("plan", str(main), "--strict")
    assert_one_line_error(strict, "no such file", "/paths/~1a")
    lenient = bounded_cli("plan", str(main), "--json", "-")
    # not fatal without --strict, but it was the only path: nothing is left to plan, which is a usage error
    assert lenient.code == 2 and lenient.stdout == ""
    assert "warning:" in lenient.stderr and "gone.yaml" in lenient.stderr and "Traceback" not in lenient.stderr
    assert "no path left to probe" in lenient.stderr.strip().splitlines()[-1]


def test_refused_refs_name_the_option(tmp_path: Path):
    specs = Path(__file__).parent / "specs"
    assert_one_line_error(bounded_cli("plan", str(specs / "remote-ref.yaml")),
                          "$ref to a URL (http://127.0.0.1:9/item.yaml) is not fetched unless --allow-remote-refs is given")
    assert_one_line_error(bounded_cli("plan", str(specs / "outside" / "spec" / "main.yaml")),
                          "$ref leaves the spec's folder", "--allow-outside-refs")
    allowed = bounded_cli("plan", str(specs / "outside" / "spec" / "main.yaml"), "--allow-outside-refs", "--json", "-")
    assert allowed.code == 0 and {c["path"] for c in allowed.json()["matrix"]} == {"/inside", "/outside"}


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_url_that_refuses_the_connection():
    url = f"http://127.0.0.1:{_closed_port()}/openapi.json"
    assert_one_line_error(bounded_cli("plan", url), "cannot connect", url)


def test_url_that_accepts_but_never_answers_is_bounded_by_the_fetch_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                accepted.append(conn)  # read nothing, answer nothing
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/openapi.json"
    try:
        result = bounded_cli("plan", url, "--fetch-timeout", "1", timeout=60)
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()
    assert_one_line_error(result, "no answer within 1 s (--fetch-timeout)", url)
    assert accepted  # it really connected and waited


def test_url_answering_an_error_status():
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b"boom"})

    with serve_asgi(app) as url:
        assert_one_line_error(bounded_cli("plan", url + "/openapi.json"), "answered HTTP 500")


def _fastapi_app():
    from fastapi import FastAPI

    app = FastAPI(title="Served over HTTP")

    @app.get("/items/{item_id}")
    def read_item(item_id: int) -> dict:
        return {"id": item_id}

    @app.put("/items/{item_id}")
    def put_item(item_id: int) -> dict:
        return {"id": item_id}

    @app.get("/health")
    def health() -> dict:
        return {}

    return app


def test_spec_served_by_fastapi_over_http_loads():
    with serve_asgi(_fastapi_app()) as url:
        result = bounded_cli("plan", url + "/openapi.json", "--json", "-")
        assert result.code == 0, result.stderr
        data = result.json()
    assert data["spec"]["title"] == "Served over HTTP"
    declared = {(c["path"], c["method"]) for c in data["matrix"] if c["declared"]}
    assert declared == {("/items/{item_id}", "GET"), ("/items/{item_id}", "PUT"), ("/health", "GET")}
    # FastAPI declares no servers: the document's own URL is the base (relative server '/', OAS 3 §4.8.5)
    urls = {c["url"] for c in data["matrix"]}
    assert urls == {url + "/items/{item_id}", url + "/health"}


def test_remote_ref_is_fetched_only_when_allowed(tmp_path: Path):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def item(request):
        return PlainTextResponse("get: {responses: {'200': {description: ok}}}\ndelete: {responses: {'204': {description: gone}}}\n")

    with serve_asgi(Starlette(routes=[Route("/item.yaml", item)])) as url:
        doc = tmp_path / "main.yaml"
        doc.write_text(f"openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /remote: {{$ref: '{url}/item.yaml'}}\n")
        assert_one_line_error(bounded_cli("plan", str(doc)), f"$ref to a URL ({url}/item.yaml) is not fetched unless --allow-remote-refs")
        allowed = bounded_cli("plan", str(doc), "--allow-remote-refs", "--json", "-")
    assert allowed.code == 0, allowed.stderr
    assert {c["method"] for c in allowed.json()["matrix"] if c["declared"]} == {"GET", "DELETE"}


def test_run_fetch_timeout_bounds_a_spec_url_that_never_answers():
    """``run`` takes --fetch-timeout too: a spec URL whose server accepts and never answers ends with exit 2."""
    import socket

    from .support.run import cli as run_cli

    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        url = f"http://127.0.0.1:{srv.getsockname()[1]}/openapi.json"
        result = run_cli(url, "--base-url", "http://127.0.0.1:9", "--fetch-timeout", "0.5", timeout=60)
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _padded_document(size: int, syntax: str) -> bytes:
    """A valid OpenAPI document of exactly ``size`` bytes (one path; the rest is an x- string)."""
    if syntax == "json":
        head, tail = b'{"openapi": "3.0.0", "info": {"title": "big", "version": "1"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}, "x-pad": "', b'"}'
    else:
        head, tail = b"openapi: 3.0.0\ninfo: {title: big, version: '1'}\npaths:\n  /a: {get: {responses: {'200': {description: ok}}}}\nx-pad: ", b"\n"
    return head + b"a" * (size - len(head) - len(tail)) + tail


MB = 1024 * 1024


@pytest.mark.parametrize("syntax", ["json", "yaml"])
def test_document_over_max_spec_size_is_refused_before_it_is_read(syntax: str, tmp_path: Path):
    doc = tmp_path / f"big.{syntax}"
    doc.write_bytes(_padded_document(MB + 1, syntax))
    for command in (("plan",), ("run", "--base-url", "http://127.0.0.1:9")):
        assert_one_line_error(bounded_cli(*command, str(doc), "--max-spec-size", "1MB"),
                              str(doc), "the document is 1MB (1,048,577 bytes), over the limit of 1MB (--max-spec-size)")
    allowed = bounded_cli("plan", str(doc), "--max-spec-size", "2M", "--json", "-")
    assert allowed.code == 0, allowed.stderr
    assert [c["path"] for c in allowed.json()["matrix"]][:1] == ["/a"]
    exact = bounded_cli("plan", str(doc), "--max-spec-size", str(MB + 1), "--json", "-")
    assert exact.code == 0, exact.stderr


def test_max_spec_size_bounds_each_referenced_file(tmp_path: Path):
    (tmp_path / "item.yaml").write_text("get: {responses: {'200': {description: ok}}}\nx-pad: " + "a" * 3000 + "\n")
    main = tmp_path / "main.yaml"
    main.write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a: {$ref: 'item.yaml'}\n")
    assert_one_line_error(bounded_cli("plan", str(main), "--max-spec-size", "1KB", "--strict"),
                          "$ref 'item.yaml'", "over the limit of 1KB (--max-spec-size)")
    assert bounded_cli("plan", str(main), "--max-spec-size", "4KB", "--strict").code == 0


@pytest.mark.parametrize("value", ["1x", "0", "-5MB", "MB", ""])
def test_max_spec_size_that_is_not_a_size(value: str):
    assert_one_line_error(bounded_cli("plan", "specs/bookshop.yaml", "--max-spec-size", value), "--max-spec-size must be a size")


@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
def test_fetched_document_over_max_spec_size_is_refused(announced: bool):
    body = _padded_document(4096, "json")
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"application/json")]
        if announced:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i in range(0, len(body), 512):  # without a length: chunked, in pieces
            await send({"type": "http.response.body", "body": body[i:i + 512], "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    with serve_asgi(app) as url:
        assert_one_line_error(bounded_cli("plan", url + "/openapi.json", "--max-spec-size", "1KB"),
                              url + "/openapi.json", "over the limit of 1KB (--max-spec-size)")
        fits = bounded_cli("plan", url + "/openapi.json", "--max-spec-size", "4KB", "--json", "-")
    assert fits.code == 0, fits.stderr


def test_json_holding_too_many_values_is_refused_before_it_is_parsed(tmp_path: Path):
    from checker.spec.parse import MAX_NODES

    doc = tmp_path / "dense.json"  # [[],[],...]: 15 MB of empty arrays would take over 1 GB once built
    doc.write_bytes(b'{"openapi": "3.0.0", "paths": {}, "x": [' + b"[]," * MAX_NODES + b"[]]}")
    assert_one_line_error(bounded_cli("plan", str(doc)), str(doc), f"holds more than {MAX_NODES:,} values")

"""A conformant server generated from an OpenAPI document: Starlette routes with EXACTLY the declared methods.

    python -m benchmarks.conformant_server SPEC          # prints its URL, serves until killed
    with serve(SPEC) as url: ...                         # the same, as a subprocess on 127.0.0.1

One Route per request path, listing every method the document declares for it, so every
405 carries a correct ``Allow`` (Starlette adds HEAD where GET is declared). The router is
made exact in two ways Starlette's defaults are not:

* routes are ordered most specific first (literal segments before ``{param}`` ones), and a
  route whose *path* matches answers the request itself -- 405 with its own ``Allow`` for a
  method it lacks -- instead of letting a later, looser route serve it (Starlette keeps
  looking after a path-only match, so ``POST /repos/o/generate`` could reach ``/repos/{owner}/{repo}``);
* no trailing-slash redirects: an unknown path is a plain 404.

Odd path keys: ``#fragment`` is not part of the route (it is never sent), ``?query`` neither
(the query is sent but does not route), and parameter names are renamed ``p0, p1, ...``
(Starlette reads ``{name:convertor}``, so ``{name:x}`` or ``{user-id}`` would break it).
Keys that become the same route share it, with the union of their methods.

It is served by uvicorn with httptools (uvloop when installed) on 127.0.0.1, on an ephemeral port
(``serve(..., http="h11")`` for a server that also answers made-up method tokens with 405, not 400).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

HOST = "127.0.0.1"
_PARAM = re.compile(r"\{[^{}/]*\}")


def routes_from_spec(spec_path: str) -> dict[str, list[str]]:
    """``{starlette route path: [declared methods]}``, most specific first."""
    from checker.spec import LoadOptions, load_spec
    from checker.spec.paths import request_path

    spec = load_spec(spec_path, LoadOptions())
    routes: dict[str, list[str]] = {}
    for item in spec.paths:
        path = request_path(item.template).split("?", 1)[0] or "/"
        if not path.startswith("/"):
            continue
        path = route_path(path, _integer_params(spec, item))
        methods = routes.setdefault(path, [])
        for m in item.operations:
            if m not in methods:
                methods.append(m)
    return dict(sorted(routes.items(), key=lambda kv: _specificity(kv[0])))


def route_path(path: str, integers: frozenset[str] = frozenset()) -> str:
    """A spec request path as a Starlette route path: ``{anything}`` -> ``{p0}``, ``{p1:int}``, ...

    Integer parameters get Starlette's ``int`` convertor, so two keys that differ only in a
    parameter's type (``/attestations/{attestation_id}`` integer, ``/attestations/{subject_digest}``
    string, both in GitHub's description) stay two routes, as on the real API.
    """
    counter = iter(range(10_000))

    def sub(m: re.Match[str]) -> str:
        n = next(counter)
        return f"{{p{n}:int}}" if m.group(0)[1:-1] in integers else f"{{p{n}}}"

    return _PARAM.sub(sub, path)


def _integer_params(spec, item) -> frozenset[str]:
    out = set()
    params = list(item.parameters) + [p for op in item.operations.values() for p in op.parameters]
    for p in params:
        if p.location != "path" or not isinstance(p.schema, dict):
            continue
        schema = p.schema
        if "$ref" in schema:
            try:
                schema, _, _ = spec.resolver.lookup(schema["$ref"], p.base, "schema")
            except Exception:  # noqa: BLE001 - an odd ref: treat it as a string
                continue
        if isinstance(schema, dict) and schema.get("type") == "integer" and "enum" not in schema:
            out.add(p.name)
    return frozenset(out)


def _specificity(path: str) -> tuple:
    # segment by segment: literal before integer parameter before any parameter; then longer first
    segs = path.split("/")
    return tuple((2 if "{" in s and ":int}" not in s else 1 if "{" in s else 0, s) for s in segs) + ((3, ""),)


def build_app(spec_path: str):
    """The ASGI app: Starlette ``Route``s (one per path, all its declared methods) in Starlette
    ``Router``s, bucketed by segment count and first segment so that routing 800 paths costs a
    few regex matches rather than 800 (the bench measures the client, not the router)."""
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Match, Route, Router

    class ExactRoute(Route):
        """A path match is final: a method this route lacks gets its 405 with this route's Allow."""

        def matches(self, scope):  # type: ignore[override]
            match, child = super().matches(scope)
            return (Match.FULL if match == Match.PARTIAL else match), child

    def endpoint_for(methods: list[str]):
        allow = ", ".join(dict.fromkeys(methods + (["HEAD"] if "GET" in methods else [])))

        async def endpoint(request: Request) -> Response:
            if request.method == "OPTIONS":  # a declared OPTIONS tells the truth about the path
                return Response(status_code=204, headers={"allow": allow})
            return Response(b"{}", media_type="application/json")

        return endpoint

    exact: dict[tuple[int, str], list[Route]] = {}
    wild: dict[int, list[Route]] = {}
    for path, methods in routes_from_spec(spec_path).items():
        if not methods:
            continue
        route = ExactRoute(path, endpoint_for(methods), methods=methods)
        segs = path.split("/")
        if "{" in segs[1]:
            wild.setdefault(len(segs), []).append(route)
        else:
            exact.setdefault((len(segs), segs[1]), []).append(route)
    routers: dict[tuple[int, str | None], Router] = {}
    for (n, first), routes in exact.items():
        routers[(n, first)] = Router(routes=routes + wild.get(n, []), redirect_slashes=False)
    for n, routes in wild.items():
        routers[(n, None)] = Router(routes=routes, redirect_slashes=False)
    not_found = PlainTextResponse("Not Found", status_code=404)

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        segs = scope["path"].split("/")
        router = routers.get((len(segs), segs[1] if len(segs) > 1 else "")) or routers.get((len(segs), None))
        if router is None:
            await not_found(scope, receive, send)
        else:
            await router(scope, receive, send)

    return _KeepEncodedSlashes(app)


class _KeepEncodedSlashes:
    """Route on the path with ``%2F`` kept encoded: a parameter value may hold a slash
    (GitHub's ``{ref}`` is ``heads/main``), as on the real API. Counts the requests it sees
    (``requests``); the server counts those its HTTP parser refuses before the app (``refused``)."""

    def __init__(self, app) -> None:
        self.app = app
        self.requests = 0
        self.refused = 0

    async def __call__(self, scope, receive, send):
        self.requests += 1
        raw = scope.get("raw_path") if scope["type"] == "http" else None
        if raw and (b"%2F" in raw or b"%2f" in raw):
            from urllib.parse import unquote

            raw_path = raw.split(b"?", 1)[0].decode("latin-1")
            scope = {**scope, "path": unquote(raw_path.replace("%2F", "%252F").replace("%2f", "%252F"))}
        await self.app(scope, receive, send)


def _counting_protocol(http: str, app: _KeepEncodedSlashes):
    """uvicorn's protocol class for ``http``, counting the requests its parser refuses with 400 before the
    app sees them (httptools does so for a made-up method token): the server's count is every request."""
    from uvicorn.config import HTTP_PROTOCOLS
    from uvicorn.importer import import_from_string

    base = import_from_string(HTTP_PROTOCOLS[http])

    class Counting(base):  # type: ignore[misc, valid-type]
        def send_400_response(self, msg: str) -> None:
            app.refused += 1
            super().send_400_response(msg)

    return Counting


def _serve_forever(spec_path: str) -> None:
    import socket

    import uvicorn

    app = build_app(spec_path)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((HOST, 0))
    http = _counting_protocol(os.environ.get("CONFORM405_BENCH_HTTP", "httptools"), app)
    config = uvicorn.Config(app, http=http, loop="auto", log_level="error", access_log=False,
                            lifespan="off", backlog=2048, timeout_keep_alive=30)
    server = uvicorn.Server(config)
    count_file = os.environ.get("CONFORM405_BENCH_COUNT_FILE")
    if count_file:
        import signal

        def report_count(*_: object) -> None:  # SIGUSR1: write how many requests were served so far
            tmp = count_file + ".tmp"
            with open(tmp, "w") as fh:
                fh.write(str(app.requests + app.refused))
            os.replace(tmp, count_file)

        signal.signal(signal.SIGUSR1, report_count)
    print(f"http://{HOST}:{sock.getsockname()[1]}", flush=True)
    if os.environ.get("CONFORM405_BENCH_CHILD"):
        import threading

        def watch_parent() -> None:  # standard input closes when the parent dies: stop with it
            try:
                sys.stdin.buffer.read()
            finally:
                os._exit(0)

        threading.Thread(target=watch_parent, daemon=True).start()
    server.run(sockets=[sock])


class Running:
    """A generated server running in a subprocess: its URL and how many requests it has served."""

    def __init__(self, url: str, proc: subprocess.Popen, count_file: str) -> None:
        self.url, self.proc, self._count_file = url, proc, count_file

    def requests(self, timeout: float = 10.0) -> int | None:
        """Requests served so far, those the HTTP parser refused with 400 included (asked by signal;
        None if the server does not answer)."""
        import signal

        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._count_file)
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(FileNotFoundError, ValueError):
                with open(self._count_file) as fh:
                    return int(fh.read())
            time.sleep(0.01)
        return None


@contextlib.contextmanager
def serve(spec_path: str | Path, timeout: float = 60.0, http: str = "httptools") -> Iterator[str]:
    """Run the generated server in a subprocess on 127.0.0.1; yields its base URL; stops it after.

    ``http="h11"`` serves with uvicorn's h11 parser, which passes any method token to the app (a 405
    with ``Allow``); httptools answers an unknown token with 400 before the app sees it."""
    with serve_counted(spec_path, timeout, http) as running:
        yield running.url


@contextlib.contextmanager
def serve_counted(spec_path: str | Path, timeout: float = 60.0, http: str = "httptools") -> Iterator[Running]:
    """Like :func:`serve`, yielding a :class:`Running` that can tell how many requests it served."""
    import tempfile

    root = Path(__file__).resolve().parents[1]
    count_dir = tempfile.mkdtemp(prefix="c405-bench-")
    count_file = os.path.join(count_dir, "count")
    env = {**os.environ, "CONFORM405_BENCH_CHILD": "1", "CONFORM405_BENCH_COUNT_FILE": count_file,
           "CONFORM405_BENCH_HTTP": http,
           "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # standard error goes to a file, never a pipe nobody reads: a full pipe would freeze the server
    # (uvicorn logs every request httptools refuses)
    errors = open(os.path.join(count_dir, "stderr"), "w+b")
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks.conformant_server", str(spec_path)],
                            stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.PIPE, env=env, cwd=root)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            if proc.poll() is not None or time.monotonic() > deadline:
                errors.seek(0)
                err = errors.read().decode(errors="replace")
                raise RuntimeError(f"the generated server did not start: {err.strip()[-500:]}")
            ready, _, _ = select.select([proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 256)
                if not chunk:
                    continue
                line += chunk
        url = line.decode().strip()
        _wait_listening(url, deadline)
        yield Running(url, proc, count_file)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        errors.close()
        import shutil

        shutil.rmtree(count_dir, ignore_errors=True)


def _wait_listening(url: str, deadline: float) -> None:
    import socket
    from urllib.parse import urlparse

    p = urlparse(url)
    while True:
        try:
            with socket.create_connection((p.hostname, p.port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the generated server does not listen at {url}") from None
            time.sleep(0.05)


def __getattr__(name: str):
    """``benchmarks.conformant_server:app`` -- the app for $CONFORM405_BENCH_SPEC, for in-process runs (--app)."""
    if name == "app":
        spec = os.environ.get("CONFORM405_BENCH_SPEC")
        if not spec:
            raise AttributeError("set CONFORM405_BENCH_SPEC to the spec the app is generated from")
        globals()["app"] = built = build_app(spec)
        return built
    raise AttributeError(name)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m benchmarks.conformant_server SPEC")
    _serve_forever(sys.argv[1])

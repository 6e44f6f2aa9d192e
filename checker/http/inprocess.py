"""In-process targets: an ASGI or WSGI application called directly, with no socket and no server.

:class:`~checker.http.client.HttpClient` stays the one HTTP seam; for an application it
takes one of the two ``httpx.AsyncBaseTransport`` here instead of a network transport:

* :class:`ASGIAppTransport` calls an ASGI 3 application (FastAPI, Starlette, Litestar, Django's
  ``get_asgi_application()``) on the running event loop. Unlike ``httpx.ASGITransport`` it
  *streams* the response: the client's body cap stops reading after ``max_body`` bytes and the
  application is told ``http.disconnect`` and cancelled, as a server would on a closed connection,
  so an endless streaming endpoint costs what it costs over a socket. It runs the application's
  ``lifespan`` startup once before the first request and its shutdown when the client closes
  (uvicorn's ``lifespan="auto"``: an application that does not speak lifespan is fine).
* :class:`WSGIAppTransport` calls a WSGI application (Flask, Django's ``get_wsgi_application()``)
  in a pool of worker threads (``httpx.WSGITransport`` is synchronous only): the event loop never
  blocks, requests run concurrently up to the client's concurrency, and the body is pulled chunk by
  chunk so the cap applies there too.

Both behave like a server, not like a test client: any method token is passed through untouched,
redirects are answers (the client never follows them), an exception in the application becomes a
``500`` (before the answer started) or a broken body (after), exactly what a client sees over a socket.

:func:`load_app` resolves ``module:attribute`` (``--app``, the pytest plugin's ``conform405_app``).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import queue
import sys
import threading
import traceback
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable, Literal

import httpx

from ..errors import UsageError
from ..text import plural

#: the origin probes use for an in-process application (the spec's server path is kept)
APP_ORIGIN = "http://testserver"

Interface = Literal["asgi", "wsgi"]


# -- resolving and classifying an application --------------------------------------------------------
def load_app(ref: str, search: str | Path | None = None) -> Any:
    """Import ``module:attribute`` (``attribute`` may be dotted) and return the application object.

    ``search`` (default: the current directory) is put first on ``sys.path``, so ``--app main:app``
    finds ``./main.py`` as uvicorn does. A function that takes no arguments is an application
    *factory* (Flask's ``create_app``) and is called. Any problem is a :class:`UsageError` (exit 2).
    """
    module_name, sep, attr = ref.partition(":")
    if not sep or not module_name.strip() or not attr.strip():
        raise UsageError(f"must look like module:attribute (e.g. main:app), got {ref!r}", "--app")
    folder = str(Path(search) if search is not None else Path.cwd())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        module = importlib.import_module(module_name.strip())
    except ModuleNotFoundError as exc:
        if exc.name and module_name.strip().startswith(exc.name):
            raise UsageError(f"no module named {exc.name!r} (looked in {folder} and sys.path)", "--app") from None
        raise UsageError(f"importing {module_name!r} failed: {_one_line(exc)}", "--app") from None
    except BaseException as exc:  # noqa: BLE001 - the user's module may raise anything (even SystemExit)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise UsageError(f"importing {module_name!r} failed: {_one_line(exc)}", "--app") from None
    obj: Any = module
    for part in attr.strip().split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise UsageError(f"module {module_name!r} has no attribute {attr.strip()!r}", "--app") from None
    if _is_factory(obj):
        try:
            obj = obj()
        except Exception as exc:  # noqa: BLE001
            raise UsageError(f"calling the factory {ref!r} failed: {_one_line(exc)}", "--app") from None
    try:
        interface(obj)
    except UsageError as exc:  # "conform405: error: main:Thing is not an ASGI or WSGI application (a class ...)"
        raise UsageError(f"{ref.strip()} {exc.message}") from None
    return obj


def interface(app: Any) -> Interface:
    """``"asgi"`` or ``"wsgi"``: an ASGI 3 application is a coroutine function (or an object whose
    ``__call__`` is one) taking ``(scope, receive, send)``; a WSGI application is a plain callable
    taking ``(environ, start_response)``. Raises :class:`UsageError` for anything else, saying what it is:
    a class (not an instance of it: calling it per request would build objects, never answer), an aiohttp
    application (no in-process interface), an async callable that does not take ``(scope, receive, send)``."""
    if inspect.isclass(app):
        return _not_an_app(f"a class, {app.__name__}: give an instance of it, or a function that returns one")
    if type(app).__module__.split(".")[0] == "aiohttp":
        return _not_an_app("an aiohttp application, which cannot run in-process: serve it and give --base-url")
    if not callable(app):
        return _not_an_app(f"a {type(app).__name__}")
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else getattr(app, "__call__", app)
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError):
        signature = None
    params = [p for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)] \
        if signature is not None else []
    varargs = signature is not None and any(p.kind is p.VAR_POSITIONAL for p in signature.parameters.values())
    required = [p for p in params if p.default is p.empty]
    if inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(app):
        if signature is None or varargs or len(required) <= 3 <= len(params):
            return "asgi"
        return _not_an_app(f"an async callable taking {plural(len(params), 'argument')}; ASGI applications take "
                           "(scope, receive, send)")
    if signature is None:
        return "wsgi"
    if len(params) == 3:
        return "asgi"  # a sync wrapper that returns an awaitable
    if len(params) == 2 or varargs:
        return "wsgi"
    return _not_an_app(f"a callable taking {plural(len(params), 'argument')}, neither ASGI (scope, receive, send) "
                       "nor WSGI (environ, start_response)")


def _not_an_app(what: str) -> Interface:
    raise UsageError(f"is not an ASGI or WSGI application ({what})")


def app_transport(app: Any, *, workers: int = 32) -> httpx.AsyncBaseTransport:
    """The transport that calls ``app`` in-process (detected as ASGI or WSGI)."""
    if interface(app) == "asgi":
        return ASGIAppTransport(app)
    return WSGIAppTransport(app, workers=workers)


def _is_factory(obj: Any) -> bool:
    if not inspect.isfunction(obj) or inspect.iscoroutinefunction(obj):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in inspect.signature(obj).parameters.values())


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode("latin-1")
    except ValueError:
        return b""


_END = object()
_INTERNAL_ERROR = b"Internal Server Error"


class _Once(httpx.AsyncByteStream):
    def __init__(self, data: bytes) -> None:
        self.data = data

    async def __aiter__(self):  # type: ignore[override]
        yield self.data


def _server_error() -> httpx.Response:
    """What a server sends when the application fails before answering."""
    return httpx.Response(500, headers=[(b"content-type", b"text/plain; charset=utf-8"),
                                        (b"content-length", str(len(_INTERNAL_ERROR)).encode())],
                          stream=_Once(_INTERNAL_ERROR), extensions={"reason_phrase": b"Internal Server Error"})


# -- ASGI ---------------------------------------------------------------------------------------------
class ASGIAppTransport(httpx.AsyncBaseTransport):
    """Calls an ASGI 3 application per request and streams its answer (see the module docstring)."""

    name = "asgi"

    def __init__(self, app: Any, *, lifespan: bool = True, client: tuple[str, int] = ("127.0.0.1", 40405),
                 root_path: str = "") -> None:
        self.app = app
        self.client = client
        self.root_path = root_path
        self._lifespan_wanted = lifespan
        self._lifespan: _Lifespan | None = None
        self._started = False
        self._start_lock: asyncio.Lock | None = None
        self._state: dict[str, Any] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def _ensure_started(self) -> None:
        if self._started or not self._lifespan_wanted:
            return
        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._started:
                return
            self._lifespan = _Lifespan(self.app, self._state)
            await self._lifespan.startup()  # raises httpx.ConnectError when the startup fails
            self._started = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._ensure_started()
        body = await request.aread()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "root_path": self.root_path,
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": (request.url.host, request.url.port or (443 if request.url.scheme == "https" else 80)),
            "client": self.client,
            "state": dict(self._state),
        }
        exchange = _ASGIExchange(body)
        task = asyncio.create_task(exchange.run(self.app, scope))
        try:
            await exchange.started.wait()
        except asyncio.CancelledError:
            exchange.disconnect()
            task.cancel()
            raise
        if exchange.start is None:  # the application raised or returned before answering
            await _settle(task)
            return _server_error()
        status, headers = exchange.start
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return httpx.Response(status, headers=headers, stream=_ASGIBody(exchange, task),
                              extensions={"reason_phrase": _reason(status), "http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        pending = [t for t in self._background if not t.done()]
        if pending:  # background work after a complete answer (Starlette BackgroundTasks) may finish
            _, still = await asyncio.wait(pending, timeout=5)
            for t in still:
                t.cancel()
            for t in still:
                await _settle(t)
        if self._lifespan is not None:
            await self._lifespan.shutdown()
            self._lifespan = None


class _ASGIExchange:
    """One request/answer between the client and the application."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.request_sent = False
        self.started = asyncio.Event()
        self.start: tuple[int, list[tuple[bytes, bytes]]] | None = None
        self.chunks: asyncio.Queue[Any] = asyncio.Queue(maxsize=16)  # back-pressure: an endless body waits
        self.disconnected = asyncio.Event()
        self.complete = False

    def disconnect(self) -> None:
        self.disconnected.set()

    async def receive(self) -> dict[str, Any]:
        if not self.request_sent:
            self.request_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "http.response.start":
            if self.start is not None:
                raise RuntimeError("ASGI: http.response.start sent twice")
            headers = [(bytes(k).lower(), bytes(v)) for k, v in message.get("headers", ())]
            self.start = (int(message["status"]), headers)
            self.started.set()
        elif kind == "http.response.body":
            if self.start is None:
                raise RuntimeError("ASGI: http.response.body before http.response.start")
            if self.complete or self.disconnected.is_set():
                return  # a server drops what comes after the end or after the client left
            chunk = bytes(message.get("body", b""))
            if chunk:
                await self.chunks.put(chunk)
            if not message.get("more_body", False):
                self.complete = True
                await self.chunks.put(_END)

    async def run(self, app: Any, scope: dict[str, Any]) -> None:
        try:
            await app(scope, self.receive, self.send)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the application's bug is an answer, not our crash
            if self.start is not None and not self.complete and not self.disconnected.is_set():
                await self.chunks.put(exc)
                self.complete = True
        else:
            if self.start is not None and not self.complete and not self.disconnected.is_set():
                self.complete = True  # returned without finishing the body: the connection ends
                await self.chunks.put(RuntimeError("the application returned before finishing the body"))
        finally:
            self.started.set()


class _ASGIBody(httpx.AsyncByteStream):
    def __init__(self, exchange: _ASGIExchange, task: asyncio.Task[None]) -> None:
        self.exchange = exchange
        self.task = task

    async def __aiter__(self):  # type: ignore[override]
        while True:
            item = await self.exchange.chunks.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise httpx.RemoteProtocolError(f"the application failed mid-answer: {_one_line(item)}")
            yield item

    async def aclose(self) -> None:
        ex = self.exchange
        ex.disconnect()
        if not ex.complete and not self.task.done():
            self.task.cancel()  # the client stopped reading (body cap, HEAD): the connection is gone
            await _settle(self.task)


async def _settle(task: asyncio.Task[Any]) -> None:
    """Wait for ``task`` to end, whatever way it ends; re-raise only our own cancellation."""
    try:
        await task
    except asyncio.CancelledError:
        me = asyncio.current_task()
        if me is not None and me.cancelling():
            raise
    except Exception:  # noqa: BLE001 - failed: it is over either way
        pass


class _Lifespan:
    """ASGI lifespan, as uvicorn's ``lifespan="auto"``: startup before the first request, shutdown at close."""

    def __init__(self, app: Any, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.supported = True

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        try:
            await self.app(scope, self.inbox.get, self.events.put)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - an app without lifespan support raises here
            await self.events.put({"type": "_raised", "error": exc})
        else:
            await self.events.put({"type": "_returned"})

    async def _wait(self, expect: str) -> None:
        assert self.task is not None
        event = await self.events.get()
        kind = event.get("type")
        if kind == f"lifespan.{expect}.failed":
            raise httpx.ConnectError(f"the application's lifespan {expect} failed: {event.get('message') or 'no message'}")
        if kind in ("_raised", "_returned"):
            if expect == "startup":
                self.supported = False  # "lifespan unsupported": carry on without it
                return
            if kind == "_raised":
                raise httpx.ConnectError(f"the application's lifespan {expect} raised {_one_line(event['error'])}")

    async def startup(self) -> None:
        self.task = asyncio.create_task(self._run())
        await self.inbox.put({"type": "lifespan.startup"})
        await self._wait("startup")

    async def shutdown(self) -> None:
        if self.task is None:
            return
        if self.supported and not self.task.done():
            await self.inbox.put({"type": "lifespan.shutdown"})
            try:
                await asyncio.wait_for(self._wait("shutdown"), timeout=10)
            except (asyncio.TimeoutError, httpx.ConnectError):
                pass  # a failing shutdown does not change what was observed
        if not self.task.done():
            self.task.cancel()
        try:
            await self.task
        except BaseException:  # noqa: BLE001
            pass


# -- WSGI ---------------------------------------------------------------------------------------------
class _DaemonPool:
    """A tiny pool of daemon threads: a WSGI app stuck forever must not keep the process alive at exit
    (``concurrent.futures`` joins its threads at exit)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.idle = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        with self.lock:
            if self.idle == 0 and len(self.threads) < self.size:
                t = threading.Thread(target=self._work, name=f"conform405-wsgi-{len(self.threads)}", daemon=True)
                self.threads.append(t)
                t.start()
            else:
                self.idle -= 1 if self.idle else 0
        self.jobs.put((loop, fut, fn, args))
        return fut

    def _work(self) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            loop, fut, fn, args = job
            try:
                result, error = fn(*args), None
            except BaseException as exc:  # noqa: BLE001 - handed to the awaiting coroutine
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_resolve, fut, result, error)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass
            with self.lock:
                self.idle += 1

    def close(self) -> None:
        for _ in self.threads:
            self.jobs.put(None)
        self.threads.clear()


def _resolve(fut: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if fut.done():
        return
    if error is not None:
        fut.set_exception(error)
    else:
        fut.set_result(result)


class WSGIAppTransport(httpx.AsyncBaseTransport):
    """Calls a WSGI application in worker threads and pulls its body chunk by chunk."""

    name = "wsgi"

    def __init__(self, app: Any, *, workers: int = 32, remote_addr: str = "127.0.0.1", script_name: str = "") -> None:
        self.app = app
        self.remote_addr = remote_addr
        self.script_name = script_name
        self.pool = _DaemonPool(workers)
        self.errors = _ErrorSink()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        result = await self.pool.submit(self._call, request, body)
        if result is None:
            return _server_error()
        status_line, headers, first, rest, close = result
        status = int(status_line.split(None, 1)[0])
        phrase = status_line.split(None, 1)[1] if " " in status_line.strip() else ""
        return httpx.Response(status, headers=headers, stream=_WSGIBody(self.pool, first, rest, close),
                              extensions={"reason_phrase": phrase.encode("latin-1", "replace"), "http_version": b"HTTP/1.1"})

    async def aclose(self) -> None:
        self.pool.close()

    def _environ(self, request: httpx.Request, body: bytes) -> dict[str, Any]:
        import io

        url = request.url
        port = url.port or {"http": 80, "https": 443}.get(url.scheme, 80)
        environ: dict[str, Any] = {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": url.scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": self.errors,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": self.script_name,
            # PEP 3333: PATH_INFO is the percent-decoded path as a latin-1 "bytes-as-str"
            "PATH_INFO": _unquote_latin1(url.raw_path.split(b"?")[0]),
            "QUERY_STRING": url.query.decode("latin-1"),
            "SERVER_NAME": url.host,
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": self.remote_addr,
            "REMOTE_PORT": "40405",
        }
        for key, value in request.headers.raw:
            name = key.decode("latin-1").upper().replace("-", "_")
            if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                name = "HTTP_" + name
            text = value.decode("latin-1")
            environ[name] = f"{environ[name]},{text}" if name in environ else text
        return environ

    def _call(self, request: httpx.Request, body: bytes):
        """In a worker thread: call the app and read up to its first non-empty chunk (which is when
        a generator application calls ``start_response``). ``None`` means a 500 (the app failed first)."""
        seen: dict[str, Any] = {}
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            if exc_info and seen.get("sent"):
                raise exc_info[1].with_traceback(exc_info[2])
            seen["status"], seen["headers"] = status, headers
            return written.append  # the legacy write() callable

        try:
            result = self.app(self._environ(request, body), start_response)
        except Exception:  # noqa: BLE001 - the app's bug is an answer (500), not our crash
            self.errors.write(traceback.format_exc())
            return None
        close = getattr(result, "close", None)
        first: list[bytes] = list(written)
        iterator = iter(result)
        try:
            while not first or "status" not in seen:
                chunk = next(iterator, _END)
                if chunk is _END:
                    iterator = iter(())
                    break
                if chunk:
                    first.append(bytes(chunk))
                    break
        except Exception:  # noqa: BLE001
            self.errors.write(traceback.format_exc())
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001
                    pass
            if "status" not in seen:
                return None
            first.append(_BROKEN)  # type: ignore[arg-type]
            iterator = iter(())
        if "status" not in seen:
            return None
        seen["sent"] = True
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in seen["headers"]]
        return seen["status"], headers, first, iterator, close


_BROKEN = object()


def _unquote_latin1(raw: bytes) -> str:
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(raw).decode("latin-1")


class _WSGIBody(httpx.AsyncByteStream):
    def __init__(self, pool: _DaemonPool, first: list[Any], rest: Any, close: Callable[[], Any] | None) -> None:
        self.pool = pool
        self.first = first
        self.rest = rest
        self.close_fn = close
        self.closed = False

    async def __aiter__(self):  # type: ignore[override]
        for chunk in self.first:
            if chunk is _BROKEN:
                raise httpx.RemoteProtocolError("the application failed mid-answer")
            yield chunk
        while True:
            try:
                chunk = await self.pool.submit(_next_chunk, self.rest)
            except Exception as exc:  # noqa: BLE001
                raise httpx.RemoteProtocolError(f"the application failed mid-answer: {_one_line(exc)}") from None
            if chunk is _END:
                return
            if chunk:
                yield bytes(chunk)

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.close_fn is not None:
            try:
                await self.pool.submit(self.close_fn)
            except Exception:  # noqa: BLE001 - a failing close() does not change the answer
                pass


def _next_chunk(iterator: Any) -> Any:
    return next(iterator, _END)


class _ErrorSink:
    """``wsgi.errors``: kept (bounded), not printed over the report."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> int:
        if len(self.lines) < 200:
            self.lines.append(text)
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

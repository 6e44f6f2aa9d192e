"""The socket hot path (checker/http/wire.py) against scripted raw-socket servers (tests/support/raw_server.py).

Every test drives the public seam, ``HttpClient(...).send``, at a real server on 127.0.0.1 whose bytes are
written by hand, and checks what the client made of them and what the server received (request bytes per
connection, connections accepted). Each behaviour tested is one promised by wire.py's docstring.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from checker.http.client import HttpClient, Limits
from checker.observe import Exchange

from .support.raw_server import Peer, RawServer, closed_port

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture(autouse=True, params=["asyncio", "uvloop"])
def event_loop_kind(request):
    """Every test on both event loops a run may use (checker/api.py's loop_factory): asyncio's, and uvloop's."""
    if request.param == "uvloop":
        uvloop = pytest.importorskip("uvloop", reason="uvloop is not installed here (Windows, PyPy)")
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        yield request.param
    finally:
        asyncio.set_event_loop_policy(None)


def answer(body: bytes, *, status: bytes = b"200 OK", extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 " + status + b"\r\n" + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


def header_block(reply: bytes) -> bytes:
    return reply.partition(b"\r\n\r\n")[0] + b"\r\n\r\n"


def keep_alive(reply: bytes | None = None):
    """A script answering every request on the connection (keep-alive): ``reply``, or the connection's
    number as the body when not given (to tell which connection an answer came from); HEAD gets the
    header block only."""

    def script(peer: Peer) -> None:
        while (req := peer.read_request()) is not None:
            whole = reply if reply is not None else answer(b"conn %d" % peer.index)
            peer.send(header_block(whole) if req.startswith(b"HEAD ") else whole)

    return script


def exchanges(srv_url: str, requests: list[tuple], limits: Limits | None = None) -> list[Exchange]:
    """The requests, each ``(method, path[, headers[, body]])``, sent one after the other through one client
    (so its connection pool is shared)."""

    async def go() -> list[Exchange]:
        out = []
        async with HttpClient(limits or Limits(timeout=5)) as client:
            assert client.transport_name == "socket"
            for method, path, *rest in requests:
                headers = rest[0] if rest else None
                body = rest[1] if len(rest) > 1 else None
                out.append(await client.send(method, srv_url + path, headers, body))
        return out

    return asyncio.run(go())


def one(srv_url: str, method: str = "GET", path: str = "/", headers=None, body=None, limits: Limits | None = None) -> Exchange:
    return exchanges(srv_url, [(method, path, headers, body)], limits)[0]


def header_lines(request: bytes) -> list[bytes]:
    head = request.partition(b"\r\n\r\n")[0]
    return head.split(b"\r\n")[1:]


def header_names(request: bytes) -> list[bytes]:
    return [line.partition(b":")[0].lower() for line in header_lines(request)]


def body_of(request: bytes) -> bytes:
    return request.partition(b"\r\n\r\n")[2]


# -- 1. keep-alive ------------------------------------------------------------------------------------------


def test_sequential_requests_reuse_one_keep_alive_connection():
    with RawServer(keep_alive(OK)) as srv:
        got = exchanges(srv.url, [("GET", "/a"), ("GET", "/b"), ("GET", "/c"), ("GET", "/d")])
        assert srv.accepts == 1
        assert srv.request_lines() == [b"GET /a HTTP/1.1", b"GET /b HTTP/1.1", b"GET /c HTTP/1.1", b"GET /d HTTP/1.1"]
    assert [(e.status, e.body, e.error) for e in got] == [(200, b"ok", None)] * 4


def test_chunked_answers_are_decoded_and_the_connection_reused():
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    with RawServer(keep_alive(chunked)) as srv:
        got = exchanges(srv.url, [("GET", "/"), ("GET", "/")])
        assert srv.accepts == 1
    assert [(e.status, e.body, e.error) for e in got] == [(200, b"hello world", None)] * 2


def test_an_answer_with_connection_close_is_not_reused_even_if_the_server_keeps_the_socket_open():
    with RawServer(keep_alive(answer(b"ok", extra=b"Connection: close\r\n"))) as srv:
        got = exchanges(srv.url, [("GET", "/"), ("GET", "/")])
        assert srv.accepts == 2
        assert [len(p.requests) for p in srv.peers] == [1, 1]
    assert [(e.status, e.body) for e in got] == [(200, b"ok")] * 2


# -- 2. and 3. HEAD ------------------------------------------------------------------------------------------

HELLO = b"hello world!"  # 12 bytes


def head_aware(peer: Peer) -> None:
    """HEAD: the header block of the GET answer only (Content-Length: 12, no body); GET: the whole answer."""
    while (req := peer.read_request()) is not None:
        peer.send(header_block(answer(HELLO)) if req.startswith(b"HEAD ") else answer(HELLO))


def test_head_answer_ends_with_its_header_block_and_the_next_get_is_answered():
    with RawServer(head_aware) as srv:
        head, get = exchanges(srv.url, [("HEAD", "/x"), ("GET", "/x")])
        assert srv.request_lines() == [b"HEAD /x HTTP/1.1", b"GET /x HTTP/1.1"]
        assert srv.accepts == 1  # nothing unasked came: the connection stays usable
    assert (head.status, head.body, head.error, head.header("content-length")) == (200, b"", None, "12")
    assert (get.status, get.body, get.error) == (200, HELLO, None)


def test_head_answer_with_content_length_0_keeps_its_connection():
    """A HEAD answer the parser itself sees as complete (Content-Length: 0) is not taken for unasked bytes."""
    empty = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    with RawServer(keep_alive(empty)) as srv:
        head, get, head2 = exchanges(srv.url, [("HEAD", "/x"), ("GET", "/x"), ("HEAD", "/x")])
        assert srv.accepts == 1
    assert [(x.status, x.body, x.error) for x in (head, get, head2)] == [(200, b"", None)] * 3


def body_after_head(body: bytes, *, late: float = 0.0, stray_sent: threading.Event | None = None):
    """A broken server: answers HEAD with the GET answer's body too (in the same write, or ``late`` seconds
    after the header block, then sets ``stray_sent``); GET gets the connection's number as its body."""

    def script(peer: Peer) -> None:
        while (req := peer.read_request()) is not None:
            if req.startswith(b"HEAD "):
                whole = answer(body)
                if late:
                    cut = whole.index(b"\r\n\r\n") + 4
                    peer.send(whole[:cut])
                    if peer.pause(late):
                        return
                    peer.send(whole[cut:])
                    if stray_sent is not None:
                        stray_sent.set()
                else:
                    peer.send(whole)
            else:
                peer.send(answer(b"conn %d" % peer.index))

    return script


def test_a_body_sent_after_a_head_answer_is_not_taken_for_the_next_answer():
    """Header block and a short body in one write: the HEAD exchange has no body, the GET gets its own answer."""
    with RawServer(body_after_head(HELLO)) as srv:
        head, get = exchanges(srv.url, [("HEAD", "/x"), ("GET", "/x")])
        assert srv.request_lines() == [b"HEAD /x HTTP/1.1", b"GET /x HTTP/1.1"]
    assert (head.status, head.body, head.error) == (200, b"", None)
    assert get.error is None and get.status == 200 and get.body.startswith(b"conn ")


def test_a_body_arriving_on_an_idle_connection_after_a_head_answer_drops_that_connection():
    """The stray body comes while the connection sits in the pool: the GET goes on a new connection."""
    stray_sent = threading.Event()
    with RawServer(body_after_head(HELLO, late=0.05, stray_sent=stray_sent)) as srv:

        async def go():
            async with HttpClient(Limits(timeout=5)) as client:
                head = await client.send("HEAD", srv.url + "/x")
                assert await asyncio.to_thread(stray_sent.wait, 5)  # the server wrote the stray 12 bytes
                await asyncio.sleep(0.2)  # and they reach the client's loop while the connection is idle
                get = await client.send("GET", srv.url + "/x")
                return head, get

        head, get = asyncio.run(go())
        assert srv.accepts == 2
        assert [len(p.requests) for p in srv.peers] == [1, 1]  # the GET never went on the connection with unasked bytes
        assert srv.request_lines() == [b"HEAD /x HTTP/1.1", b"GET /x HTTP/1.1"]
    assert (head.status, head.body, head.error) == (200, b"", None)
    assert (get.status, get.body, get.error) == (200, b"conn 1", None)


def test_a_large_body_sent_after_a_head_answer_is_not_taken_for_the_next_answer():
    """A server writing the full GET answer (1 MiB body) to HEAD. The first read holds the header block and
    the start of the body; the rest arrives in later reads. The GET must get its own answer."""
    with RawServer(body_after_head(b"x" * (1 << 20))) as srv:
        head, get = exchanges(srv.url, [("HEAD", "/x"), ("GET", "/x")])
    assert (head.status, head.body, head.error) == (200, b"", None)
    assert (get.status, get.error) == (200, None), get.error
    assert get.body.startswith(b"conn ")


# -- 4. interim answers ------------------------------------------------------------------------------------

INTERIM = (b"HTTP/1.1 100 Continue\r\n\r\n"
           b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
FINAL = b"HTTP/1.1 200 Fine\r\nX-Final: yes\r\nContent-Length: 5\r\n\r\nfinal"


@pytest.mark.parametrize("split", [False, True], ids=["one-write", "separate-writes"])
def test_interim_1xx_answers_are_skipped_and_the_final_answer_is_the_exchange(split):
    def script(peer: Peer) -> None:
        while peer.read_request() is not None:
            if split:
                peer.send(INTERIM[:25])
                peer.pause(0.02)
                peer.send(INTERIM[25:])
                peer.pause(0.02)
                peer.send(FINAL)
            else:
                peer.send(INTERIM + FINAL)

    with RawServer(script) as srv:
        first, second = exchanges(srv.url, [("POST", "/", None, b"{}"), ("GET", "/")])
        assert srv.accepts == 1
    for e in (first, second):
        assert (e.status, e.reason, e.body, e.error) == (200, "Fine", b"final", None)
        assert e.headers == (("x-final", "yes"), ("content-length", "5"))  # none of the interim headers


# -- 5. method token and target ----------------------------------------------------------------------------


def test_method_token_and_target_go_on_the_wire_exactly_as_given():
    with RawServer(keep_alive(OK)) as srv:
        got = exchanges(srv.url, [("Link", "/a/%2e%2e/b?x=%20"), ("get", "/./c/../d%2F"), ("M-SEARCH", "/")])
        lines = srv.request_lines()
    assert lines == [b"Link /a/%2e%2e/b?x=%20 HTTP/1.1", b"get /./c/../d%2F HTTP/1.1", b"M-SEARCH / HTTP/1.1"]
    assert [e.status for e in got] == [200] * 3


# -- 6. Content-Length ---------------------------------------------------------------------------------------


def test_content_length_is_sent_for_bodies_and_for_content_methods_only():
    cases = [("POST", None), ("PUT", None), ("PATCH", None), ("post", None), ("GET", None), ("DELETE", None),
             ("OPTIONS", None), ("GET", b'{"a": 1}'), ("DELETE", b"gone"), ("POST", b"x" * 70000), ("PUT", b"")]
    with RawServer(keep_alive(OK)) as srv:
        got = exchanges(srv.url, [(m, "/", None, b) for m, b in cases])
        requests = srv.requests()
        assert srv.accepts == 1  # every body was read by the server: the connection stayed in step
    assert [e.status for e in got] == [200] * len(cases)
    assert len(requests) == len(cases)
    for (method, body), req in zip(cases, requests):
        assert req.startswith(method.encode() + b" / HTTP/1.1\r\n")
        lengths = [line for line in header_lines(req) if line.lower().startswith(b"content-length:")]
        if body is not None:
            assert lengths == [b"content-length: %d" % len(body)], method
            assert body_of(req) == body
        elif method.upper() in ("POST", "PUT", "PATCH"):
            assert lengths == [b"content-length: 0"], method
            assert body_of(req) == b""
        else:
            assert lengths == [], method
            assert body_of(req) == b""
        assert b"transfer-encoding" not in header_names(req)


def test_request_headers_sent_once_each_with_host_and_no_accept_encoding():
    with RawServer(keep_alive(OK)) as srv:
        exchanges(srv.url, [("GET", "/", {"X-Custom": "Value One", "Host": "example.test"})])
        (req,) = srv.requests()
    lines = header_lines(req)
    assert b"x-custom: Value One" in lines
    assert b"host: example.test" in lines  # the given Host replaces the URL's
    names = header_names(req)
    assert names.count(b"host") == 1 and b"accept-encoding" not in names


# -- 7. header injection ------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{"x-evil": "a\r\nInjected: 1"}, {"x-evil": "a\nInjected: 1"},
                                     {"x-evil": "a\rInjected: 1"}, {"x-evil\r\nInjected": "1"}],
                         ids=["crlf-value", "lf-value", "cr-value", "crlf-name"])
def test_a_header_with_a_line_break_is_refused_and_nothing_is_sent(headers):
    with RawServer(keep_alive(OK)) as srv:
        before, evil, after = exchanges(srv.url, [("GET", "/before"), ("POST", "/evil", headers, b"data"), ("GET", "/after")])
        assert srv.request_lines() == [b"GET /before HTTP/1.1", b"GET /after HTTP/1.1"]
        raw = b"".join(bytes(p.raw) for p in srv.peers)
        assert b"Injected" not in raw and b"/evil" not in raw
    assert evil.status is None and evil.error is not None and evil.error.startswith("protocol:"), evil.error
    assert before.status == after.status == 200


def test_a_header_value_outside_latin1_is_refused_and_nothing_is_sent():
    with RawServer(keep_alive(OK)) as srv:
        ex = one(srv.url, headers={"x-price": "10 \u20ac"})
        assert srv.accepts == 0
    assert ex.status is None and ex.error.startswith("protocol:"), ex.error


# -- 8. stale keep-alive connections ------------------------------------------------------------------------


def test_a_keep_alive_connection_closed_while_idle_is_not_reused():
    """The server closes the connection a moment after the first answer; once the client has seen the close,
    the next request goes on a new connection. A POST proves it: it is never re-sent, so it only succeeds
    if the client did not write it on the dead connection."""

    def script(peer: Peer) -> None:
        if peer.index == 0:
            peer.read_request()
            peer.send(answer(b"conn 0"))
            peer.pause(0.05)
            return  # closed (FIN)
        keep_alive()(peer)

    with RawServer(script) as srv:

        async def go():
            async with HttpClient(Limits(timeout=5)) as client:
                first = await client.send("GET", srv.url + "/")
                assert await asyncio.to_thread(srv.peers[0].closed.wait, 5)
                await asyncio.sleep(0.2)  # the FIN reaches the client's loop
                second = await client.send("POST", srv.url + "/", None, b"once")
                return first, second

        first, second = asyncio.run(go())
        assert srv.accepts == 2
        assert [len(p.requests) for p in srv.peers] == [1, 1]
    assert (first.status, first.body) == (200, b"conn 0")
    assert (second.status, second.body, second.error) == (200, b"conn 1", None)


def closes_under_the_second_request(peer: Peer) -> None:
    """Connection 0 answers its first request keep-alive, reads the second and closes without a byte of
    answer (the idle-timeout race); later connections answer everything with their number."""
    if peer.index == 0:
        peer.read_request()
        peer.send(answer(b"conn 0"))
        peer.read_request()
        return
    keep_alive()(peer)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_safe_request_closed_under_on_a_reused_connection_is_sent_once_more_on_a_new_one(method):
    with RawServer(closes_under_the_second_request) as srv:
        first, second = exchanges(srv.url, [("GET", "/1"), (method, "/2")])
        assert srv.accepts == 2
        assert srv.request_lines() == [b"GET /1 HTTP/1.1", method.encode() + b" /2 HTTP/1.1", method.encode() + b" /2 HTTP/1.1"]
        assert [len(p.requests) for p in srv.peers] == [2, 1]
    assert (first.status, first.body) == (200, b"conn 0")
    assert second.status == 200 and second.error is None
    assert second.body == (b"" if method == "HEAD" else b"conn 1")


@pytest.mark.parametrize("method,body", [("POST", b'{"n": 1}'), ("PUT", b"x"), ("PATCH", None), ("DELETE", None)])
def test_a_state_changing_request_closed_under_is_never_sent_again(method, body):
    with RawServer(closes_under_the_second_request) as srv:
        first, second = exchanges(srv.url, [("GET", "/1"), (method, "/2", None, body)])
        lines = srv.request_lines()
        assert srv.accepts == 1
    assert lines.count(method.encode() + b" /2 HTTP/1.1") == 1
    assert lines == [b"GET /1 HTTP/1.1", method.encode() + b" /2 HTTP/1.1"]
    assert first.status == 200
    assert second.status is None and second.error.startswith("reset:"), second.error


def test_a_request_closed_under_on_a_fresh_connection_is_not_retried():
    """The retry is for stale pooled connections only: a new connection closed under a GET is an answer-less reset."""

    def script(peer: Peer) -> None:
        peer.read_request()

    with RawServer(script) as srv:
        ex = one(srv.url)
        assert srv.accepts == 1
    assert ex.status is None and ex.error.startswith("reset:"), ex.error


def test_a_connection_closed_in_the_middle_of_a_framed_body_is_a_reset_not_an_answer():
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")

    with RawServer(script) as srv:
        ex = one(srv.url)
        assert srv.accepts == 1
    assert ex.status is None and ex.error.startswith("reset:"), ex.error


# -- 9. close-delimited bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [b"HTTP/1.0", b"HTTP/1.1"])
def test_a_close_delimited_body_is_read_to_the_end_of_the_connection(version):
    parts = [b"first part;" * 50, b"second part;" * 300, b"last."]

    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(version + b" 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        for part in parts:
            peer.pause(0.02)
            peer.send(part)

    with RawServer(script) as srv:
        first, second = exchanges(srv.url, [("GET", "/"), ("GET", "/")])
        assert srv.accepts == 2  # the connection ended with the body: the next request needed a new one
    for e in (first, second):
        assert (e.status, e.error, e.body_truncated) == (200, None, False)
        assert e.body == b"".join(parts) and e.body_size == len(e.body)
        assert e.http_version == version.decode()


# -- 10. the body cap ---------------------------------------------------------------------------------------


def test_a_body_over_max_body_is_truncated_and_the_connection_not_reused():
    big = bytes(range(256)) * 40  # 10240 bytes

    def script(peer: Peer) -> None:
        while (req := peer.read_request()) is not None:
            peer.send(answer(big if b" /big " in req else b"small"))

    with RawServer(script) as srv:
        trunc, after = exchanges(srv.url, [("GET", "/big"), ("GET", "/small")], Limits(timeout=5, max_body=1000))
        assert srv.accepts == 2
        assert [len(p.requests) for p in srv.peers] == [1, 1]
    assert trunc.status == 200 and trunc.error is None and trunc.body_truncated is True
    assert trunc.body == big[:1000] and trunc.body_size > 1000
    assert (after.status, after.body, after.body_truncated) == (200, b"small", False)


def test_a_body_of_exactly_max_body_is_whole_and_the_connection_reused():
    with RawServer(keep_alive(answer(b"y" * 1000))) as srv:
        got = exchanges(srv.url, [("GET", "/"), ("GET", "/")], Limits(timeout=5, max_body=1000))
        assert srv.accepts == 1
    assert [(e.body, e.body_truncated) for e in got] == [(b"y" * 1000, False)] * 2


# -- 11. the deadline -----------------------------------------------------------------------------------------


def test_a_trickling_body_hits_the_one_deadline():
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        while not peer.pause(0.3) and peer.send(b"x"):
            pass

    with RawServer(script) as srv:
        ex = one(srv.url, limits=Limits(timeout=1))
        assert srv.accepts == 1
    assert ex.status is None and ex.error.startswith("timeout:"), ex.error


def test_a_server_that_never_answers_hits_the_deadline_and_the_request_is_sent_once():
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.wait_eof()

    with RawServer(script) as srv:
        ex = one(srv.url, limits=Limits(timeout=0.5))
        assert srv.request_lines() == [b"GET / HTTP/1.1"]
    assert ex.status is None and ex.error.startswith("timeout:"), ex.error


# -- 12. header caps ---------------------------------------------------------------------------------------


def headers_answer(count: int) -> bytes:
    """An answer with ``count`` header fields in all (Content-Length included)."""
    fields = b"".join(b"X-Field-%d: %d\r\n" % (i, i) for i in range(count - 1))
    return b"HTTP/1.1 200 OK\r\n" + fields + b"Content-Length: 2\r\n\r\nok"


def test_more_header_fields_than_max_headers_is_a_limit_error():
    with RawServer(keep_alive(headers_answer(9))) as srv:
        over = one(srv.url, limits=Limits(timeout=5, max_headers=8))
    with RawServer(keep_alive(headers_answer(8))) as srv:
        at = one(srv.url, limits=Limits(timeout=5, max_headers=8))
    assert over.status is None and over.error.startswith("limit:"), over.error
    assert (at.status, at.error, len(at.headers)) == (200, None, 8)


def test_a_header_line_longer_than_max_header_bytes_is_a_limit_error():
    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 3000 + b"\r\nContent-Length: 2\r\n\r\nok")

    with RawServer(script) as srv:
        ex = one(srv.url, limits=Limits(timeout=5, max_header_bytes=1024))
    assert ex.status is None and ex.error.startswith("limit:"), ex.error


def test_a_header_line_that_never_ends_is_a_limit_error_before_the_deadline():
    """The line's bytes are counted as they arrive (wire.py caps them at 2 x max_header_bytes + 64 KiB), so
    the cap ends it long before the 5 s deadline: ``limit:``, not ``timeout:``."""
    sent = []

    def script(peer: Peer) -> None:
        peer.read_request()
        peer.send(b"HTTP/1.1 200 OK\r\nX-Endless: ")
        while not peer.server._stopping.is_set() and peer.send(b"a" * 4096):
            sent.append(4096)

    with RawServer(script) as srv:
        ex = one(srv.url, limits=Limits(timeout=5, max_header_bytes=1024))
    assert ex.status is None and ex.error.startswith("limit:"), ex.error
    assert sum(sent) < 64 * 1024 * 1024  # the client hung up: the server's writes failed


# -- 13. connection refused ---------------------------------------------------------------------------------


def test_nothing_listening_is_a_connect_error():
    port = closed_port()

    async def go():
        async with HttpClient(Limits(timeout=5)) as client:
            return await client.send("GET", f"http://127.0.0.1:{port}/")

    ex = asyncio.run(go())
    assert ex.status is None and ex.error.startswith("connect:"), ex.error


# -- 14. response header names ------------------------------------------------------------------------------


def test_response_header_names_are_lower_cased_and_duplicates_kept_in_order():
    reply = (b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Dup: One\r\nSET-COOKIE: b=2\r\nx-dup: Two\r\n"
             b"Content-Type: Text/Plain\r\nContent-Length: 2\r\n\r\nok")
    with RawServer(keep_alive(reply)) as srv:
        ex = one(srv.url)
    assert ex.headers == (("set-cookie", "a=1"), ("x-dup", "One"), ("set-cookie", "b=2"), ("x-dup", "Two"),
                          ("content-type", "Text/Plain"), ("content-length", "2"))
    assert ex.header("X-DUP") == "One, Two"
    assert (ex.reason, ex.body) == ("OK", b"ok")


# -- bytes nobody asked for --------------------------------------------------------------------------------


def test_a_second_unasked_answer_in_the_same_write_does_not_change_the_first():
    reply = answer(b"ok") + b"HTTP/1.1 404 Gone Away\r\nX-Unasked: 1\r\nContent-Length: 0\r\n\r\n"
    with RawServer(keep_alive(reply)) as srv:
        first, second = exchanges(srv.url, [("GET", "/1"), ("GET", "/2")])
    assert (first.status, first.reason, first.body) == (200, "OK", b"ok")
    assert not first.has_header("x-unasked")
    assert (second.status, second.body) == (200, b"ok")


def test_junk_after_a_complete_answer_in_the_same_write_leaves_the_answer_alone_and_drops_the_connection():
    with RawServer(keep_alive(answer(b"ok") + b"JUNK")) as srv:
        first, second = exchanges(srv.url, [("GET", "/1"), ("GET", "/2")])
        assert srv.accepts == 2  # (this part holds: the connection is dropped)
    assert (first.status, first.body) == (200, b"ok")
    assert first.error is None, first.error  # the answer was complete; the junk came after it


def test_a_connection_that_carried_a_5xx_is_not_reused():
    """uvicorn drops the connection right after an unhandled exception's 500, without Connection: close;
    a POST sent next on it met a reset and was reported as request-failed (seen on a real server)."""

    def script(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        if peer.index == 0:
            peer.send(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nerror")
            time.sleep(0.3)  # then the connection goes, unannounced, while a client may already reuse it
            return
        peer.send(b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 0\r\n\r\n")

    with RawServer(script) as srv:
        first, second = exchanges(srv.url, [("GET", "/1"), ("POST", "/2")])
        assert srv.accepts == 2
    assert first.status == 500
    assert second.status == 405 and second.error is None

"""A scripted raw-socket server for the wire client's tests: 127.0.0.1, an ephemeral port, one thread per connection.

    def script(peer: Peer) -> None:          # runs once per accepted connection
        while peer.read_request() is not None:
            peer.send(b"HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok")

    with RawServer(script) as srv:
        ...                                   # drive the client at srv.url
        srv.accepts                           # connections accepted
        srv.peers[0].requests                 # raw bytes of each request read on the first connection

No HTTP library on either side of the server: the script writes exact bytes, and every byte the client
sent is kept (``Peer.raw``), so tests see exactly what went on the wire. When the script returns, the
connection is closed (FIN); ``Peer.reset`` closes it with an RST instead.
"""

from __future__ import annotations

import socket
import struct
import threading
from typing import Callable

from .listening import listen_on_loopback

HOST = "127.0.0.1"


class Peer:
    """One accepted connection, seen from the server side."""

    def __init__(self, sock: socket.socket, server: "RawServer", index: int) -> None:
        self.sock = sock
        self.server = server
        self.index = index  #: 0 for the first connection accepted, 1 for the next, ...
        self.raw = bytearray()  #: every byte received on this connection, in order
        self.requests: list[bytes] = []  #: each request read by read_request (head and Content-Length body)
        self.closed = threading.Event()  #: set once the server side has closed this connection
        self._buf = b""

    # -- reading -------------------------------------------------------------------------------------
    def _recv(self) -> bytes:
        try:
            data = self.sock.recv(65536)
        except OSError:  # a timeout, a reset, or the server stopping
            return b""
        with self.server._lock:
            self.raw += data
        return data

    def read_request(self) -> bytes | None:
        """The next request's bytes (head, then as many body bytes as its Content-Length says), or
        None when the client closed the connection (or nothing came within the socket timeout)."""
        while b"\r\n\r\n" not in self._buf:
            data = self._recv()
            if not data:
                return None
            self._buf += data
        head, _, rest = self._buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            data = self._recv()
            if not data:
                return None
            rest += data
        request = head + b"\r\n\r\n" + rest[:length]
        self._buf = rest[length:]
        with self.server._lock:
            self.requests.append(request)
        return request

    def wait_eof(self, timeout: float = 5.0) -> bool:
        """Read (and record) until the client closes; True if it did within ``timeout`` seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                with self.server._lock:
                    self.raw += data
        except OSError:
            return False

    # -- writing -------------------------------------------------------------------------------------
    def send(self, data: bytes) -> bool:
        """Write ``data``; False when the client has gone (the write failed)."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def pause(self, seconds: float) -> bool:
        """Sleep ``seconds``; True if the server is stopping meanwhile (the script should end)."""
        return self.server._stopping.wait(seconds)

    def reset(self) -> None:
        """Close with an RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        finally:
            self.closed.set()


Script = Callable[[Peer], None]


class RawServer:
    """Accepts connections on 127.0.0.1 (an ephemeral port) and runs ``script(peer)`` for each one,
    in a thread of its own; counts what it accepted and keeps what it received."""

    def __init__(self, script: Script, *, recv_timeout: float = 5.0) -> None:
        self.script = script
        self.recv_timeout = recv_timeout
        self.peers: list[Peer] = []
        self.url = ""
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sock: socket.socket | None = None

    @property
    def accepts(self) -> int:
        with self._lock:
            return len(self.peers)

    def requests(self) -> list[bytes]:
        """Every request read, connection by connection, in order."""
        with self._lock:
            return [r for p in self.peers for r in p.requests]

    def request_lines(self) -> list[bytes]:
        return [r.split(b"\r\n", 1)[0] for r in self.requests()]

    def __enter__(self) -> "RawServer":
        self._sock, self.url = listen_on_loopback(64, 0.05)
        t = threading.Thread(target=self._accept_loop, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        accept, *_ = self._threads
        accept.join(timeout=5)  # no new connection after this
        if self._sock is not None:
            self._sock.close()
        with self._lock:
            peers, threads = list(self.peers), self._threads[1:]
        for p in peers:  # unblock a script waiting in recv
            try:
                p.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in threads:
            t.join(timeout=5)

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:  # the accept timeout (polling _stopping), or the listener closed
                continue
            conn.settimeout(self.recv_timeout)
            with self._lock:
                peer = Peer(conn, self, len(self.peers))
                self.peers.append(peer)
            t = threading.Thread(target=self._run, args=(peer,), daemon=True)
            with self._lock:
                self._threads.append(t)
            t.start()

    def _run(self, peer: Peer) -> None:
        try:
            self.script(peer)
        except OSError:
            pass  # the client hung up under the script: what many of these tests are about
        finally:
            peer.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port

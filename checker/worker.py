"""A second process forked at the command's first line: work the run needs later, done meanwhile on an idle core.

A run's set-up is one core's work, one step after another: the command's imports, loading and planning the
document, and only then drawing the values (checker/values.py), whose hypothesis costs about 0.1 s to import
and, on a document such as Twilio's (30 regex-patterned ids), 0.05 s more to draw. At the end, the report looks
up where each path and operation is in the document (checker/spec/lines.py): 0.05 s for GitHub's 2,034. The
machine's other cores sit idle meanwhile. So the command (``checker.__main__:entry``; never the library or the
pytest plugin) forks once at its first line, before the heavy imports. The child runs a warm-up named by the
caller (``checker.values:warm_up``: hypothesis imported, a first draw made) and waits; the parent goes on
parsing options, loading and planning the document, then sends the calls it will need answered
(:func:`send`: the values to draw, the positions to look up) and takes each answer when it needs it
(:func:`result`). This module knows nothing of values or positions: it forks, pickles calls (module-level
functions travel by name), and returns their results in order.

A call's result is the very one the parent would compute: the same function with the same arguments. (For
values, one difference: hypothesis now and then mixes in constants of the "local" modules loaded at the time --
anything outside the standard library and site-packages -- and the child has loaded fewer of them. An installed
conform405 has none, ``--app``'s application aside; in a source checkout conform405's own modules are local,
so there a drawn character may differ. A run repeats its values exactly either way.)

Anything amiss -- no ``fork`` (Windows; macOS, where forking is unsafe once system frameworks are loaded),
threads already running, the child gone, an answer that does not unpickle -- and :func:`result` says so (None):
the parent does the work itself, as it always did. The worker only ever saves time.
``CONFORM405_NO_WORKER=1`` turns it off.

The child holds none of the parent's files: its standard streams are ``/dev/null`` (a ``conform405 ... | cat``
or a test capturing the output never waits for it), it ends on its own at end-of-file (the parent gone), and
Ctrl-C ends it silently (default signal actions).
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import threading
from typing import Any, Callable

#: the subcommands that need no worker (every other one is ``run``, named or implied)
NO_WORKER = frozenset({"plan", "explain", "rules", "diff", "merge"})

_state: dict[str, Any] = {"forked": False, "worker": None}


class _Worker:
    """The parent's end: the calls sent, the answers read so far (in order), the two pipes."""

    def __init__(self, pid: int, to_child: int, from_child: int) -> None:
        self.pid = pid
        self.to_child: int = to_child
        self.answers = os.fdopen(from_child, "rb")
        self.sent: list[tuple[Callable[..., Any], tuple[Any, ...]]] | None = None
        self.results: list[Any] = []
        self.broken = False  #: the child gave no (more) answers: nothing more is read
        #: work the parent needs later anyway, done if it would otherwise wait for an answer
        self.meanwhile: Callable[[], None] | None = None

    def index(self, call: Callable[..., Any], args: tuple[Any, ...]) -> int | None:
        for i, (sent_call, sent_args) in enumerate(self.sent or ()):
            if sent_call is call and sent_args == args:
                return i
        return None

    def read_until(self, i: int) -> Any:
        while len(self.results) <= i and not self.broken:
            if self.meanwhile is not None and not select.select([self.answers], [], [], 0)[0]:
                meanwhile, self.meanwhile = self.meanwhile, None
                meanwhile()
            try:
                self.results.append(pickle.load(self.answers))
            except Exception:  # noqa: BLE001 - end-of-file (the child gone), a garbled answer: no more answers
                self.broken = True
                self.close()
        return self.results[i] if i < len(self.results) else _NONE

    def close(self) -> None:
        try:
            self.answers.close()
        except OSError:
            pass
        try:  # the child ends once it has answered (or seen end-of-file): reap it
            os.waitpid(self.pid, os.WNOHANG)
        except OSError:
            pass


_NONE = object()


def wanted(args: list[str]) -> bool:
    """Whether the command line ``args`` is a run (``conform405 SPEC ...`` or ``conform405 run ...``), not help."""
    if not args or args[0] in NO_WORKER or args[0].startswith("-"):
        return False
    return not any(a in ("-h", "--help") for a in args)


def start(warm_up: str) -> None:
    """Fork the child, once per process, where that is safe; a no-op otherwise. While it waits, the child runs
    ``warm_up`` ("module:function"): its imports, hypothesis's one-time costs."""
    if _state["forked"] or not _can_fork():
        return
    _state["forked"] = True
    try:
        down_r, down_w = os.pipe()  # parent -> child: the calls
        up_r, up_w = os.pipe()  # child -> parent: their results, one pickle each
    except OSError:
        return
    try:
        pid = os.fork()
    except OSError:
        for fd in (down_r, down_w, up_r, up_w):
            _close(fd)
        return
    if pid == 0:  # the child: never returns
        _close(down_w)
        _close(up_r)
        _child(down_r, up_w, warm_up)
    _close(down_r)
    _close(up_w)
    _state["worker"] = _Worker(pid, down_w, up_r)


def waiting() -> bool:
    """Whether a worker was started and nothing was sent to it yet."""
    worker = _state["worker"]
    return worker is not None and worker.sent is None


def send(*calls: tuple[Callable[..., Any], tuple[Any, ...]], meanwhile: Callable[[], None] | None = None) -> bool:
    """Have the child make ``calls`` (``(function, args)``, functions at module level: pickled by name), once.
    ``meanwhile`` is work the parent needs later anyway, done when it first waits for an answer. False when
    there is no worker, it was sent calls already, or they cannot be pickled (the parent does the work itself).

    Written from a thread: the arguments can exceed a pipe's buffer, and the child reads only once its warm-up
    is done -- the parent must not wait for that."""
    worker = _state["worker"]
    if worker is None or worker.sent is not None:
        return False
    try:
        data = pickle.dumps(list(calls), protocol=pickle.HIGHEST_PROTOCOL) if calls else None
    except Exception:  # noqa: BLE001 - an argument pickle refuses: the parent does the work itself
        data = None
    worker.sent = list(calls) if data is not None else []
    fd, worker.to_child = worker.to_child, -1
    if data is None:
        _close(fd)  # end-of-file: the child ends
        return False
    worker.meanwhile = meanwhile
    threading.Thread(target=_write_and_close, args=(fd, data), name="conform405-worker", daemon=True).start()
    return True


def busy() -> bool:
    """Whether the worker was sent calls (whose results may be asked for)."""
    worker = _state["worker"]
    return worker is not None and bool(worker.sent)


def sent(call: Callable[..., Any], *args: Any) -> bool:
    """Whether ``call(*args)`` was sent to the worker (its result may be asked for)."""
    worker = _state["worker"]
    return worker is not None and worker.index(call, args) is not None


def result(call: Callable[..., Any], *args: Any) -> tuple[Any] | None:
    """``(call(*args),)`` as the child made it, waiting for it if need be; None when it was not sent or the child
    gave no answer (the caller then makes the call itself)."""
    worker = _state["worker"]
    i = worker.index(call, args) if worker is not None else None
    if i is None:
        return None
    answer = worker.read_until(i)
    return None if answer is _NONE else (answer,)


def stop() -> None:
    """End the child and reap it (the command's last step): whatever it still does is no longer needed, and a
    reaped child's CPU time counts in the command's own (``time``, ``wait4``)."""
    worker, _state["worker"] = _state["worker"], None
    if worker is None:
        return
    try:
        os.kill(worker.pid, signal.SIGKILL)
        os.waitpid(worker.pid, 0)
    except OSError:  # already reaped
        pass


def _can_fork() -> bool:
    if os.environ.get("CONFORM405_NO_WORKER"):
        return False
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return False
    return threading.active_count() == 1  # forking a process with threads copies locks held by them


def _child(from_parent: int, to_parent: int, warm_up: str) -> None:  # pragma: no cover - runs in the forked child
    """Warm up, read the calls until end-of-file, make them, answer each as soon as it is made, exit."""
    code = 0
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        _close(devnull)
        import importlib

        module, _, function = warm_up.partition(":")
        getattr(importlib.import_module(module), function)()
        data = _read_all(from_parent)
        if data:
            with os.fdopen(to_parent, "wb") as out:
                for call, args in pickle.loads(data):
                    pickle.dump(call(*args), out, protocol=pickle.HIGHEST_PROTOCOL)
                    out.flush()
    except BaseException:  # noqa: BLE001 - whatever went wrong, the parent does the work itself
        code = 1
    finally:
        os._exit(code)


def _write_and_close(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError:  # the child is gone: result() sees end-of-file and the parent does the work itself
        pass
    finally:
        _close(fd)


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass

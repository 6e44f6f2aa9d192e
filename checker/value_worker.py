"""Values drawn in a second process while the command loads the document: hypothesis off the critical path.

A run's values come from hypothesis (checker/values.py), and hypothesis costs a run about 0.1 s to import and,
on a document such as Twilio's (30 regex-patterned ids), 0.05 s more to draw: a third of a small run, spent
while the machine's other cores sit idle. So the command (``checker.__main__:entry``; never the library or the
pytest plugin) forks once at its first line, before the heavy imports. The child runs a warm-up named by the
caller (``checker.values:warm_up``: hypothesis imported, a first draw made) and waits for one call; the parent
goes on parsing options, loading and planning the document, then sends the call (``checker.values.drawn``
and the list to draw, by ``draw_ahead`` or ``ValueSource.prepare_later``) and takes the result when the first
request needs a value. This module knows nothing of values: it forks, pickles one call, returns its result.

The values are drawn by the same code with the same seeds from the same list, so a run repeats them exactly.
One difference from drawing in the parent: hypothesis now and then mixes in constants of the "local" modules
loaded at the time (anything outside the standard library and site-packages), and the child has loaded fewer
of them. An installed conform405 has none (``--app``'s application aside); in a source checkout conform405's
own modules are local, so there a character may differ.

Anything amiss -- no ``fork`` (Windows; macOS, where forking is unsafe once system frameworks are loaded),
threads already running, the child gone, an answer that does not unpickle -- and the parent draws the values
itself, as it always did: the worker only ever saves time. ``CONFORM405_NO_VALUE_WORKER=1`` turns it off.

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

_state: dict[str, Any] = {"forked": False, "worker": None}


class Worker:
    """The parent's end: one request (what to draw), one answer (what was drawn)."""

    def __init__(self, pid: int, to_child: int, from_child: int) -> None:
        self.pid, self._to_child, self._from_child = pid, to_child, from_child
        self._writer: threading.Thread | None = None
        #: what was asked of the child (None before :meth:`send`)
        self.sent: Any = None
        #: work the parent needs later anyway, done if it would otherwise wait for the answer
        self.meanwhile: Callable[[], None] | None = None

    def send(self, call: Callable[..., Any], *args: Any, sent: Any = None) -> bool:
        """Have the child return ``call(*args)`` (``call`` a module-level function: pickled by its name);
        ``sent`` records what was asked. False when it cannot be pickled (the parent then does it itself).

        Written from a thread: the arguments can exceed a pipe's buffer, and the child reads only once its
        imports are done -- the parent must not wait for that."""
        try:
            data = pickle.dumps((call, args), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - an argument pickle refuses: the parent does it itself
            self.close()
            return False
        self.sent = sent if sent is not None else args
        self._writer = threading.Thread(target=self._write, args=(data,), name="conform405-values", daemon=True)
        self._writer.start()
        return True

    def _write(self, data: bytes) -> None:
        fd, self._to_child = self._to_child, -1  # the writer owns it now, and closes it
        try:
            _write_all(fd, data)
        except OSError:  # the child is gone: receive() sees end-of-file and the parent draws itself
            pass
        finally:
            _close(fd)

    def receive(self) -> tuple[Any] | None:
        """``(the call's result,)``, or None if the child gave none."""
        if self._from_child < 0:
            return None
        if self.meanwhile is not None and not select.select([self._from_child], [], [], 0)[0]:
            meanwhile, self.meanwhile = self.meanwhile, None
            meanwhile()
        try:
            data = _read_all(self._from_child)
            answer = pickle.loads(data) if data else None
        except Exception:  # noqa: BLE001 - a truncated or garbled answer: the parent draws itself
            answer = None
        finally:
            self.close()
        return answer if isinstance(answer, tuple) and len(answer) == 1 else None

    def close(self) -> None:
        """Close the parent's ends (once: a closed descriptor's number may be reused by then)."""
        if self._writer is None and self._to_child >= 0:
            _close(self._to_child)
            self._to_child = -1
        if self._from_child >= 0:
            _close(self._from_child)
            self._from_child = -1
        try:  # the child ends as soon as it has answered (or seen end-of-file): reap it
            os.waitpid(self.pid, os.WNOHANG)
        except OSError:
            pass


#: the subcommands that draw no values (every other one is ``run``, named or implied)
NO_VALUES = frozenset({"plan", "explain", "rules", "diff", "merge"})


def wanted(args: list[str]) -> bool:
    """Whether the command line ``args`` is a run (``conform405 SPEC ...`` or ``conform405 run ...``), not help."""
    if not args or args[0] in NO_VALUES or args[0].startswith("-"):
        return False
    return not any(a in ("-h", "--help") for a in args)


def start(warm_up: str) -> None:
    """Fork the child, once per process, where that is safe; a no-op otherwise. While it waits, the child runs
    ``warm_up`` ("module:function"): its imports, hypothesis's one-time costs."""
    if _state["forked"] or not _can_fork():
        return
    _state["forked"] = True
    try:
        down_r, down_w = os.pipe()  # parent -> child: what to draw
        up_r, up_w = os.pipe()  # child -> parent: what was drawn
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
    _state["worker"] = Worker(pid, down_w, up_r)


def claim() -> Worker | None:
    """The started worker, handed out once (a second ValueSource in the same process draws in-process)."""
    worker, _state["worker"] = _state["worker"], None
    return worker


def waiting() -> Worker | None:
    """The started worker if nothing was sent to it yet (for the command to send the list ahead), else None."""
    worker = _state["worker"]
    return worker if worker is not None and worker.sent is None else None


def _can_fork() -> bool:
    if os.environ.get("CONFORM405_NO_VALUE_WORKER"):
        return False
    if not hasattr(os, "fork") or sys.platform == "darwin":
        return False
    return threading.active_count() == 1  # forking a process with threads copies locks held by them


def _child(from_parent: int, to_parent: int, warm_up: str) -> None:  # pragma: no cover - runs in the forked child
    """Warm up, read the call until end-of-file, make it, answer, exit."""
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
            call, args = pickle.loads(data)
            _write_all(to_parent, pickle.dumps((call(*args),), protocol=pickle.HIGHEST_PROTOCOL))
    except BaseException:  # noqa: BLE001 - whatever went wrong, the parent does it itself
        code = 1
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass

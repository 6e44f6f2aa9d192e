"""Start-up figures (``make bench``, or ``python -m benchmarks.startup``): how long the command takes to begin.

Side by side, each the median of several fresh processes:

* ``python -c pass``: the interpreter's own floor;
* ``python -m checker --version``: the command's imports and set-up, nothing else;
* time to the first request: from just before the parent spawns ``python -m checker SPEC --base-url URL -q``
  to the moment the first request line reaches a server in the parent process (both stamps from the
  parent's ``time.perf_counter``, so no clocks are compared across processes). The server is the demo
  server (checker/demo/server.py, standard library only, 127.0.0.1, an ephemeral port); for the demo spec
  (specs/bookshop.yaml) the whole run's wall time is printed too.

The same time to the first request for GitHub's description (../shared/specs-corpus, skipped with a note when
absent) is information only: there loading and planning the document dominate. That child is killed once its
first request has arrived. Beside the time to the first request, the child's own CPU time by then and its time
spent waiting for a CPU (Linux's /proc/PID/task/*/schedstat, read when the request arrives): on a shared machine
the CPU figure is the steadier one. Each figure is followed by the fastest run (the machine is shared: the median is the
figure, the fastest shows how much of it is noise). The bytecode of checker/ is compiled first, as an installed wheel
has it (with ``PYTHONDONTWRITEBYTECODE`` set, an editable checkout would otherwise compile every module on every
run: about 0.14 s more). ``python -X importtime -m checker ...`` says which imports cost what; the bench
prints only the figures.
"""

from __future__ import annotations

import compileall
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "specs-corpus"
DEMO_SPEC = ROOT / "specs" / "bookshop.yaml"
LARGE = "github-api.github.com.json"
RUNS = 7
LARGE_RUNS = 3
TARGET = 0.2


def _figure(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s (fastest {min(times):.3f})"


def _process(argv: list[str], runs: int = RUNS) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=60)
        times.append(time.perf_counter() - start)
    return times


def _schedstat(pid: int) -> tuple[float, float] | None:
    """Seconds process ``pid`` has run on a CPU and waited for one, over its threads (None: not Linux)."""
    run = wait = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            fields = (task / "schedstat").read_text().split()
            run, wait = run + int(fields[0]), wait + int(fields[1])
    except (OSError, ValueError, IndexError):
        return None
    return run / 1e9, wait / 1e9


class _FirstRequest:
    """The demo server on 127.0.0.1 whose handler notes when the first request line has been read (and what
    the child process ``pid``, once set, has used of the CPU by then)."""

    def __init__(self) -> None:
        from checker.demo.server import DemoServer, Handler

        stamp = self

        class Stamped(Handler):
            def parse_request(self) -> bool:  # called right after the request line is read
                if stamp.at is None:
                    stamp.at = time.perf_counter()
                    stamp.cpu = _schedstat(stamp.pid) if stamp.pid else None
                    stamp.arrived.set()
                return super().parse_request()

        self.at: float | None = None
        self.pid: int | None = None
        self.cpu: tuple[float, float] | None = None
        self.arrived = threading.Event()
        self.server = DemoServer()
        self.server.httpd.RequestHandlerClass = Stamped
        # a child killed after its first request leaves broken connections: not worth a traceback each
        self.server.httpd.handle_error = lambda request, client_address: None

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> "_FirstRequest":
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)


def _first_request(spec: Path, runs: int, wait_for_exit: bool) -> dict[str, list[float]]:
    """Per run: seconds from spawn to the first request (``first``), the child's CPU and CPU-wait seconds by then
    (``cpu``, ``wait``; empty off Linux) and, if ``wait_for_exit``, to the command's end (``whole``).

    A server of its own per run: a killed child's last requests cannot be taken for the next child's first."""
    out: dict[str, list[float]] = {"first": [], "cpu": [], "wait": [], "whole": []}
    for _ in range(runs):
        with _FirstRequest() as server:
            argv = [sys.executable, "-m", "checker", str(spec), "--base-url", server.url, "-q"]
            start = time.perf_counter()
            child = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            server.pid = child.pid  # long before its first request: the interpreter alone takes 20 ms to start
            try:
                if not server.arrived.wait(120):
                    raise RuntimeError(f"no request arrived from {' '.join(argv)}")
                if wait_for_exit:
                    child.wait(120)
                    out["whole"].append(time.perf_counter() - start)
            finally:
                if child.poll() is None:
                    child.kill()
                    child.wait()
            out["first"].append(server.at - start)
            if server.cpu is not None:
                out["cpu"].append(server.cpu[0])
                out["wait"].append(server.cpu[1])
    return out


def _cpu(m: dict[str, list[float]]) -> str:
    if not m["cpu"]:
        return ""
    return f"; its CPU by then {_figure(m['cpu'])}, waiting for a CPU {statistics.median(m['wait']):.3f} s"


def main() -> None:
    compileall.compile_dir(ROOT / "checker", quiet=1)
    print(f"== start-up (python -m checker), median of {RUNS} fresh processes")
    print(f"  python -c pass (the interpreter's floor):        {_figure(_process([sys.executable, '-c', 'pass']))}")
    print(f"  python -m checker --version:                     "
          f"{_figure(_process([sys.executable, '-m', 'checker', '--version']))}")
    m = _first_request(DEMO_SPEC, RUNS, wait_for_exit=True)
    print(f"  demo spec (bookshop.yaml), to the first request: {_figure(m['first'])}  (target: under {TARGET} s)")
    print(f"    {_cpu(m)[2:]}")
    print(f"  demo spec (bookshop.yaml), the whole run:        {_figure(m['whole'])}")
    large = CORPUS / LARGE
    if not large.is_file():
        print(f"  {LARGE}: skipped (not in {CORPUS})")
        return
    m = _first_request(large, LARGE_RUNS, wait_for_exit=False)
    print(f"  {LARGE}, to the first request (median of {LARGE_RUNS}): {_figure(m['first'])}{_cpu(m)}")
    print("    (information: there loading and planning the document dominate)")


if __name__ == "__main__":
    main()

"""Scale: GitHub's description 1x, 3x and 10x (811 to 8,110 paths) loaded, planned and run (``make bench``,
or ``python -m benchmarks.scale``).

The documents are benchmarks/synthetic.py's: GitHub's paths under N mount prefixes (``/api0``, ``/api1``, ...),
written to a temporary directory and deleted after. For each size:

* **load** and **plan**: ``load_spec`` and ``build_plan`` in a fresh child process with the command's
  garbage-collector thresholds (checker/cli.py; with Python's defaults the first collections after a load
  walk the whole new document, 0.7 s more of "plan" at 10x), after a small document is loaded and planned
  there (first-use imports are not counted); the best of $BENCH_SCALE_REPEAT children (default 3), with
  the largest peak RSS of those children;
* **run**: a full default run (the best of $BENCH_SCALE_RUNS, default 1), ``python -m checker SPEC --base-url URL --json OUT -q --no-progress``, as a
  child process: wall time, CPU seconds and peak RSS from ``wait4`` (the child's own ``ru_maxrss``), the
  requests it sent (the report's summary), and the server's CPU seconds over the run (``/proc``, Linux).

Then the growth per path against 1x (time per path at N x divided by time per path at 1x: about 1 when the
time grows linearly with the document), and whether the peak memory of every process stayed under 1 GB.
Wall times on a shared machine move with its load: the CPU seconds of conform405 are the steadier measure.

The server is benchmarks/conformant_server.py (uvicorn with httptools, on 127.0.0.1, in its own process), the
one probe_speed measures. Starlette matches routes one by one, but that server already splits them into a
router per (segment count, first segment), and each mount prefix is a first segment of its own: a request is
matched against the routes of its own copy only, so the server's work per request does not grow with the
document (about 70 us per request in-process at both 1x and 10x), and the run measures conform405, not the
server's router. (httptools answers a made-up method token with 400 before the app sees it: the reports hold
``unknown-method-wrong-status`` info findings, as in probe_speed.) The child processes are timed by this
module's own :func:`run_child`, so a change to another benchmark's helpers does not break this one.

The GitHub description lives in ../shared/specs-corpus; without it this prints why and returns.
$BENCH_SCALE_SIZES (default ``1,3,10``) picks the sizes, $BENCH_SCALE_RUNS (default 1) how many runs of each
size (the best wall time is shown). The three sizes take a few minutes (the 10x run sends about 150,000 requests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .synthetic import SOURCE, write

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1, 3, 10)
#: the peak memory every process must stay under (the issue's bound)
MEMORY_BOUND_MB = 1024
RUN_TIMEOUT = 1800.0
#: a small document loaded and planned first in the load/plan child, so that the imports done on first use
#: (a tenth of a second or more) are not counted as the work of the first size
WARM_UP = ROOT / "specs" / "bookshop.yaml"

_LOAD_PLAN_CHILD = """
import json, resource, sys, time
from checker.cli import _short_lived_gc
from checker.spec import LoadOptions, load_spec
from checker.plan import build_plan
_short_lived_gc()  # the command's collector thresholds (the library leaves the host's alone)
build_plan(load_spec(sys.argv[2]))  # the modules both import on first use: once, and not timed
t0 = time.perf_counter()
spec = load_spec(sys.argv[1], LoadOptions(max_spec_size=1 << 30))
t1 = time.perf_counter()
plan = build_plan(spec)
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "plan": t2 - t1, "paths": len(spec.paths), "operations": spec.operation_count,
                  "cells": len(plan.cells), "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


@dataclass
class Size:
    copies: int
    megabytes: float
    paths: int = 0
    operations: int = 0
    cells: int = 0
    load: float | None = None
    plan: float | None = None
    plan_rss_mb: float | None = None
    wall: float | None = None
    cpu: float | None = None
    rss_mb: float | None = None
    requests: int | None = None
    server_cpu: float | None = None
    note: str = ""


def load_and_plan(spec: Path, repeat: int) -> dict:
    """The best load and plan times of ``repeat`` fresh processes (and the largest peak RSS among them)."""
    best: dict = {}
    for _ in range(repeat):
        child = subprocess.run([sys.executable, "-c", _LOAD_PLAN_CHILD, str(spec), str(WARM_UP)], capture_output=True,
                               text=True, cwd=ROOT, timeout=600, check=True)
        m = json.loads(child.stdout)
        if not best:
            best = m
        else:
            best["load"], best["plan"] = min(best["load"], m["load"]), min(best["plan"], m["plan"])
            best["maxrss_kb"] = max(best["maxrss_kb"], m["maxrss_kb"])
    return best


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a running process (Linux ``/proc``), or None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_child(cmd: list[str], timeout: float) -> tuple[int | None, float, float, float, str]:
    """Run ``cmd`` as a child process: ``(exit code, or None when stopped at the time bound; wall s; CPU s;
    peak RSS MB; the end of its standard error)``, CPU and peak RSS the child's own (``wait4``)."""
    err = tempfile.TemporaryFile()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT)
    code: int | None = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            code = proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.perf_counter() - started > timeout:
            proc.kill()
            _, _, rusage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            break
        time.sleep(0.005)
    wall = time.perf_counter() - started
    err.seek(0)
    tail = err.read().decode(errors="replace").strip()[-400:]
    err.close()
    return code, wall, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss / 1024, tail


def run_once(spec: Path, work: str) -> tuple[float | None, float | None, float | None, int | None, float | None, str]:
    """One default run against the generated server: ``(wall, CPU, peak RSS MB, requests, server CPU, note)``."""
    from .conformant_server import serve_counted

    report = os.path.join(work, "report.json")
    with serve_counted(spec, timeout=300) as server:
        before = _cpu_seconds(server.proc.pid)
        cmd = [sys.executable, "-m", "checker", str(spec), "--base-url", server.url, "--json", report, "-q",
               "--no-progress"]
        code, wall, cpu, rss, tail = run_child(cmd, RUN_TIMEOUT)
        after = _cpu_seconds(server.proc.pid)
    server_cpu = after - before if before is not None and after is not None else None
    note = ""
    if code is None:
        note = f"stopped at the {RUN_TIMEOUT:g} s bound"
    elif code not in (0, 1):
        note = f"exit {code}: {tail.splitlines()[-1] if tail else ''}"[:160]
    try:
        with open(report, "rb") as fh:
            summary = json.load(fh)["summary"]
        os.unlink(report)
    except (OSError, ValueError, KeyError):
        return wall, cpu, rss, None, server_cpu, note or "no report written"
    if not summary.get("complete", True):
        note = note or f"incomplete: {summary.get('incomplete_reason')}"
    elif summary.get("judged") != summary.get("cells"):
        note = note or f"{summary.get('cells', 0) - summary.get('judged', 0)} cells not judged"
    return wall, cpu, rss, summary.get("requests"), server_cpu, note


def measure(copies: int, work: str, repeat: int, runs: int) -> Size:
    spec = write(copies, work)
    try:
        size = Size(copies, spec.stat().st_size / 1e6)
        lp = load_and_plan(spec, repeat)
        size.paths, size.operations, size.cells = lp["paths"], lp["operations"], lp["cells"]
        size.load, size.plan, size.plan_rss_mb = lp["load"], lp["plan"], lp["maxrss_kb"] / 1024
        best = None
        for _ in range(runs):  # the run with the best wall time (the least disturbed on a shared machine)
            got = run_once(spec, work)
            if best is None or (got[0] or 1e9) < (best[0] or 1e9):
                best = got
        assert best is not None
        size.wall, size.cpu, size.rss_mb, size.requests, size.server_cpu, size.note = best
    finally:
        spec.unlink()
    return size


def _fmt(value: float | int | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _per_path(size: Size, base: Size, attr: str) -> str:
    a, b = getattr(size, attr), getattr(base, attr)
    if not a or not b or not size.paths or not base.paths:
        return "-"
    return f"{(a / size.paths) / (b / base.paths):.2f}"


def print_table(sizes: list[Size]) -> None:
    print(f"  {'size':>4} {'paths':>6} {'ops':>6} {'MB':>5} {'load s':>7} {'plan s':>7} {'run s':>7} {'run CPU':>8} "
          f"{'requests':>9} {'req/s':>6} {'srv CPU':>8} {'peak MB':>8} {'l+p MB':>7}  note")
    for s in sizes:
        rps = s.requests / s.wall if s.requests and s.wall else None
        print(f"  {str(s.copies) + 'x':>4} {s.paths:6d} {s.operations:6d} {s.megabytes:5.1f} {_fmt(s.load, '7.2f')} "
              f"{_fmt(s.plan, '7.2f')} {_fmt(s.wall, '7.1f')} {_fmt(s.cpu, '8.1f')} {_fmt(s.requests, '9d')} "
              f"{_fmt(rps, '6.0f')} {_fmt(s.server_cpu, '8.1f')} {_fmt(s.rss_mb, '8.0f')} {_fmt(s.plan_rss_mb, '7.0f')}"
              f"  {s.note}")
    base = sizes[0]
    print(f"\n  per path, against {base.copies}x (1.00 = linear growth):")
    print(f"  {'size':>4} {'load':>6} {'plan':>6} {'run s':>6} {'run CPU':>8} {'requests':>9} {'srv CPU':>8} {'peak MB':>8}")
    for s in sizes[1:]:
        print(f"  {str(s.copies) + 'x':>4} {_per_path(s, base, 'load'):>6} {_per_path(s, base, 'plan'):>6} "
              f"{_per_path(s, base, 'wall'):>6} {_per_path(s, base, 'cpu'):>8} {_per_path(s, base, 'requests'):>9} "
              f"{_per_path(s, base, 'server_cpu'):>8} {_per_path(s, base, 'rss_mb'):>8}")
    peaks = [p for s in sizes for p in (s.rss_mb, s.plan_rss_mb) if p is not None]
    if peaks:
        worst = max(peaks)
        verdict = "under" if worst < MEMORY_BOUND_MB else "OVER"
        print(f"\n  peak memory: {worst:.0f} MB at most ({verdict} {MEMORY_BOUND_MB / 1024:g} GB), "
              f"{sizes[-1].paths} paths in the largest document")


def main() -> None:
    print("\n== scale: GitHub's description 1x to 10x, load + plan + a default run (benchmarks/scale.py)")
    if not SOURCE.is_file():
        print(f"  skipped: the GitHub description is not at {SOURCE} (it lives beside the repository, in ../shared)")
        return
    try:
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(f"  skipped: {exc} (make bench installs the bench extra)")
        return
    sizes = tuple(int(n) for n in os.environ.get("BENCH_SCALE_SIZES", ",".join(map(str, SIZES))).split(",") if n)
    repeat = int(os.environ.get("BENCH_SCALE_REPEAT", "3"))
    runs = int(os.environ.get("BENCH_SCALE_RUNS", "1"))
    print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; load and plan: best of {repeat} "
          f"fresh processes; run: best of {runs} default run{'s' if runs > 1 else ''} against the generated "
          "conformant server on 127.0.0.1")
    rows = []
    with tempfile.TemporaryDirectory(prefix="c405-scale-") as work:
        for copies in sizes:
            rows.append(measure(copies, work, repeat, runs))
    print_table(rows)


if __name__ == "__main__":
    main()

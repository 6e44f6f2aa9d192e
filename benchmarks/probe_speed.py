"""The probe benchmark (issue #17): the whole matrix of a large real document against a conformant server.

For Twilio's and GitHub's descriptions (../shared/specs-corpus), side by side in one run and against the same
conformant server, each tool as a whole process (wall time, CPU seconds and peak RSS of the child from ``wait4``):

* **floor**: a minimal client firing exactly one request per cell of the plan, nothing else
  (benchmarks/floor_client.py), twice: plain asyncio with httptools (the least Python can do per request)
  and aiohttp (the usual fast client);
* **conform405**: ``python -m checker SPEC --base-url URL --json ... --quiet --no-progress``, the default run;
* **conform405 --exhaustive**: the same with every stack-level probe sent to every path;
* **conform405 cells only**: the same with every extra probe switched off -- about the floor's workload, so
  its wall over the floor's is the engine's own cost;
* **conform405 one path**: the default run of the document's first templated path alone (``--include-path``):
  what a run costs besides its probing -- interpreter, imports, loading and planning the whole document, drawing
  values (hypothesis), writing the report -- which the floor, reading a ready-made list of requests, does not pay;
* **Schemathesis**: ``schemathesis run SPEC --url URL --checks unsupported_method,allow_header_conformance``,
  bounded by $BENCH_SCHEMATHESIS_TIMEOUT seconds (default 600; 0 skips it).

Requests are counted by the server (benchmarks/conformant_server.serve_counted: its count before and after
each run, those its HTTP parser refuses included); requests per cell divide them by the plan's cells (the
matrix of ``conform405 plan SPEC --json -``); "x floor" is a wall time over the asyncio floor's. The floors
and conform405 runs are repeated $BENCH_REPEAT times (default 3), interleaved -- round after round, each tool once
per round, so that a machine that changes pace during the bench weighs on every tool alike -- and the median is
shown (the machine may be shared); Schemathesis runs once. After each table, issue #17's targets, computed from the figures above:
the default run at most 1.3 requests per cell and at most 2x the floor's wall; Schemathesis at least 25x
slower than the default run.

The server is benchmarks/conformant_server.py on uvicorn (httptools) on 127.0.0.1, in its own process.
$BENCH_SPECS=Twilio (or GitHub; "Twilio,GitHub" both) runs those documents; a name it does not know is said.
Anything missing (the corpus, a document, the bench extra, Schemathesis) is a note, not an error; the exit
status is 0 whether the targets are met or not.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "specs-corpus"
SPECS = (("Twilio", "twilio-api-v2010.json"), ("GitHub", "github-api.github.com.json"))

#: issue #17's targets
MAX_REQUESTS_PER_CELL = 1.3
MAX_WALL_OVER_FLOOR = 2.0
MIN_SCHEMATHESIS_OVER_DEFAULT = 25.0

DEFAULT, EXHAUSTIVE, CELLS, SCHEMATHESIS = "conform405", "conform405 --exhaustive", "conform405 cells only", "Schemathesis"
FIXED = "conform405 one path"  # --include-path: the run's fixed cost (start-up, load, plan, values, report)
FLOOR = "floor (asyncio)"  # the floor the ratios are taken against: the least a Python client can do

#: the switches that turn conform405's extra probes off (those this version has), leaving the matrix cells
EXTRA_PROBE_SWITCHES = (("--no-stability-check",), ("--override-probes", "off"), ("--no-unknown-method",),
                        ("--no-head-body-check",), ("--no-discovery",), ("--no-slash-twins",))


@dataclass
class Measure:
    tool: str
    wall: float | None = None  # median over the repeats
    cpu: float | None = None
    rss_mb: float | None = None
    requests: int | None = None
    notes: list[str] = field(default_factory=list)
    bounded: bool = False  # stopped at its time bound: the wall is a lower bound
    failed: bool = False  # did not run, or exited with an unexpected code

    @property
    def measured(self) -> bool:
        return self.wall is not None and not self.failed


@dataclass
class Child:
    code: int | None  # None: stopped at the time bound
    wall: float
    cpu: float
    rss_mb: float
    stderr_tail: str


def run_child(cmd: list[str], timeout: float, env: dict[str, str] | None = None) -> Child:
    """Run ``cmd`` as a child process, killed after ``timeout`` seconds."""
    err = tempfile.TemporaryFile()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT,
                            env={**os.environ, **(env or {})})
    code: int | None = None
    try:
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
            time.sleep(0.002)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): no tool left running on its own for minutes
        if proc.returncode is None:
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
        raise
    wall = time.perf_counter() - started
    err.seek(0)
    tail = err.read().decode(errors="replace").strip()[-400:]
    err.close()
    return Child(code, wall, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss / 1024, tail)


@dataclass
class Entry:
    """One tool of a table: its command, its time bound, and its runs so far."""

    tool: str
    cmd: list[str]
    timeout: float
    ok_codes: tuple[int, ...] = (0, 1)
    runs: list[tuple[float, float, float, int | None]] = field(default_factory=list)
    ended: Measure | None = None  # a run stopped at its bound or failing: no more repeats


def measure(tool: str, server, cmd: list[str], timeout: float, repeat: int = 1, ok_codes=(0, 1)) -> Measure:
    """``cmd`` run ``repeat`` times (:func:`measure_together` with one tool)."""
    return measure_together(server, [Entry(tool, cmd, timeout, ok_codes)], repeat)[0]


def measure_together(server, entries: list[Entry], repeat: int) -> list[Measure]:
    """Every entry run ``repeat`` times, interleaved -- round after round, each tool once per round -- so that
    a machine that slows down or speeds up during the bench (another job, the CPU's clock) weighs on every
    tool alike, and the ratios between them hold: the median wall of each, the CPU and memory of its median
    run, the requests the server counted during it. A run stopped at its bound or failing ends that tool's
    repeats."""
    for _ in range(repeat):
        for e in entries:
            if e.ended is None:
                _run_once(server, e)
    return [e.ended if e.ended is not None else _summary(e) for e in entries]


def _run_once(server, e: Entry) -> None:
    before = server.requests()
    child = run_child(e.cmd, e.timeout)
    after = server.requests()
    served = after - before if before is not None and after is not None else None
    if child.code is None or child.code not in e.ok_codes:
        m = Measure(e.tool, child.wall, child.cpu, child.rss_mb, served)
        if child.code is None:
            m.bounded = True
            m.notes.append(f"stopped at its {e.timeout:g} s bound")
        else:
            m.failed = True
            last = child.stderr_tail.splitlines()[-1] if child.stderr_tail else ""
            m.notes.append(f"exit {child.code}: {last}"[:160])
        e.ended = m
        return
    e.runs.append((child.wall, child.cpu, child.rss_mb, served))


def _summary(e: Entry) -> Measure:
    runs = sorted(e.runs, key=lambda r: r[0])
    wall, cpu, rss, served = runs[len(runs) // 2]
    m = Measure(e.tool, statistics.median(r[0] for r in runs), cpu, rss, served)
    counts = sorted({r[3] for r in runs}, key=lambda n: -1 if n is None else n)
    if len(counts) > 1:
        m.notes.append("requests varied between repeats: " + ", ".join("?" if n is None else str(n) for n in counts))
    if served is None:
        m.notes.append("the server did not tell its count")
    return m


def write_plan(spec: Path, url: str, dest: str) -> dict:
    """``conform405 plan SPEC --base-url URL --json -`` written to ``dest`` (the floor's input) and parsed."""
    done = subprocess.run([sys.executable, "-m", "checker", "plan", str(spec), "--base-url", url, "--json", "-"],
                          capture_output=True, cwd=ROOT)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"conform405 plan exited {done.returncode}: {tail[-1] if tail else ''}")
    with open(dest, "wb") as fh:
        fh.write(done.stdout)
    return json.loads(done.stdout)


def schemathesis_cmd() -> list[str] | None:
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    return [exe] if exe else None


def run_options() -> str:
    return subprocess.run([sys.executable, "-m", "checker", "run", "--help"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "200"}).stdout


@dataclass
class Bench:
    label: str
    spec: Path
    cells: int | None = None
    paths: int | None = None
    withheld: int = 0  # cells conform405 does not send by default (writes), the floor does
    load: float = 0.0  # the highest 1-minute load average seen around the fast runs (not Schemathesis's)
    rows: list[Measure] = field(default_factory=list)
    note: str = ""  # why nothing (or not everything) was measured

    def add(self, m: Measure) -> None:
        self.rows.append(m)
        if m.tool != SCHEMATHESIS:  # its minutes of work are the bench's own load, not the machine's
            self.load = max(self.load, os.getloadavg()[0])

    def row(self, tool: str) -> Measure | None:
        return next((r for r in self.rows if r.tool == tool), None)


def bench_spec(label: str, spec: Path, repeat: int, st_timeout: float, help_text: str) -> Bench:
    from .conformant_server import serve_counted

    bench = Bench(label, spec, load=os.getloadavg()[0])
    work = tempfile.mkdtemp(prefix="c405-bench-")
    try:
        with serve_counted(spec) as server:
            url = server.url
            plan_path = os.path.join(work, "plan.json")
            plan = write_plan(spec, url, plan_path)
            bench.cells = len(plan["matrix"])
            bench.paths = len({c["path"] for c in plan["matrix"]})
            bench.withheld = sum(1 for c in plan["matrix"] if c.get("withheld"))
            entries: list[Entry] = []
            missing: dict[str, Measure] = {}  # tools that cannot run here, shown in their place
            for kind in ("asyncio", "aiohttp"):
                tool = f"floor ({kind})"
                if kind == "aiohttp" and not _importable("aiohttp"):
                    missing[tool] = Measure(tool, failed=True, notes=["aiohttp is not installed"])
                    continue
                entries.append(Entry(tool, [sys.executable, "-m", "benchmarks.floor_client", plan_path, f"--kind={kind}"], 120))
            reports: dict[str, str] = {}
            cells_only = [a for sw in EXTRA_PROBE_SWITCHES if sw[0] in help_text for a in sw]
            one = next((c["path"] for c in plan["matrix"] if "{" in c["path"] and "[" not in c["path"]), None)
            for tool, extra, available in ((DEFAULT, [], True), (EXHAUSTIVE, ["--exhaustive"], "--exhaustive" in help_text),
                                           (CELLS, cells_only, bool(cells_only)),
                                           (FIXED, ["--include-path", one or ""], one is not None and "--include-path" in help_text)):
                if not available:
                    missing[tool] = Measure(tool, failed=True, notes=["this version of conform405 has no such option"])
                    continue
                reports[tool] = report = os.path.join(work, f"report-{len(reports)}.json")
                entries.append(Entry(tool, [sys.executable, "-m", "checker", str(spec), "--base-url", url, "--json", report,
                                            "--quiet", "--no-progress", *extra], 300))
            measured = {m.tool: m for m in measure_together(server, entries, repeat)}
            for tool in [f"floor ({k})" for k in ("asyncio", "aiohttp")] + [DEFAULT, EXHAUSTIVE, CELLS, FIXED]:
                m = measured.get(tool) or missing.get(tool)
                if m is None:
                    continue
                if tool in reports and tool != FIXED:  # one path's report counts its own cells only
                    m.notes.extend(_report_notes(reports[tool], m, bench.cells))
                if tool == FIXED:
                    m.notes.append(f"{one} alone: the fixed cost")
                bench.add(m)
            bench.add(_schemathesis(server, spec, url, work, st_timeout))
    except RuntimeError as exc:  # the server did not start, or the plan failed
        lines = str(exc).strip().splitlines() or [type(exc).__name__]  # the first line says what, the last why
        bench.note = lines[0] if len(lines) == 1 else f"{lines[0].split(': ', 1)[0]}: {lines[-1].strip()}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return bench


def _schemathesis(server, spec: Path, url: str, work: str, timeout: float) -> Measure:
    if timeout <= 0:
        return Measure(SCHEMATHESIS, failed=True, notes=["skipped: $BENCH_SCHEMATHESIS_TIMEOUT=0"])
    st = schemathesis_cmd()
    if st is None:
        return Measure(SCHEMATHESIS, failed=True, notes=["not installed; make bench installs the bench extra"])
    cmd = st + ["run", str(spec), "--url", url, "--checks", "unsupported_method,allow_header_conformance",
                "--report-dir", os.path.join(work, "st")]
    return measure(SCHEMATHESIS, server, cmd, timeout, 1, ok_codes=(0, 1))


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _report_notes(path: str, m: Measure, cells: int | None) -> list[str]:
    """The report's findings, and where the report disagrees with the server's count or the plan's cells."""
    try:
        with open(path, "rb") as fh:
            summary = json.load(fh)["summary"]
    except (OSError, ValueError, KeyError):
        return [] if m.failed or m.bounded else ["no report written"]
    by = summary.get("by_severity") or {}
    parts = ", ".join(f"{n} {sev}" for sev, n in by.items() if n)
    notes = [f"{summary.get('findings')} findings" + (f" ({parts})" if parts else "")]
    if m.requests is not None and summary.get("requests") not in (None, m.requests):
        notes.append(f"its report says {summary['requests']} requests")
    if cells is not None and summary.get("cells") not in (None, cells):
        notes.append(f"its report says {summary['cells']} cells")
    return notes


# -- the table and the targets ---------------------------------------------------------------------------------


def _num(value: float | None, width: int, spec: str, prefix: str = "") -> str:
    return ("-" if value is None else prefix + format(value, spec)).rjust(width)


def _shown(value: float, target: float, spec: str = ".2f") -> str:
    """``value`` as printed beside ``target``: more digits when the rounding would hide which side it is on."""
    text = format(value, spec)
    digits = int(spec[1:-1]) if spec.startswith(".") else 2
    while float(text) == target and value != target and digits < 6:
        digits += 1
        text = format(value, f".{digits}f")
    return text


def print_table(bench: Bench) -> None:
    floor = bench.row(FLOOR)
    floor_wall = floor.wall if floor and floor.measured else None
    print(f"\n{bench.label} ({bench.spec.name}): {bench.cells} cells on {bench.paths} paths,"
          " one conformant server on 127.0.0.1 for every tool")
    print(f"  {'tool':24} {'wall s':>8} {'requests':>9} {'req/cell':>9} {'x floor':>8} {'CPU s':>7} {'peak MB':>8}  note")
    for r in bench.rows:
        bound = ">" if r.bounded else ""
        per_cell = r.requests / bench.cells if r.requests is not None and bench.cells else None
        ratio = r.wall / floor_wall if r.wall is not None and floor_wall and not r.failed else None
        print(f"  {r.tool:24} {_num(r.wall, 8, '.2f', bound)} {_num(r.requests, 9, 'd')} {_num(per_cell, 9, '.2f')}"
              f" {_num(ratio, 8, '.2f', bound)} {_num(r.cpu, 7, '.2f')} {_num(r.rss_mb, 8, '.0f')}  {'; '.join(r.notes)}")
    print(f"  wall: median of the repeats (Schemathesis: one run); requests: counted by the server;"
          f" x floor: wall over the {FLOOR} wall;\n  the floor sends one request per cell, the {bench.withheld}"
          " writes conform405 withholds by default included")


def targets(bench: Bench) -> list[tuple[str, bool | None]]:
    """Issue #17's targets for one document: ``(line, met)``, met None when the figures cannot tell."""
    floor, default, st = bench.row(FLOOR), bench.row(DEFAULT), bench.row(SCHEMATHESIS)
    if default is None or not default.measured:
        why = f"the default run: {'; '.join(default.notes) if default else 'not run'}"
        return [(f"default: requests per cell not measured ({why})", None),
                (f"default: wall over the floor's not measured ({why})", None),
                (f"Schemathesis / default: not measured ({why})", None)]
    out: list[tuple[str, bool | None]] = []
    if default.requests is not None and bench.cells:
        per_cell = default.requests / bench.cells
        out.append((f"default: {_shown(per_cell, MAX_REQUESTS_PER_CELL)} req/cell"
                    f" ({default.requests} / {bench.cells}; target ≤ {MAX_REQUESTS_PER_CELL:g})",
                    per_cell <= MAX_REQUESTS_PER_CELL))
    else:
        out.append(("default: requests per cell unknown (the server did not tell its count)", None))
    if floor is not None and floor.measured and floor.wall and default.wall is not None:
        ratio = default.wall / floor.wall
        out.append((f"default: wall {_shown(ratio, MAX_WALL_OVER_FLOOR)}× the floor's"
                    f" ({default.wall:.2f} s / {floor.wall:.2f} s; target ≤ {MAX_WALL_OVER_FLOOR:g}×)",
                    ratio <= MAX_WALL_OVER_FLOOR))
    else:
        why = "; ".join(floor.notes) if floor else "not run"
        out.append((f"default: wall over the floor's unknown (the floor: {why})", None))
    target = f"target ≥ {MIN_SCHEMATHESIS_OVER_DEFAULT:g}×"
    if st is None or st.failed or st.wall is None or not default.wall:
        why = "; ".join(st.notes) if st else "not run"
        out.append((f"Schemathesis / default: not measured (Schemathesis: {why})", None))
    elif not st.bounded:
        ratio = st.wall / default.wall
        out.append((f"Schemathesis / default: {ratio:.1f}× ({st.wall:.1f} s / {default.wall:.2f} s; {target})",
                    ratio >= MIN_SCHEMATHESIS_OVER_DEFAULT))
    else:  # stopped at its bound: the true ratio is larger still
        ratio = st.wall / default.wall
        enough = ratio >= MIN_SCHEMATHESIS_OVER_DEFAULT
        out.append((f"Schemathesis / default: more than {ratio:.1f}× (Schemathesis stopped at its {st.wall:.0f} s bound"
                    + ("" if enough else " too early to tell: raise $BENCH_SCHEMATHESIS_TIMEOUT") + f"; {target})",
                    True if enough else None))
    return out


def print_targets(bench: Bench) -> list[bool | None]:
    print(f"  targets (issue #17), {bench.label}:")
    results = targets(bench)
    for line, met in results:
        print(f"    {line} {'ok' if met else 'MISSED' if met is False else '- not judged'}")
    fixed, floor, default = bench.row(FIXED), bench.row(FLOOR), bench.row(DEFAULT)
    if fixed and fixed.measured and floor and floor.measured and floor.wall and default and default.measured:
        print(f"    (not a target: the fixed cost alone, one path probed, is {fixed.wall / floor.wall:.2f}× the floor's"
              f" whole run; the default run's wall less it is {(default.wall - fixed.wall) / floor.wall:.2f}× the floor's)")
    cpus = os.cpu_count() or 1
    if bench.load > cpus + 1:  # beyond the bench's own two busy processes (the server and one tool)
        print(f"    (the machine was busy, load average up to {bench.load:.1f} on {cpus} CPUs: the walls of the"
              " CPU-heavy tools suffer most, so the ratios to the floor are inflated; CPU s is the steadier figure)")
    return [met for _, met in results]


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main() -> None:
    with contextlib.suppress(AttributeError, ValueError):
        sys.stdout.reconfigure(errors="replace")  # type: ignore[attr-defined]  # ≤ and × on any terminal
    signal.signal(signal.SIGTERM, _terminated)  # unwind, so the running tool and the server are stopped too
    print("\n== probe speed: floor vs conform405 (default, --exhaustive) vs Schemathesis ==")
    if not CORPUS.is_dir():
        print(f"[probe_speed] skipped: {CORPUS} is absent (the shared corpus holds the Twilio and GitHub documents)")
        return
    missing = [name for name in ("uvicorn", "starlette", "httptools") if not _importable(name)]
    if missing:
        print(f"[probe_speed] skipped: {', '.join(missing)} not installed (make bench installs the bench extra)")
        return
    import compileall

    # the package compiled as an installed one is: with PYTHONDONTWRITEBYTECODE set, an editable checkout would
    # otherwise compile every changed module in every run, which is no part of a run's cost
    compileall.compile_dir(ROOT / "checker", quiet=1)
    repeat = max(1, int(os.environ.get("BENCH_REPEAT", "3")))
    st_timeout = float(os.environ.get("BENCH_SCHEMATHESIS_TIMEOUT", "600"))
    only = os.environ.get("BENCH_SPECS")  # e.g. "Twilio" to run one
    help_text = run_options()
    st_run = f"one run bounded at {st_timeout:g} s" if st_timeout > 0 else "skipped"
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f};"
          f" floors and conform405: median of {repeat} runs; Schemathesis: {st_run}")
    verdicts: list[bool | None] = []
    wanted = only.replace(",", " ").split() if only else [label for label, _ in SPECS]
    unknown = [w for w in wanted if w not in {label for label, _ in SPECS}]
    if unknown:  # a typo must not make a run that measures nothing look like one that measured everything
        print(f"$BENCH_SPECS names {', '.join(unknown)}: not a document of this bench "
              f"(it knows {', '.join(label for label, _ in SPECS)})")
    for label, name in SPECS:
        if label not in wanted:
            continue
        spec = CORPUS / name
        if not spec.is_file():
            print(f"\n{label}: {spec} is absent, skipped")
            continue
        bench = bench_spec(label, spec, repeat, st_timeout, help_text)
        if bench.note:
            print(f"\n{label} ({name}): not measured: {bench.note}")
            continue
        print_table(bench)
        verdicts += print_targets(bench)
    if verdicts:
        met, missed = verdicts.count(True), verdicts.count(False)
        print(f"\ntargets: {met} met, {missed} missed, {len(verdicts) - met - missed} not judged, of {len(verdicts)}")


if __name__ == "__main__":
    main()

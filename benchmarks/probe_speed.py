"""The probe benchmark: the whole matrix of a large real spec against a conformant server.

For GitHub's and Stripe's descriptions, side by side in one run, each tool as a whole process
(wall time, CPU seconds and peak RSS of the child from ``wait4``; requests counted by the server):

* **floor**: a minimal client firing exactly the plan's cells, nothing else (benchmarks/floor_client.py), twice:
  plain asyncio with httptools (the least Python can do per request) and aiohttp (the usual fast client);
* **conform405**: ``python -m checker SPEC --base-url URL --json ... --quiet --no-progress``;
* **conform405 --app**: the same spec's app in-process (no socket), when the CLI has ``--app``;
* **Schemathesis**: ``schemathesis run SPEC -u URL --checks unsupported_method,allow_header_conformance``,
  bounded by $BENCH_SCHEMATHESIS_TIMEOUT seconds (default 600).

The conformant server is benchmarks/conformant_server.py on uvicorn (httptools) on 127.0.0.1, in its own
process. Fast runs are repeated $BENCH_REPEAT times (default 3) and the best wall time is shown: the
machine is shared, and the best of a few is the least disturbed. Skips when ../shared is absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "specs-corpus"
SPECS = (("GitHub", "github-api.github.com.json"), ("Stripe", "stripe-spec3.yaml"))


@dataclass
class Measure:
    tool: str
    wall: float | None = None
    cpu: float | None = None
    rss_mb: float | None = None
    requests: int | None = None
    note: str = ""

    @property
    def rps(self) -> float | None:
        return self.requests / self.wall if self.requests and self.wall else None


def run_child(cmd: list[str], timeout: float, env: dict[str, str] | None = None,
              stdout_path: str | None = None) -> tuple[int | None, float, float, float, str]:
    """Run ``cmd`` as a child; ``(exit code or None on timeout, wall s, CPU s, peak RSS MB, stderr tail)``."""
    err = tempfile.TemporaryFile()
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT,
                            env={**os.environ, **(env or {})})
    code: int | None = None
    rusage = None
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            code = os.waitstatus_to_exitcode(status)
            proc.returncode = code
            break
        if time.perf_counter() - started > timeout:
            proc.kill()
            _, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            break
        time.sleep(0.002)
    wall = time.perf_counter() - started
    if stdout_path:
        out.close()  # type: ignore[union-attr]
    err.seek(0)
    tail = err.read().decode(errors="replace").strip()[-400:]
    err.close()
    return code, wall, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss / 1024, tail


def measure(tool: str, server, cmd: list[str], timeout: float, repeat: int = 1,
            env: dict[str, str] | None = None, counted: bool = True, ok_codes=(0, 1)) -> Measure:
    best: Measure | None = None
    for _ in range(repeat):
        before = server.requests() if counted else None
        code, wall, cpu, rss, tail = run_child(cmd, timeout, env)
        after = server.requests() if counted else None
        m = Measure(tool, wall, cpu, rss, (after - before) if before is not None and after is not None else None)
        if code is None or code == -9:
            m.note = f"stopped at the {timeout:g} s bound"
        elif code not in ok_codes:
            m.note = f"exit {code}: {tail.splitlines()[-1] if tail else ''}"[:160]
        if best is None or (m.wall or 1e9) < (best.wall or 1e9):
            best = m
    assert best is not None
    return best


def plan_json(spec: Path, url: str, dest: str) -> None:
    with open(dest, "wb") as fh:
        subprocess.run([sys.executable, "-m", "checker", "plan", str(spec), "--base-url", url, "--json", "-"],
                       stdout=fh, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)


def schemathesis_cmd() -> list[str] | None:
    exe = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    return [exe] if exe else None


def run_options() -> str:
    return subprocess.run([sys.executable, "-m", "checker", "run", "--help"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "200"}).stdout


#: the switches that turn conform405's extra probes off (those this version has), leaving the matrix cells
EXTRA_PROBE_SWITCHES = (("--no-stability-check",), ("--override-probes", "off"), ("--no-unknown-method",),
                        ("--no-head-body-check",), ("--no-discovery",), ("--no-slash-twins",))


def bench_spec(label: str, spec: Path, repeat: int, st_timeout: float, app: bool, cells_only: list[str]) -> list[Measure]:
    from .conformant_server import serve_counted

    rows: list[Measure] = []
    work = tempfile.mkdtemp(prefix="c405-bench-")
    try:
        with serve_counted(spec) as server:
            url = server.url
            plan = os.path.join(work, "plan.json")
            plan_json(spec, url, plan)
            for kind in ("asyncio", "aiohttp"):
                rows.append(measure(f"floor ({kind})", server,
                                    [sys.executable, "-m", "benchmarks.floor_client", plan, f"--kind={kind}"], 120, repeat))
            report = os.path.join(work, "report.json")
            c405 = [sys.executable, "-m", "checker", str(spec), "--base-url", url, "--json", report, "--quiet", "--no-progress"]
            rows.append(measure("conform405", server, c405, 300, repeat))
            rows[-1].note = rows[-1].note or _findings_note(report)
            if cells_only:  # the floor's workload exactly: no extra probes
                rows.append(measure("conform405 cells", server, c405 + cells_only, 300, repeat))
                rows[-1].note = rows[-1].note or _findings_note(report)
            if app:
                cmd = [sys.executable, "-m", "checker", str(spec), "--app", "benchmarks.conformant_server:app",
                       "--json", report, "--quiet", "--no-progress"]
                m = measure("conform405 --app", server, cmd, 300, repeat, env={"CONFORM405_BENCH_SPEC": str(spec)},
                            counted=False)
                m.requests = _report_requests(report)
                m.note = m.note or _findings_note(report)
                rows.append(m)
            st = schemathesis_cmd()
            if st is None:
                rows.append(Measure("Schemathesis", note="not installed (make bench installs the bench extra)"))
            else:
                cmd = st + ["run", str(spec), "--url", url, "--checks", "unsupported_method,allow_header_conformance",
                            "--report-dir", os.path.join(work, "st")]
                rows.append(measure("Schemathesis", server, cmd, st_timeout, 1, ok_codes=(0, 1)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def _report_json(path: str) -> dict | None:
    import json

    try:
        with open(path, "rb") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _report_requests(path: str) -> int | None:
    report = _report_json(path)
    return report["summary"].get("requests") if report else None


def _findings_note(path: str) -> str:
    report = _report_json(path)
    if not report:
        return "no report written"
    s = report["summary"]
    judged = s.get("judged")
    per = f", {s['requests'] / judged:.2f} requests per judged cell ({judged} judged)" if judged else ""
    return f"{s['findings']} findings, {s['cells']} cells{per}"


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(label: str, rows: list[Measure]) -> None:
    by = {r.tool: r for r in rows}
    c405, st = by.get("conform405"), by.get("Schemathesis")
    cells = by.get("conform405 cells")
    print(f"\n{label}: whole process, against the generated conformant server on 127.0.0.1")
    print(f"  {'tool':18} {'wall s':>8} {'requests':>9} {'req/s':>8} {'CPU s':>7} {'peak MB':>8}  note")
    for r in rows:
        print(f"  {r.tool:18} {_fmt(r.wall, '8.2f')} {_fmt(r.requests, '9d') if r.requests is not None else '        -'} "
              f"{_fmt(r.rps, '8.0f')} {_fmt(r.cpu, '7.2f')} {_fmt(r.rss_mb, '8.0f')}  {r.note}")
    for name in ("floor (asyncio)", "floor (aiohttp)"):
        floor = by.get(name)
        if not floor or not floor.wall:
            continue
        if cells and cells.wall:
            print(f"  conform405 cells / {name} (wall): {cells.wall / floor.wall:.2f}x   (the same requests)")
        if c405 and c405.wall:
            print(f"  conform405 / {name} (wall): {c405.wall / floor.wall:.2f}x"
                  + (f"   (every probe: {c405.requests} requests against the floor's {floor.requests};"
                     f" per request {floor.rps / c405.rps:.2f}x)" if c405.rps and floor.rps else ""))
    if st and c405 and st.wall and c405.wall:
        bound = " (Schemathesis stopped at its bound: at least this)" if "bound" in st.note else ""
        print(f"  Schemathesis / conform405 (wall): {st.wall / c405.wall:.1f}x{bound}")


def main() -> None:
    print("\n== probe speed: floor vs conform405 vs Schemathesis ==")
    if not CORPUS.is_dir():
        print(f"[probe_speed] skipped: {CORPUS} is absent (the shared corpus holds the GitHub and Stripe specs)")
        return
    try:
        import aiohttp  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        print(f"[probe_speed] skipped: {exc} (make bench installs the bench extra)")
        return
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    st_timeout = float(os.environ.get("BENCH_SCHEMATHESIS_TIMEOUT", "600"))
    only = os.environ.get("BENCH_SPECS")  # e.g. "GitHub" to run one
    help_text = run_options()
    app = "--app" in help_text
    cells_only = [a for sw in EXTRA_PROBE_SWITCHES if sw[0] in help_text for a in sw]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; best of {repeat} for floor and conform405")
    for label, name in SPECS:
        if only and label not in only.split(","):
            continue
        spec = CORPUS / name
        if not spec.is_file():
            print(f"[probe_speed] {label}: {spec} is absent, skipped")
            continue
        print_table(label, bench_spec(label, spec, repeat, st_timeout, app, cells_only))
    if cells_only:
        print(f"\n'conform405 cells' runs with {' '.join(cells_only)}: the matrix cells only, the floor's workload")


if __name__ == "__main__":
    main()

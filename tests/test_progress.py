"""Progress for CI logs: when standard error is not a terminal, a long run prints a plain line every few seconds
(cells and requests done of those planned, elapsed time, ETA); --no-progress and --quiet silence it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .support.fault_server import FaultServer, spec_for
from .support.run import cli

#: the interval, made short for the tests (the default is 5 s: a short run prints no line)
FAST = {"CONFORM405_PROGRESS_INTERVAL": "0.2"}
LINE = re.compile(r"^conform405: probing: (\d+)/(\d+) cells, (\d+)/(\d+) requests sent, \d+s elapsed, ETA (\d+s|unknown)$")


def _slow_run(tmp_path: Path, *extra: str, env: dict[str, str] | None = None, behaviour: str = "delay"):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(spec_for([f"/{behaviour}/{i}" for i in range(4)])))  # delay: every answer takes 0.3 s
    with FaultServer() as srv:
        return cli(str(spec), "--base-url", srv.url, "--methods", "GET,PUT", "--concurrency", "2", *extra,
                   env=env if env is not None else FAST)


def test_a_slow_run_prints_progress_lines_on_stderr(tmp_path: Path):
    result = _slow_run(tmp_path)
    assert result.code == 0, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("conform405: probing:")]
    assert len(lines) >= 2, result.stderr
    for ln in lines:
        m = LINE.match(ln)
        assert m, ln
        cells, total_cells, requests, total_requests = (int(g) for g in m.groups()[:4])
        assert total_cells == 8 and cells <= total_cells and requests <= total_requests
    assert any(LINE.match(ln).group(5) != "unknown" for ln in lines)  # an ETA once something is done
    assert "probing" not in result.stdout  # the report on standard output stays clean


@pytest.mark.parametrize("flag", ["--no-progress", "--quiet"])
def test_no_progress_and_quiet_silence_the_lines(tmp_path: Path, flag: str):
    result = _slow_run(tmp_path, flag)
    assert result.code == 0, result.stderr
    assert "probing" not in result.stderr


def test_a_short_run_prints_no_line_with_the_default_interval(tmp_path: Path):
    result = _slow_run(tmp_path, env={}, behaviour="ok")
    assert result.code == 0, result.stderr
    assert "probing" not in result.stderr


def test_the_terminal_bar_shows_the_eta(tmp_path: Path):
    """In a terminal (a pseudo-terminal here) the rich bar is drawn instead of the lines, with an ETA column."""
    import os
    import pty
    import select
    import subprocess
    import sys

    from .support.run import ROOT

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(spec_for([f"/delay/{i}" for i in range(4)])))
    with FaultServer() as srv:
        leader, follower = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "checker", str(spec), "--base-url", srv.url, "--methods", "GET,PUT",
                                 "--concurrency", "2"], cwd=ROOT, stdin=follower, stdout=follower, stderr=follower,
                                env={**os.environ, "COLUMNS": "150", "TERM": "xterm", **FAST})
        os.close(follower)
        out = b""
        try:
            while True:
                ready, _, _ = select.select([leader], [], [], 60)
                if not ready:
                    break
                try:
                    data = os.read(leader, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not data:
                    break
                out += data
        finally:
            proc.wait(timeout=60)
            os.close(leader)
    text = out.decode("utf-8", "replace")
    assert "probing" in text and "ETA" in text
    assert "conform405: probing:" not in text  # the plain lines are for logs, not terminals


def test_the_planned_requests_shrink_to_what_adaptive_probing_sends(tmp_path: Path):
    """The plan counts every stack-level probe of every path; once the sample's answers spare the other paths
    some of them (checker/adaptive.py), the lines' total says so -- and the run never sends more than it says."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(spec_for([f"/delay/{i}" for i in range(12)])))
    with FaultServer() as srv:
        result = cli(str(spec), "--base-url", srv.url, "--methods", "GET,PUT", "--concurrency", "4", "--json", "-",
                     env=FAST)
    assert result.code in (0, 1), result.stderr
    totals = [int(LINE.match(ln).group(4)) for ln in result.stderr.splitlines() if ln.startswith("conform405: probing:")]
    assert len(totals) >= 2, result.stderr
    report = result.json()
    assert any(q["inferred"] or q["carried"] for q in report["sampling"]["questions"].values())
    assert totals[-1] < totals[0]  # the plan's count, then what the sample's answers leave
    assert report["summary"]["requests"] <= totals[-1]

"""Interruption and crashes: SIGTERM / SIGINT to a running conform405 write the report of what was done
(marked incomplete) and exit 130; a bug exits 70 with one line and still writes what was gathered;
reports are written atomically (no temporary file left behind, never half a file)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checker.report import write_atomic

from .support.fault_server import FaultServer, spec_for, wait_until
from .support.run import ROOT, cli

ENV = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}


def _spec(tmp_path: Path, paths: list[str]) -> str:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec_for(paths)))
    return str(path)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_writes_the_partial_report_and_exits_130(tmp_path: Path, sig):
    # the first path answers; every other request hangs: the run is mid-way when the signal comes
    spec = _spec(tmp_path, ["/ok", "/hang/a", "/hang/b"])
    out = tmp_path / "out" / "report.json"
    with FaultServer() as srv:
        proc = subprocess.Popen([sys.executable, "-m", "checker", spec, "--base-url", srv.url, "--json", str(out),
                                 "--timeout", "120", "--no-progress"],
                                cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert wait_until(lambda: srv.count(prefix="/hang") >= 2, timeout=60), "the run never got going"
            proc.send_signal(sig)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    report = json.loads(out.read_text())
    assert report["summary"]["complete"] is False
    assert report["summary"]["incomplete_reason"].startswith("interrupted")
    # what was done is there: the /ok cells were answered before the signal
    ok = [c for c in report["matrix"] if c["path"] == "/ok" and c["status"] is not None]
    assert ok
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]  # no temporary file left behind


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_while_the_spec_loads_exits_130_with_one_line(tmp_path: Path, sig):
    """The spec is fetched from a server that never answers: the signal comes while it loads (nothing sent yet).
    Exit 130 as for any interruption (not 1, which means findings; not a death by signal), one line, no report."""
    out = tmp_path / "report.json"
    with FaultServer() as srv:
        proc = subprocess.Popen([sys.executable, "-m", "checker", f"{srv.url}/hang/openapi.json", "--base-url", srv.url,
                                 "--json", str(out), "--no-progress"],
                                cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert wait_until(lambda: srv.count(prefix="/hang") >= 1, timeout=60), "the spec was never asked for"
            proc.send_signal(sig)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 130, (proc.returncode, stderr)
    assert "Traceback" not in stderr
    assert "interrupted while loading the spec" in stderr
    assert not out.exists()


CRASHING_PLUGIN = textwrap.dedent("""
    import sys
    from checker import probes

    calls = []

    def crashing_factory(pp, ctx):  # a feature with a bug: it breaks on the second path
        calls.append(pp.item.template)
        if len(calls) > 1:
            raise RuntimeError("boom in a probe factory\\nsecond line")
        return []

    crashing = probes.Family("crashing", "crashing", crashing_factory, "crashing", "crashing", "--crashing", "crashing",
                             None, "", "", (), "")
    probes.FAMILIES = probes.FAMILIES + (crashing,)  # the families are an explicit tuple
    from checker.cli import main
    main(sys.argv[1:])
""")


def test_internal_error_exits_70_with_one_line_and_writes_the_report(tmp_path: Path):
    spec = _spec(tmp_path, ["/ok/a", "/ok/b", "/ok/c"])
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_PLUGIN)
    out = tmp_path / "report.json"
    with FaultServer() as srv:
        proc = subprocess.run([sys.executable, str(script), spec, "--base-url", srv.url, "--json", str(out)],
                              cwd=ROOT, env={**ENV, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 70, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "internal error" in lines[0] and "boom in a probe factory" in lines[0]
    report = json.loads(out.read_text())
    assert report["summary"]["complete"] is False
    assert report["summary"]["incomplete_reason"].startswith("internal error in conform405: RuntimeError")


def test_atomic_write_leaves_the_previous_report_whole_when_writing_fails(tmp_path: Path):
    target = tmp_path / "report.json"
    target.write_text('{"previous": true}\n')

    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, '{"half": "' + "x" * 100_000 + "\ud800" + '"}')  # a lone surrogate cannot be encoded
    assert json.loads(target.read_text()) == {"previous": True}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_unwritable_report_path_is_a_one_line_error(tmp_path: Path):
    spec = _spec(tmp_path, ["/ok"])
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with FaultServer() as srv:
        result = cli(spec, "--base-url", srv.url, "--json", str(blocker / "r.json"))
    assert result.code == 2
    assert "Traceback" not in result.stderr and "cannot write the json report" in result.stderr


CRASHING_RULE = textwrap.dedent("""
    import sys
    from checker import judge

    def crashing_check(ctx):  # a rule with a bug
        raise KeyError("boom in a rule")

    judge.CHECKS = judge.CHECKS + (crashing_check,)
    from checker.cli import main
    main(sys.argv[1:])
""")


def test_a_bug_while_judging_still_writes_what_was_gathered(tmp_path: Path):
    spec = _spec(tmp_path, ["/ok/a", "/ok/b"])
    script = tmp_path / "crash.py"
    script.write_text(CRASHING_RULE)
    out = tmp_path / "report.json"
    with FaultServer() as srv:
        proc = subprocess.run([sys.executable, str(script), spec, "--base-url", srv.url, "--json", str(out)],
                              cwd=ROOT, env={**ENV, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 70, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "boom in a rule" in lines[0]
    report = json.loads(out.read_text())
    assert report["summary"]["incomplete_reason"].startswith("internal error in conform405 while judging")
    cells = {(c["path"], c["method"]): c for c in report["matrix"]}
    assert cells[("/ok/a", "GET")]["status"] == 200 and cells[("/ok/a", "POST")]["status"] == 405  # the answers are kept
    assert {c["verdict"] for c in report["matrix"]} == {"inconclusive"}


def test_ctrl_c_mid_run_says_interrupted_without_warnings(tmp_path: Path):
    """Ctrl-C while probes are in flight and many are still to be made: the summary's first word says the run
    was interrupted (not PASS, FAIL or INCOMPLETE, which read as a verdict on the API), and the jobs never
    started are dropped quietly (no 'coroutine ... was never awaited' warnings), exit 130."""
    spec = _spec(tmp_path, [f"/delay/{i}" for i in range(30)])
    with FaultServer() as srv:
        proc = subprocess.Popen([sys.executable, "-m", "checker", spec, "--base-url", srv.url, "--concurrency", "2",
                                 "--no-progress"],
                                cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert wait_until(lambda: srv.count(prefix="/delay") >= 6, timeout=60), "the run never got going"
            proc.send_signal(signal.SIGINT)
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 130, stderr
    assert "RuntimeWarning" not in stderr and "never awaited" not in stderr, stderr
    assert "Traceback" not in stderr
    last = [ln for ln in stdout.splitlines() if ln.strip()][-1]
    assert last.startswith("INTERRUPTED"), last

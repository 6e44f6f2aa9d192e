"""conform405 against a real misbehaving server (tests/support/fault_server.py): every fault ends the
cell, never the run; bounds are reported as such; a dead target ends the run with exit 3 and a report."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path


from checker.engine import retry_after

from .support.fault_server import HUGE_ADVERTISED, JUNK_ALLOW, FaultServer, spec_for
from .support.run import ROOT, cli

FAULT_PATHS = ["/ok", "/reset", "/hang", "/slow", "/garbage", "/badheader", "/badchunked", "/http10", "/huge",
               "/manyheaders", "/endlessheaders", "/junkallow", "/loop", "/chain/0", "/busy", "/flap", "/throttle"]
#: what depends on the transport's parser (the httpx run leaves out the paths that only wait for timeouts)
PARSER_PATHS = ["/ok", "/reset", "/garbage", "/badheader", "/badchunked", "/http10", "/huge", "/manyheaders",
                "/endlessheaders", "/junkallow"]
SAFE = {"GET", "HEAD", "OPTIONS", "TRACE"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def write_spec(tmp: Path, paths: list[str], **kw) -> str:
    spec = tmp / "spec.json"
    spec.write_text(json.dumps(spec_for(paths, **kw)))
    return str(spec)


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


def cell(report: dict, path: str, method: str) -> dict:
    return next(c for c in report["matrix"] if c["path"] == path and c["method"] == method)


def finding(report: dict, rule: str, path: str, method: str | None = None) -> dict | None:
    return next((f for f in report["findings"] if f["rule"] == rule and f["path"] == path
                 and (method is None or f["method"] == method or method in f["evidence"].get("seen_on", ()))), None)


def _fault_run(tmp: Path, transport: str, loop: str | None = None):
    """One run over every per-path fault; the server's request log kept for counting. ``loop="asyncio"``: on
    asyncio's own event loop rather than uvloop's (checker/api.py's loop_factory)."""
    paths = FAULT_PATHS if transport == "auto" else PARSER_PATHS
    spec = write_spec(tmp, paths)
    with FaultServer() as srv:
        result = cli(spec, "--base-url", srv.url, "--json", str(tmp / "r.json"), "--timeout", "2",
                     "--transport", transport, "--no-progress", timeout=120,
                     env={"CONFORM405_LOOP": loop} if loop else None)
        received = list(srv.received)
        streamed = srv.streamed
    report = json.loads((tmp / "r.json").read_text())
    return result, report, received, streamed


def check_the_run_goes_on_past_every_fault(fault_run):
    result, report, _, _ = fault_run
    no_traceback(result.stderr)
    assert result.code == 1, result.stderr  # findings (the junk Allow, the unstable path, ...), not a crash
    assert report["summary"]["complete"] is True
    assert len(report["matrix"]) == len({c["path"] for c in report["matrix"]}) * 8
    # the conformant path is judged normally, whatever its neighbours did
    assert {cell(report, "/ok", m)["verdict"] for m in ("GET", "HEAD", "POST", "DELETE")} == {"ok"}


NETWORK_FAILURES = [
    ("/reset", "reset:"),          # reset right after the request line
    ("/hang", "timeout:"),         # accepts, never answers
    ("/slow", "timeout:"),         # one byte per second: the hard per-request deadline ends it
    ("/garbage", "protocol:"),     # a garbage status line
    ("/badheader", "protocol:"),   # invalid header bytes
    ("/manyheaders", "limit:"),    # 5000 header fields: over --max-headers
    ("/endlessheaders", ("limit:", "timeout:")),  # a header section that never ends: a cap or the deadline
]


def check_network_level_failure_is_a_no_answer_cell_with_the_error(fault_run):
    _, report, _, _ = fault_run
    for path, kind in NETWORK_FAILURES:
        if not any(c["path"] == path for c in report["matrix"]):
            continue  # only waits for a timeout: checked on the default (aiohttp) run
        for method in ("GET", "POST"):
            c = cell(report, path, method)
            assert c["status"] is None
            assert c["verdict"] == "no-answer", c
            assert c["reason"].startswith(kind), c
            f = finding(report, "request-failed", path, method)
            assert f is not None and f["evidence"]["response"]["error"].startswith(kind)


def check_broken_chunked_encoding_is_reported_with_the_error(fault_run):
    _, report, _, _ = fault_run
    f = finding(report, "request-failed", "/badchunked", "GET")
    if f is not None:  # aiohttp refuses the whole answer
        assert "chunk" in f["evidence"]["response"]["error"].lower()
    else:  # h11 gives the status line, then fails in the body: the error is kept on the exchange
        c = cell(report, "/badchunked", "GET")
        assert c["status"] == 200


def check_http10_close_delimited_body_is_read(fault_run):
    _, report, _, _ = fault_run
    assert cell(report, "/http10", "GET")["status"] == 200
    assert cell(report, "/http10", "GET")["verdict"] == "ok"


def check_huge_body_is_read_only_up_to_the_cap(fault_run):
    _, report, _, streamed = fault_run
    assert cell(report, "/huge", "GET")["status"] == 200
    assert streamed < HUGE_ADVERTISED  # conform405 hung up long before the announced 50 GiB


def check_junk_allow_is_allow_malformed_not_a_crash(fault_run):
    _, report, _, _ = fault_run
    f = finding(report, "allow-malformed", "/junkallow")
    assert f is not None
    assert f["evidence"]["response"]["headers"]["allow"] == JUNK_ALLOW


def check_redirect_loop_and_100_hop_chain_end_within_the_hop_limit(fault_run):
    _, report, received, _ = fault_run
    loop = cell(report, "/loop", "GET")
    assert loop["status"] == 307 and loop["redirects"] <= 5
    chain = cell(report, "/chain/0", "GET")
    assert chain["status"] == 307 and chain["redirects"] == 5  # the default --max-hops bound, reported as a 307
    assert not any(r.path == "/chain/100" for r in received)  # never walked the whole chain


def _per_method(received, target: str) -> dict[str, int]:
    return {m: sum(1 for r in received if r.path == target and r.method == m) for m in SAFE | WRITES}


def _audited(report: dict, target: str) -> dict[str, int]:
    """State-changing requests to ``target`` (no query) as the report's ``writes_sent`` lists them, per method."""
    from urllib.parse import urlsplit

    return {m: sum(1 for w in report["writes_sent"] if w["method"] == m and urlsplit(w["url"]).path == target
                   and not urlsplit(w["url"]).query) for m in WRITES}


def check_retries_only_safe_methods_and_only_on_connection_errors(fault_run):
    """Counted on the server: /reset gets exactly what the healthy /ok gets for state-changing methods (other
    features' extra probes included), and more safe-method requests, but at most one retry each."""
    _, report, received, _ = fault_run
    reset, ok = _per_method(received, "/reset"), _per_method(received, "/ok")
    # never re-sent: the server got each state-changing request the run sent once (method-override probes are
    # sent only after the path's POST was refused, so /ok gets them and /reset, whose POST had no answer, not)
    for m in WRITES:
        assert reset[m] == _audited(report, "/reset")[m] >= 1 and ok[m] == _audited(report, "/ok")[m], (m, reset, ok)
    for m in ("HEAD", "OPTIONS", "TRACE"):
        assert ok[m] < reset[m] <= 2 * ok[m], (m, reset, ok)
    assert reset["GET"] == 2  # the probe and its one retry (no stability repeats: it never answered)
    # a protocol error or a timeout is not retried
    assert _per_method(received, "/garbage")["HEAD"] == ok["HEAD"]
    assert _per_method(received, "/hang")["HEAD"] == ok["HEAD"]


def check_503_retry_after_is_honoured_and_only_safe_methods_are_resent(fault_run):
    _, report, received, _ = fault_run
    assert cell(report, "/busy", "GET")["status"] == 200  # waited Retry-After: 1, then asked again
    assert cell(report, "/busy", "HEAD")["status"] == 200
    busy, ok = _per_method(received, "/busy"), _per_method(received, "/ok")
    for m in WRITES:  # a state-changing request is never re-sent: the first one's 503 stands
        assert busy[m] == _audited(report, "/busy")[m] >= 1, (m, busy, ok)
    assert busy["GET"] == ok["GET"] + 1  # the probe that got the 503, sent again (then the two stability repeats)
    assert busy["HEAD"] in (ok["HEAD"], ok["HEAD"] + 1)


def check_a_path_whose_answer_changes_every_time_is_unstable_not_judged(fault_run):
    _, report, received, _ = fault_run
    f = finding(report, "unstable-answer", "/flap", "GET")
    assert f is not None and f["evidence"]["statuses"] == [200, 500, 200]
    # its other cells are not judged: inconclusive, their would-be findings set aside with the reason
    post = cell(report, "/flap", "POST")
    assert post["verdict"] == "inconclusive" and "unstable" in post["reason"]
    assert not [x for x in report["findings"] if x["path"] == "/flap" and x["rule"] != "unstable-answer"]
    assert all("unstable" in x["ignore_reason"] for x in report.get("ignored", []) if x["path"] == "/flap")
    # cost: the GET is sent three times; every other method once
    assert sum(1 for r in received if r.path == "/flap" and r.method == "GET") == 3
    # a stable path is not unstable
    assert finding(report, "unstable-answer", "/ok") is None


def check_429_retry_after_longer_than_the_cap_is_not_waited_for(fault_run):
    _, report, _, _ = fault_run
    assert cell(report, "/throttle", "GET")["status"] == 429  # Retry-After: 3600 is past the 30 s cap: not re-sent
    assert report["summary"]["complete"] is True


#: what depends on the transport's parser: checked on both transports
TRANSPORT_CHECKS = (check_the_run_goes_on_past_every_fault, check_network_level_failure_is_a_no_answer_cell_with_the_error, check_broken_chunked_encoding_is_reported_with_the_error, check_http10_close_delimited_body_is_read, check_huge_body_is_read_only_up_to_the_cap, check_junk_allow_is_allow_malformed_not_a_crash)
#: the engine's behaviour (retries, Retry-After, hops, stability): checked on the default transport
ENGINE_CHECKS = (check_redirect_loop_and_100_hop_chain_end_within_the_hop_limit, check_retries_only_safe_methods_and_only_on_connection_errors, check_503_retry_after_is_honoured_and_only_safe_methods_are_resent, check_a_path_whose_answer_changes_every_time_is_unstable_not_judged,
                 check_429_retry_after_longer_than_the_cap_is_not_waited_for)


def test_faults_with_the_default_transport(tmp_path):
    """One run over every fault (one CLI run: the checks below share it, also under pytest-xdist)."""
    run = _fault_run(tmp_path, "auto")
    for check in TRANSPORT_CHECKS + ENGINE_CHECKS:
        check(run)


def test_faults_on_asyncios_own_event_loop(tmp_path):
    """The same run where uvloop is not installed (or CONFORM405_LOOP=asyncio): the same verdicts."""
    run = _fault_run(tmp_path, "auto", loop="asyncio")
    for check in TRANSPORT_CHECKS + ENGINE_CHECKS:
        check(run)


def test_faults_with_the_httpx_transport(tmp_path):
    run = _fault_run(tmp_path, "httpx")
    for check in TRANSPORT_CHECKS:
        check(run)


def test_connection_refused_ends_the_run_with_exit_3_and_a_report(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    spec = write_spec(tmp_path, ["/a", "/b"])
    result = cli(spec, "--base-url", f"http://127.0.0.1:{port}", "--json", str(tmp_path / "r.json"))
    no_traceback(result.stderr)
    assert result.code == 3
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "target unreachable" in lines[0] and "connect" in lines[0]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["complete"] is False
    assert report["summary"]["incomplete_reason"].startswith("target unreachable")


def test_a_server_that_resets_everything_is_reachable_and_each_cell_says_so(tmp_path):
    spec = write_spec(tmp_path, ["/a"])
    with FaultServer(default="reset") as srv:
        result = cli(spec, "--base-url", srv.url, "--json", "-", "--methods", "GET,POST")
    no_traceback(result.stderr)
    report = result.json()
    assert {c["verdict"] for c in report["matrix"]} == {"no-answer"}
    assert all(c["reason"].startswith("reset:") for c in report["matrix"])


def test_max_requests_bound_is_reported(tmp_path):
    spec = write_spec(tmp_path, [f"/ok/{i}" for i in range(30)])
    with FaultServer() as srv:
        result = cli(spec, "--base-url", srv.url, "--json", "-", "--max-requests", "20")
        sent = srv.count()
    no_traceback(result.stderr)
    assert result.code == 4
    report = result.json()
    assert report["summary"]["incomplete_reason"] == "the run reached --max-requests (20)"
    assert sent <= 20 and report["summary"]["requests"] <= 20
    skipped = [c for c in report["matrix"] if c["verdict"] == "skipped"]
    assert skipped and all("--max-requests" in c["reason"] for c in skipped)


def test_max_time_bound_cuts_requests_in_flight(tmp_path):
    spec = write_spec(tmp_path, ["/a", "/b", "/c"])
    with FaultServer(default="hang") as srv:  # every request hangs; the per-request timeout is far away
        result = cli(spec, "--base-url", srv.url, "--json", "-", "--timeout", "120", "--max-time", "1.5", timeout=60)
    no_traceback(result.stderr)
    assert result.code == 4
    report = result.json()
    assert report["summary"]["incomplete_reason"] == "the run reached --max-time"


def test_rate_limit_counted(tmp_path):
    """--rate-limit 4/s under --max-time 1.5: at most 4 × 1.5 + 1 requests can start (counted, not timed)."""
    spec = write_spec(tmp_path, [f"/ok/{i}" for i in range(20)])
    with FaultServer() as srv:
        result = cli(spec, "--base-url", srv.url, "--json", "-", "--rate-limit", "4", "--max-time", "1.5")
        sent = srv.count()
    no_traceback(result.stderr)
    assert result.code == 4
    assert 1 <= sent <= 7


def test_concurrency_bounds_requests_in_flight(tmp_path):
    """--concurrency 3 against a server that answers every request after 0.3 s: the server never has
    more than 3 requests at once (counted on the server, which counts a request out before it writes
    the answer, so a client's next request can never overlap the count of the one it follows)."""
    spec = write_spec(tmp_path, [f"/delay/{i}" for i in range(4)], methods=("get", "post"))
    with FaultServer() as srv:
        result = cli(spec, "--base-url", srv.url, "--json", "-", "--concurrency", "3", timeout=120)
        peak, sent = srv.max_in_flight, srv.count()
    no_traceback(result.stderr)
    assert result.code in (0, 1), result.stderr
    assert sent > 3 and 2 <= peak <= 3, (sent, peak)


def test_retry_after_everywhere_does_not_stall_the_run(tmp_path):
    """A server that answers 503 Retry-After: 1 to everything: the waits stop at the run's Retry-After
    allowance (2 s here) and the run ends, complete, with the 503s as the answers."""
    from checker import api

    (tmp_path / "spec.json").write_text(json.dumps(spec_for([f"/unavailable/{i}" for i in range(12)])))
    with FaultServer() as srv:
        plan = api.build_plan(api.load(str(tmp_path / "spec.json")), api.PlanOptions(base_url=srv.url, methods=("GET",)))
        report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(retry_after_cap=2.0, repeats=0),
                                              limits=api.Limits(concurrency=2)))
        paths = {f"/unavailable/{i}" for i in range(12)}
        gets = sum(1 for r in srv.received if r.method == "GET" and r.path in paths)
    assert report.incomplete is None
    assert {row["status"] for row in report.matrix} == {503}
    assert 12 <= gets <= 12 + 3  # at most one re-send per wait honoured, and only ~2 waits fit in 2 s


def test_retry_after_parsing():
    assert retry_after("3") == 3.0
    assert retry_after(" 0 ") == 0.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after("soon") is None and retry_after(None) is None and retry_after("-1") is None


def test_huge_body_keeps_memory_bounded(tmp_path):
    """Every method on a path streaming 50 GiB: the process's peak RSS stays far below it (< 300 MB)."""
    spec = write_spec(tmp_path, ["/huge/a", "/huge/b"], methods=("get", "post", "put"))
    with FaultServer() as srv:
        env = {**os.environ, "NO_COLOR": "1"}
        proc = subprocess.Popen([sys.executable, "-m", "checker", spec, "--base-url", srv.url, "--json",
                                 str(tmp_path / "r.json"), "--no-progress", "-q"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if proc.poll() is None:
                proc.kill()
        streamed = srv.streamed
    proc.returncode = os.waitstatus_to_exitcode(status)
    assert proc.returncode in (0, 1), proc.stderr.read().decode() if proc.stderr else ""
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    assert peak_mb < 300, f"peak RSS {peak_mb:.0f} MB"
    assert streamed < HUGE_ADVERTISED
    report = json.loads((tmp_path / "r.json").read_text())
    assert cell(report, "/huge/a", "GET")["status"] == 200
    get = next(f for f in report["findings"] if f["path"] == "/huge/a") if report["findings"] else None
    if get is not None and "response" in get["evidence"]:
        assert get["evidence"]["response"].get("body_size", 0) <= 65536 + 256 * 1024


def test_observations_keep_a_bounded_part_of_each_body(tmp_path):
    """What a run holds per answer is bounded below --max-body: 16 KiB kept (body_size says what was read)."""
    import asyncio

    from checker import api
    from checker.engine import KEEP_BODY, ProbeOptions, probe
    from checker.http.client import HttpClient

    (tmp_path / "spec.json").write_text(json.dumps(spec_for(["/huge/a"])))
    with FaultServer() as srv:
        plan = api.build_plan(api.load(str(tmp_path / "spec.json")), api.PlanOptions(base_url=srv.url, methods=("GET",)))

        async def go():
            async with HttpClient() as client:
                return await probe(plan, client, ProbeOptions(repeats=0))

        result = asyncio.run(go())
    get = next(o for o in result.observations if o.role == "probe" and o.method == "GET")
    assert get.status == 200 and get.final.body_truncated
    assert len(get.final.body) == KEEP_BODY and get.final.body_size > KEEP_BODY

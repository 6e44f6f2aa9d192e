"""Redirect rules end to end on a hand-written server (302, 303, loops, long chains, no Location, another origin),
on hand-made observations (https -> http), and the --client option (issue #4)."""

from __future__ import annotations

from checker import api
from checker.http.redirects import PROFILE_ROLE, profile_tag
from checker.judge import judge
from checker.observe import Exchange, Observation
from checker.rules.redirects import RULES as REDIRECT_RULES

from .servers_redirect import HERE, own
from .support.run import cli, findings_by_cell

MINE = {r.id for r in REDIRECT_RULES}
SPEC = str(HERE / "own.yaml")


def mine(findings) -> dict[tuple[str, str | None], set[str]]:
    out: dict[tuple[str, str | None], set[str]] = {}
    for f in findings:
        if f.rule in MINE:
            for m in f.evidence.get("seen_on") or [f.method]:
                out.setdefault((f.path, m), set()).add(f.rule)
    return out


def test_handwritten_redirects():
    # --allow-writes: the declared POST /moved and PUT /archive are sent, and curl -L -X re-POSTs to /form/
    # (its handler answers 201); a default run withholds those (test_default_run_sends_no_write_to_a_handler)
    with own.serve() as (url, other):
        plan = api.build_plan(api.load(SPEC), api.PlanOptions(base_url=url, allow_writes=True))
        report = api.run(plan)
    undeclared = ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
    assert mine(report.findings) == {
        ("/form", "POST"): {"redirect-changes-method", "redirect-then-405", "trailing-slash-mismatch"},
        **{("/form", m): {"redirect-changes-method"} for m in undeclared},
        ("/archive", "PUT"): {"redirect-changes-method"},
        ("/loop", "GET"): {"redirect-loop"}, ("/loop", "HEAD"): {"redirect-loop"},
        ("/long", "GET"): {"redirect-chain-too-long"}, ("/long", "HEAD"): {"redirect-chain-too-long"},
        ("/nolocation", "GET"): {"redirect-missing-location"}, ("/nolocation", "HEAD"): {"redirect-missing-location"},
        ("/away", "GET"): {"redirect-cross-origin"}, ("/away", "HEAD"): {"redirect-cross-origin"},
        ("/both", None): {"trailing-slash-twin"},
    }
    both = next(f for f in report.findings if f.rule == "trailing-slash-twin")
    assert both.severity == "info" and "two URLs for one resource" in both.message
    assert both.evidence["pairs"]["GET"] == "/both served (200); /both/ served (200)"
    by = {(f.rule, f.path, f.method): f for f in report.findings}
    # 302 for POST: an error; the whole chain and every profile's outcome in the evidence
    f = by[("redirect-then-405", "/form", "POST")]
    assert f.evidence["chain_as_client"] == [f"POST {url}/form → 302 Location: /form/", f"GET {url}/form/ → 405 (Allow: POST)"]
    assert f.evidence["breaks_for"] == ["fetch", "curl-L", "curl-L-X", "httpx", "requests", "aiohttp", "node-fetch",
                                        "axios", "go", "urllib"]
    assert by[("redirect-changes-method", "/form", "POST")].severity == "error"
    assert f.evidence["extra_requests"] == 2  # GET /form/ (most profiles) and POST /form/ without a body (curl-L-X)
    # 303 to the same resource (a routing redirect) for PUT: a warning; urllib does not follow it at all
    archive = by[("redirect-changes-method", "/archive", "PUT")]
    assert archive.severity == "warning" and "not followed by urllib" in archive.message
    # Post/Redirect/Get (303 to another resource) and 308 are conformant: nothing on /orders and /moved
    assert not any(f.path in ("/orders", "/moved") and f.rule in MINE for f in report.findings)
    moved = next(c for c in report.matrix if c["path"] == "/moved" and c["method"] == "POST")
    assert moved["status"] == 201 and moved["redirects"] == 1 and moved["verdict"] == "ok"
    # loops, long chains and missing Location are findings, never a hang
    loop = by[("redirect-loop", "/loop", "GET")]
    assert loop.severity == "error" and "/loop-b" in loop.message and loop.evidence["chain_stop"] == "loop"
    long = by[("redirect-chain-too-long", "/long", "GET")]
    assert long.evidence["chain_stop"] == "too-long" and len(long.evidence["chain_as_client"]) == 6
    assert by[("redirect-missing-location", "/nolocation", "GET")].severity == "error"
    # another origin: not followed, said so, with the credential note
    away = by[("redirect-cross-origin", "/away", "GET")]
    assert away.severity == "warning" and other in away.message and "not followed" in away.message
    assert "urllib keeps it" in away.message and away.evidence["credentials"]["kept_by"] == ["urllib"]
    assert [h.split(" → ")[1] for h in away.evidence["chain_as_client"]] == [f"302 Location: {other}/away"]


def test_default_run_sends_no_write_to_a_handler():
    """Harmless by default: POST /form is sent only because every safe method on /form is a bare redirect to
    /form/ (no handler there); no hop carries the POST on to /form/, and the declared writes that would reach a
    handler (PUT /archive, POST /orders, POST /moved) are withheld. The classic drift on /form is still caught."""
    with own.serve() as (url, other):
        plan = api.build_plan(api.load(SPEC), api.PlanOptions(base_url=url))
        report = api.run(plan)
    undeclared = ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
    assert mine(report.findings) == {
        ("/form", "POST"): {"redirect-changes-method", "redirect-then-405"},
        **{("/form", m): {"redirect-changes-method"} for m in undeclared},
        ("/loop", "GET"): {"redirect-loop"}, ("/loop", "HEAD"): {"redirect-loop"},
        ("/long", "GET"): {"redirect-chain-too-long"}, ("/long", "HEAD"): {"redirect-chain-too-long"},
        ("/nolocation", "GET"): {"redirect-missing-location"}, ("/nolocation", "HEAD"): {"redirect-missing-location"},
        ("/away", "GET"): {"redirect-cross-origin"}, ("/away", "HEAD"): {"redirect-cross-origin"},
        ("/both", None): {"trailing-slash-twin"},
    }
    by = {(f.rule, f.path, f.method): f for f in report.findings}
    f = by[("redirect-then-405", "/form", "POST")]
    assert f.evidence["extra_requests"] == 1  # GET /form/ only: curl-L-X's POST /form/ is not sent
    assert f.evidence["outcome_by_profile"]["curl-L-X"]["breaks"] is None  # not followed: not judged
    declared = [(w["method"], w["url"], w["basis"]) for w in report.writes_sent if w["declared"]]
    assert declared == [("POST", f"{url}/form", "bare slash redirect")]
    assert not [w for w in report.writes_sent if w["method"] == "POST" and w["url"].startswith(f"{url}/form/")]
    cells = {(c["path"], c["method"]): c for c in report.matrix}
    for withheld in (("/archive", "PUT"), ("/orders", "POST"), ("/moved", "POST")):
        assert cells[withheld]["withheld"] is True and cells[withheld]["status"] is None


def test_cross_origin_with_authorization_says_it_was_sent():
    with own.serve() as (url, other):
        plan = api.build_plan(api.load(SPEC), api.PlanOptions(base_url=url, include_paths=("/away",), methods=("GET",)))
        report = api.run(plan, api.RunOptions(headers=(("Authorization", "Bearer s3cret"),)))
    away = next(f for f in report.findings if f.rule == "redirect-cross-origin")
    assert "The probe carried authorization" in away.message
    assert "s3cret" not in str(away.to_dict())


def _https_plan():
    import textwrap
    from pathlib import Path
    import tempfile

    d = Path(tempfile.mkdtemp())
    (d / "s.yaml").write_text(textwrap.dedent("""\
        openapi: 3.1.0
        info: {title: t, version: "1"}
        servers: [{url: "https://api.example.test"}]
        paths:
          /items:
            get: {responses: {"200": {description: ok}}}
        """))
    return api.build_plan(api.load(str(d / "s.yaml")), api.PlanOptions(methods=("GET",)))


def test_https_to_http_downgrade_on_hand_made_observations():
    plan = _https_plan()
    ex = Exchange("GET", "https://api.example.test/items", status=301,
                  headers=(("location", "http://api.example.test/items/"),))
    probe = Observation(path="/items", method="GET", role="probe", example=0, chain=(ex,))
    profile = Observation(path="/items", method="GET", role=PROFILE_ROLE, example=0, chain=(ex,),
                          tag=profile_tag(["fetch", "go"], "downgrade", "fetch"))
    j = judge(plan, [probe, profile])
    rules = {f.rule for f in j.findings}
    assert "redirect-https-downgrade" in rules and "redirect-cross-origin" not in rules
    f = next(f for f in j.findings if f.rule == "redirect-https-downgrade")
    assert f.severity == "error" and "not followed" in f.message


def test_client_option_changes_the_judgement():
    with own.serve() as (url, other):
        # --allow-writes: curl -L -X POST re-POSTs to the handler at /form/, which a default run never does
        as_fetch = cli(SPEC, "--base-url", url, "--include-path", "/form", "--json", "-", "--fail-on", "never",
                       "--allow-writes")
        as_curl_x = cli(SPEC, "--base-url", url, "--include-path", "/form", "--json", "-", "--client", "curl-L-X",
                        "--fail-on", "never", "--allow-writes")
    assert as_fetch.code == 0 and as_curl_x.code == 0, as_fetch.stderr + as_curl_x.stderr
    f405 = [f for f in as_fetch.json()["findings"] if f["rule"] == "redirect-then-405"]
    x405 = [f for f in as_curl_x.json()["findings"] if f["rule"] == "redirect-then-405"]
    assert f405[0]["severity"] == "error" and f405[0]["evidence"]["client"] == "fetch"
    # curl -L -X POST re-POSTs to /form/ (201): its own chain does not end in 405, the others' do
    assert x405[0]["severity"] == "warning" and x405[0]["evidence"]["client"] == "curl-L-X"
    assert "curl-L-X" not in x405[0]["evidence"]["ends_in_405_for"]
    post = next(c for c in as_curl_x.json()["matrix"] if c["path"] == "/form" and c["method"] == "POST")
    assert post["status"] == 201 and post["redirects"] == 1
    assert ("/form", "POST") in findings_by_cell(as_fetch.json())


def test_unknown_client_is_a_usage_error():
    result = cli(SPEC, "--base-url", "http://127.0.0.1:9", "--client", "wget")
    assert result.code == 2
    assert "--client must be one of fetch, curl-L" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_plan_counts_the_trailing_slash_twins():
    plan = api.build_plan(api.load(SPEC), api.PlanOptions(base_url="http://127.0.0.1:9"))
    from checker.probes.slashes import count

    # a twin for GET and for each declared method sent, per path: by default the declared POST and PUT are
    # withheld, and their twins too (POST /form/ is where the handler of a redirected POST /form runs)
    assert [count(pp) for pp in plan.paths] == [1] * 9
    writes = api.build_plan(api.load(SPEC), api.PlanOptions(base_url="http://127.0.0.1:9", allow_writes=True))
    assert [count(pp) for pp in writes.paths] == [2, 2, 2, 1, 1, 1, 1, 2, 1]
    assert writes.requests >= len(writes.cells) + 12
    read_only = api.build_plan(api.load(SPEC), api.PlanOptions(base_url="http://127.0.0.1:9", read_only=True))
    assert [count(pp) for pp in read_only.paths] == [1] * 9  # only the GET twins under --read-only
    result = cli("plan", SPEC, "--base-url", "http://127.0.0.1:9", "--json", "-")
    assert result.code == 0 and result.json()["requests"] == plan.requests

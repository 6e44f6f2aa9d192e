"""Harmless by default (checker/writes.py): a default run creates, changes, deletes and triggers nothing
through a declared operation, and conform405's own extra probes add no side effect; --allow-writes and the
[writes] lists send what is withheld; the JSON report lists every state-changing request sent.

The servers (tests/servers/harmless.py) count their side effects in memory; they run in threads of this
process, so the counters are read directly.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest

from checker import api
from checker.config import parse as parse_config
from checker.errors import UsageError
from checker.judge import judge
from checker.observe import Exchange, Observation
from checker.writes import WITHHELD, WITHHELD_TAG, cell_policy, inert_schema, inert_value, parse_rule, redirect_only

from .servers.harmless import CONTACT_SPEC, HUB_SPEC, SAFE, serve_contact, serve_hub
from .support.run import cli, findings_by_cell

#: The hub's paths that name an action (checker/writes.py ``action_of``): a default run sends them nothing at all.
HUB_ACTIONS = ("/shutdown", "/auth/logout")
#: The hub's declared operations that could act, and every cell of its action paths: a default run sends them no request.
HUB_WITHHELD = {
    ("/terminals", "POST"), ("/users", "POST"), ("/users/{name}", "POST"), ("/users/{name}", "PUT"),
    ("/users/{name}/tokens", "POST"), ("/items", "DELETE"), ("/queues/{kind}", "DELETE"), ("/jobs/{id}/restart", "POST"),
    *((path, m) for path in HUB_ACTIONS for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")),
}


def _target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _audit_is_complete(report: dict, hub) -> None:
    """``writes_sent`` lists exactly the state-changing requests the server received."""
    received = Counter(hub.recorder.writes())
    listed = Counter((w["method"], _target(w["url"])) for w in report["writes_sent"])
    assert listed == received, (listed - received, received - listed)
    # discovery, control GETs and stability repeats are GETs: none of them is in the audit
    kinds = {w["kind"].removesuffix(" (redirect hop)") for w in report["writes_sent"]}
    assert kinds <= {"probe", "override", "slash-twin", "unknown-method"}, kinds


def test_default_run_changes_nothing_and_still_judges():
    with serve_hub() as (url, hub):
        result = cli(HUB_SPEC, "--base-url", url, "--json", "-")
    assert result.code == 1, result.stderr  # the hub's drift (below) is an error
    report = result.json()
    # not one side effect: no shutdown, no terminal, no user, token, deletion or purge
    assert hub.side_effects() == {}
    assert set(hub.users) == {"alice"} and set(hub.items) == {1, 2} and hub.queues == {"email": ["m1"], "sms": ["s1"]}
    # the server never saw a declared operation that could act, nor an override probe where a POST is served
    writes = hub.recorder.writes()
    assert not [(m, p) for m, p in writes if m == "POST" and p.split("?")[0].rstrip("/") in ("/shutdown", "/terminals", "/users")]
    assert not [(m, p) for m, p in writes if re.match(r"^/users/[^/]+/?$", p) and m in ("POST", "PUT")]
    assert not [(m, p) for m, p in writes if m == "POST" and p.endswith("/tokens")]
    assert not [(m, p) for m, p in writes if (m, p) == ("DELETE", "/items") or p.startswith("/queues/") and m == "DELETE"]
    # no override probe went where a POST is declared (POST /terminals: one terminal per request)
    assert not [e for e in hub.recorder.log if e[1].startswith("/terminals") and (e[0] == "POST" or e[2])]
    matrix = {(c["path"], c["method"]): c for c in report["matrix"]}
    withheld = {cell for cell, c in matrix.items() if c.get("withheld")}
    assert withheld == HUB_WITHHELD
    found = findings_by_cell(report)
    for cell in withheld:
        assert matrix[cell]["status"] is None and cell not in found
        assert matrix[cell]["verdict"] in ("ok", "inconclusive", "skipped") and "--allow-writes" in matrix[cell]["reason"]
    # a withheld cell says what the other answers show: Flask's 405s and OPTIONS list the method
    assert matrix[("/terminals", "POST")]["verdict"] == "ok" and "lists POST" in matrix[("/terminals", "POST")]["reason"]
    # a path naming an action got no request at all, not even its declared GET (a logout would end the run's
    # session): its cells say why
    assert not [e for e in hub.recorder.log if e[1].rstrip("/").split("?")[0] in HUB_ACTIONS]
    for path in HUB_ACTIONS:
        for method in ("GET", "POST", "DELETE"):
            assert matrix[(path, method)]["verdict"] == "skipped" and "names an action" in matrix[(path, method)]["reason"]
    # a templated one is probed with generated ids only, never the real ones GET /jobs lists: no job restarted
    restarts = [p for _, p, _ in hub.recorder.log if re.match(r"^/jobs/[^/]+/restart", p)]
    assert restarts and all(re.match(r"^/jobs/c405[a-z0-9]+/restart/?$", p) for p in restarts), restarts
    assert matrix[("/jobs/{id}/restart", "GET")]["status"] == 404 and matrix[("/jobs/{id}/restart", "POST")]["withheld"]
    assert "{kind} takes values a real row may have" in matrix[("/queues/{kind}", "DELETE")]["reason"]
    # DELETE and PATCH of a generated name are sent (nothing is named): the handler's 404, not judged
    for method in ("PATCH", "DELETE"):
        cell = matrix[("/users/{name}", method)]
        assert cell["status"] == 404 and cell["verdict"] == "inconclusive" and "/users/c405" in cell["url"]
    assert "declared-method-rejected" not in {r for rules in found.values() for r in rules}
    # the rest is still judged: the undeclared PATCH /version is served, the override middleware is seen
    assert found[("/version", "PATCH")] == {"undeclared-method-accepted"}
    assert "method-override-honoured" in found[("/items/{id}", "DELETE")]
    # the audit: every state-changing request, none through a declared operation that could act
    _audit_is_complete(report, hub)
    declared = [w for w in report["writes_sent"] if w["declared"]]
    assert declared and {w["basis"] for w in declared} == {"generated ids name nothing"}
    assert {w["basis"] for w in report["writes_sent"]} <= {"undeclared method", "generated ids name nothing",
                                                         "override of a refused POST", "unknown method token"}
    assert hub.recorder.overlaps == []
    assert any(note.startswith("8 declared state-changing requests withheld") for note in report["notes"])
    assert any(note.startswith("2 paths naming an action on the session or the server got no request at all "
                               "(/auth/logout, /shutdown)") for note in report["notes"])


def test_allow_writes_reaches_the_withheld_cells_one_at_a_time():
    with serve_hub() as (url, hub):
        result = cli(HUB_SPEC, "--base-url", url, "--json", "-", "--allow-writes")
    assert result.code == 1, result.stderr
    report = result.json()
    counters = hub.counters
    # each withheld cell was sent once: one shutdown, one terminal (no override probe repeated the POST)
    assert counters["shutdown"] == 1 and counters["terminals"] == 1 and counters["items_bulk_deleted"] == 1
    assert counters["logouts"] >= 1  # the action paths too: --allow-writes sends them
    assert counters["queues_purged"] == 1 and counters["users_created"] >= 2
    # the POST cell once, no override probe (its trailing-slash twin POST /terminals/ met Flask's 404)
    assert [e for e in hub.recorder.log if e[1] == "/terminals" and e[0] == "POST"] == [("POST", "/terminals", None)]
    assert not [e for e in hub.recorder.log if e[1].startswith("/terminals") and e[2]]
    matrix = {(c["path"], c["method"]): c for c in report["matrix"]}
    for cell in HUB_WITHHELD:
        assert not matrix[cell].get("withheld") and matrix[cell]["status"] is not None, matrix[cell]
    # create-by-name: the cells of /users/{name} see the URL as the safe probes left it, each write after the
    # last: PUT creates, PATCH changes, POST finds it (409), DELETE removes it -- no false "declared method rejected"
    found = findings_by_cell(report)
    assert not any(cell[0] == "/users/{name}" for cell in found), found
    name = urlsplit(matrix[("/users/{name}", "PUT")]["url"]).path
    on_url = [m for m, p, _ in hub.recorder.log if p == name]
    first_write = next(i for i, m in enumerate(on_url) if m not in SAFE)
    assert all(m not in SAFE for m in on_url[first_write:]), on_url  # every safe probe of the URL came first
    assert [m for m in on_url[first_write:] if m in ("PUT", "PATCH", "POST", "DELETE")][:4] == ["PUT", "PATCH", "POST", "DELETE"]
    assert [matrix[("/users/{name}", m)]["status"] for m in ("PUT", "PATCH", "POST", "DELETE")] == [201, 200, 409, 204]
    assert "c405" not in "".join(hub.users)  # DELETE, the last write, removed what PUT created
    assert hub.recorder.overlaps == []  # no write ran beside another request on the same path
    _audit_is_complete(report, hub)
    assert {w["basis"] for w in report["writes_sent"]} == {"--allow-writes"}


def test_writes_lists_in_the_configuration(tmp_path):
    deny = tmp_path / "deny.toml"
    deny.write_text('allow-writes = true\n[writes]\ndeny = ["POST /shutdown", "purgeQueue", "/users/*"]\n')
    allow = tmp_path / "allow.toml"
    allow.write_text('[writes]\nallow = ["POST /terminals"]\n')
    with serve_hub() as (url, hub):
        result = cli(HUB_SPEC, "--base-url", url, "--json", "-", "--config", str(deny))
    assert result.code in (0, 1), result.stderr
    # deny wins over allow-writes, and reaches the DELETE/PATCH a default run would send on /users/{name}
    assert hub.counters["shutdown"] == 0 and hub.counters["queues_purged"] == 0 and hub.counters["terminals"] == 1
    assert not [p for m, p in hub.recorder.writes() if re.match(r"^/users/[^/]+", p)]  # no probe of any kind
    matrix = {(c["path"], c["method"]): c for c in result.json()["matrix"]}
    assert matrix[("/shutdown", "POST")]["reason"].startswith("not sent: [writes] deny lists 'POST /shutdown'")
    with serve_hub() as (url, hub):
        result = cli(HUB_SPEC, "--base-url", url, "--json", "-", "--config", str(allow))
    assert result.code in (0, 1), result.stderr
    assert hub.side_effects() == {"terminals": 1}
    assert [w["basis"] for w in result.json()["writes_sent"] if w["method"] == "POST" and w["path"] == "/terminals"] \
        == ["[writes] allow"]


def test_a_given_path_value_is_never_written_to():
    with serve_hub() as (url, hub):
        result = cli(HUB_SPEC, "--base-url", url, "--json", "-", "--path-param", "name=alice",
                     "--include-path", "/users/{name}")
    assert result.code in (0, 1), result.stderr
    assert hub.side_effects() == {} and "alice" in hub.users
    matrix = {(c["path"], c["method"]): c for c in result.json()["matrix"]}
    for method in ("PATCH", "DELETE"):
        assert matrix[("/users/{name}", method)]["withheld"] is True
        assert "{name} is a given value (--path-param)" in matrix[("/users/{name}", method)]["reason"]
    assert matrix[("/users/{name}", "GET")]["status"] == 200  # safe probes use it


def test_plan_lists_the_withheld_cells():
    data = cli("plan", HUB_SPEC, "--base-url", "http://127.0.0.1:9", "--json", "-").json()
    withheld = {(c["path"], c["method"]): c["withheld"] for c in data["matrix"] if c["withheld"]}
    assert set(withheld) == HUB_WITHHELD and data["withheld"] == len(HUB_WITHHELD)
    assert withheld[("/terminals", "POST")] == WITHHELD
    assert withheld[("/auth/logout", "GET")].startswith("not sent: 'logout' names an action")
    assert data["requests_by_kind"]["cells"] == len(data["matrix"]) - len(HUB_WITHHELD)
    writes = cli("plan", HUB_SPEC, "--base-url", "http://127.0.0.1:9", "--json", "-", "--allow-writes").json()
    assert writes["withheld"] == 0 and writes["requests_by_kind"]["cells"] == len(writes["matrix"])
    assert writes["requests"] > data["requests"]
    text = cli("plan", HUB_SPEC, "--base-url", "http://127.0.0.1:9")
    assert text.code == 0 and "⊘ 7 withheld: could change data (--allow-writes sends it)" in text.stdout
    assert "POST /shutdown" in text.stdout and "DELETE /queues/{kind}" in text.stdout


def test_plan_counts_what_a_default_run_sends():
    with serve_hub() as (url, hub):
        plan = api.build_plan(api.load(HUB_SPEC), api.PlanOptions(base_url=url))
        report = api.run(plan)
    # the control GETs of /users/{name}/tokens and /queues/{kind} are not needed (no real value there): 2 less;
    # /items/{id} honours an override, so the POST carrying every carrier answered unlike a plain POST there and
    # the four carriers went one by one, which the plan does not count (the common case sends them nowhere): 4 more
    counts = plan.request_counts()
    assert report.requests_sent == len(hub.recorder.log) == plan.requests - 2 + 4 and counts["controls"] == 4
    alone = [w for w in report.writes_sent if w["kind"] == "override" and w["path"] == "/items/{id}"]
    assert len(alone) == 7 and {w["path"] for w in report.writes_sent if w["kind"] == "override"} == {
        "/items", "/items/{id}", "/jobs", "/queues/{kind}", "/version"}
    sent_cells = [o for o in report.matrix if o["status"] is not None]
    assert len(sent_cells) == counts["cells"] == len(report.matrix) - len(HUB_WITHHELD)
    assert hub.side_effects() == {}


def test_slash_redirected_post_is_caught_without_a_handler_call():
    """Django's APPEND_SLASH: POST /contact answers 301 (GET /contact/ then 405). Every safe method on
    /contact is a bare 301 to /contact/, so the POST is sent -- no body, nothing carried on to the view."""
    with serve_contact() as (url, posts):
        result = cli(CONTACT_SPEC, "--base-url", url, "--json", "-")
        assert posts == []
    assert result.code == 1, result.stderr
    report = result.json()
    found = findings_by_cell(report)
    assert found[("/contact", "POST")] == {"redirect-changes-method", "redirect-then-405"}
    post = next(f for f in report["findings"] if f["rule"] == "redirect-changes-method" and f["method"] == "POST")
    assert post["severity"] == "error"
    declared = [(w["method"], _target(w["url"]), w["status"], w["basis"]) for w in report["writes_sent"] if w["declared"]]
    assert declared == [("POST", "/contact", 301, "bare slash redirect")]
    assert not [w for w in report["writes_sent"] if w["method"] == "POST" and w["url"].endswith("/contact/")]
    # --allow-writes: the POST is carried on to the view (curl -L -X re-POSTs; the twin POST /contact/)
    with serve_contact() as (url, posts):
        plan = api.build_plan(api.load(CONTACT_SPEC), api.PlanOptions(base_url=url, allow_writes=True))
        writes = api.run(plan)
        assert len(posts) >= 1
    assert {"redirect-changes-method", "redirect-then-405"} <= {f.rule for f in writes.findings if f.method == "POST"}


def test_no_write_when_the_safe_probes_do_not_show_a_bare_redirect():
    """The same contact form, but /contact itself routed for GET: the declared POST is withheld."""
    from django.http import JsonResponse
    from django.urls import path

    from .servers import harmless

    harmless.urlpatterns.append(path("contact", lambda request: JsonResponse({"form": True})))
    try:
        with serve_contact() as (url, posts):
            plan = api.build_plan(api.load(CONTACT_SPEC), api.PlanOptions(base_url=url))
            report = api.run(plan)
            assert posts == []
    finally:
        harmless.urlpatterns.pop()
    post = next(c for c in report.matrix if c["method"] == "POST")
    assert post["withheld"] is True and post["status"] is None
    assert not [w for w in report.writes_sent if w["method"] == "POST"]


# -- the policy, piece by piece -------------------------------------------------------------------------------

@pytest.mark.parametrize("method, declared, has_params, inert, expected", [
    ("GET", True, False, False, None),
    ("QUERY", True, False, False, None),
    ("POST", True, False, False, WITHHELD),            # POST /shutdown, POST /users
    ("POST", True, True, True, WITHHELD),              # POST /users/{name}: creates the user it names
    ("PUT", True, True, True, WITHHELD),               # PUT creates what does not exist
    ("DELETE", True, False, False, WITHHELD),          # bulk DELETE /items
    ("DELETE", True, True, True, None),                # DELETE /items/{id} with a generated id: nothing there
    ("PATCH", True, True, True, None),
    ("DELETE", False, False, False, None),             # undeclared: sent; a server that serves it is the finding
    ("PURGE", True, True, True, WITHHELD),             # a declared method nobody knows the effect of
])
def test_cell_policy(method, declared, has_params, inert, expected):
    policy = cell_policy(method, declared, "/x", None, has_params, inert, allow_writes=False)
    assert policy.withheld == expected
    assert cell_policy(method, declared, "/x", None, has_params, inert, allow_writes=True).withheld is None


def test_cell_policy_lists():
    allow, deny = (parse_rule("POST /users*"), parse_rule("createThing")), (parse_rule("/users/admin*"),)
    assert cell_policy("POST", True, "/users", None, False, False, allow_writes=False, allow=allow).withheld is None
    assert cell_policy("POST", True, "/things", "createThing", False, False, allow_writes=False, allow=allow).withheld is None
    denied = cell_policy("DELETE", True, "/users/admin/{id}", None, True, True, allow_writes=True, allow=allow, deny=deny)
    assert denied.withheld == "not sent: [writes] deny lists '/users/admin*'" and not denied.redirect_probe


def test_values_that_could_name_a_real_row():
    assert inert_value("c405abcd", "generated") and inert_value("1000000007", "generated")
    assert inert_value("3f2c8a4e-1b7d-4c55-9a0e-2d4b6f8a1c3e", "generated")
    assert not inert_value("c405abcd", "user") and not inert_value("42", "generated") and not inert_value("email", "enum")
    assert inert_schema(None) and inert_schema({"type": "string"}) and inert_schema({"type": "integer", "minimum": 1})
    assert not inert_schema({"type": "integer", "maximum": 100}) and not inert_schema({"type": "string", "enum": ["a"]})
    assert not inert_schema({"type": "string", "pattern": "^[a-z]+$"}) and not inert_schema({"type": "string", "maxLength": 4})


@pytest.mark.parametrize("entry, message", [
    ("POST users", "the path glob must start with '/'"),
    ("DELETE", "a method alone matches nothing"),
    ("GET /a /b", "expected \"METHOD /path-glob\""),
    ("P(ST /a", "is not a method"),
    ("", "must be a non-empty string"),
])
def test_bad_writes_entries(entry, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace('"', '"')):
        parse_rule(entry)
    with pytest.raises(UsageError, match=r"writes\.deny\[1\]"):
        parse_config({"writes": {"deny": [entry]}}, "conform405.toml")


def test_writes_table_errors_name_the_key(tmp_path):
    assert parse_config({"writes": {"allow": "POST /a"}}, "c.toml").writes_allow == ("POST /a",)
    for table, key in (({"writes": {"permit": []}}, "writes.permit"), ({"writes": "POST /a"}, "writes"),
                       ({"writes": {"allow": [1]}}, r"writes.allow\[1\]"), ({"allow-writes": "yes"}, "allow-writes")):
        with pytest.raises(UsageError, match=key):
            parse_config(table, "c.toml")
    bad = tmp_path / "conform405.toml"
    bad.write_text('[writes]\nallow = ["POST users"]\n')
    result = cli(HUB_SPEC, "--base-url", "http://127.0.0.1:9", "--config", str(bad))
    assert result.code == 2 and "writes.allow[1]" in result.stderr and "Traceback" not in result.stderr


def _ex(method: str, url: str, status: int, **headers: str) -> Exchange:
    return Exchange(method, url, status=status, headers=tuple(headers.items()))


def test_redirect_only_needs_every_safe_probe_to_be_a_slash_redirect():
    def obs(method: str, status: int, location: str | None):
        headers = {"location": location} if location else {}
        return Observation("/c", method, "probe", 0, chain=(_ex(method, "http://h/c?x=1", status, **headers),))

    assert redirect_only("http://h/c", [obs("GET", 301, "/c/"), obs("HEAD", 308, "http://h/c/"), obs("OPTIONS", 301, "/c/")])
    assert not redirect_only("http://h/c", [obs("GET", 301, "/c/"), obs("OPTIONS", 200, None)])  # routed for OPTIONS
    assert not redirect_only("http://h/c", [obs("GET", 301, "/c/"), obs("HEAD", 301, "/c/")])  # OPTIONS not probed
    assert not redirect_only("http://h/c", [obs("GET", 301, "/elsewhere")])  # not the slash twin
    assert not redirect_only("http://h/c", [obs("POST", 301, "/c/")])  # no safe probe: nothing shows it
    assert not redirect_only("http://h/c", [])


def test_a_withheld_cell_never_gets_a_finding():
    """Judged on hand-made observations: a 405 whose Allow lacks the withheld method is the allow rules'
    business (on the cell that got it); the withheld cell itself is inconclusive, never 'rejected'."""
    import json
    import tempfile
    from pathlib import Path

    doc = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/jobs": {
        "get": {"responses": {"200": {"description": "ok"}}}, "post": {"responses": {"201": {"description": "ok"}}}}}}
    spec = Path(tempfile.mkdtemp()) / "s.json"
    spec.write_text(json.dumps(doc))
    plan = api.build_plan(api.load(str(spec)), api.PlanOptions(base_url="http://h", methods=("GET", "POST", "PUT")))
    get = Observation("/jobs", "GET", "probe", 0, chain=(_ex("GET", "http://h/jobs", 200),))
    put = Observation("/jobs", "PUT", "probe", 0, chain=(_ex("PUT", "http://h/jobs", 405, allow="GET"),))
    post = Observation("/jobs", "POST", "probe", 0, skipped=WITHHELD, tag=WITHHELD_TAG)
    j = judge(plan, [get, put, post])
    assert not [f for f in j.findings if f.method == "POST"]
    row = next(r for r in j.matrix if r["method"] == "POST")
    assert row["withheld"] is True and row["verdict"] == "inconclusive" and "does not list POST" in row["reason"]
    alone = next(r for r in judge(plan, [get, post]).matrix if r["method"] == "POST")
    assert alone["verdict"] == "skipped" and alone["reason"] == WITHHELD


def test_read_only_stays_the_strictest_mode():
    with serve_hub() as (url, hub):
        result = cli(HUB_SPEC, "--base-url", url, "--json", "-", "--read-only", "--allow-writes")
    assert result.code in (0, 1), result.stderr
    assert hub.recorder.writes() == [] and hub.side_effects() == {}
    assert result.json()["writes_sent"] == []
    assert {m for m, _, _ in hub.recorder.log} <= {"GET", "HEAD", "OPTIONS"}
    # --read-only wins over --allow-writes for a path naming an action too: its GET may act (a logout)
    assert not [e for e in hub.recorder.log if e[1].rstrip("/").split("?")[0] in HUB_ACTIONS]


def test_plan_applies_the_configuration_writes_lists(tmp_path):
    config = tmp_path / "conform405.toml"
    config.write_text('allow-writes = true\n[writes]\ndeny = ["POST /shutdown", "nosuchOperation"]\n')
    data = cli("plan", HUB_SPEC, "--base-url", "http://127.0.0.1:9", "--json", "-", "--config", str(config)).json()
    withheld = {(c["path"], c["method"]): c["withheld"] for c in data["matrix"] if c["withheld"]}
    assert withheld == {("/shutdown", "POST"): "not sent: [writes] deny lists 'POST /shutdown'"}
    assert any("'nosuchOperation' matches no state-changing cell" in w for w in data["warnings"])


def test_sharded_runs_merge_their_audits(tmp_path):
    with serve_hub() as (url, hub):
        for k in (1, 2):
            result = cli(HUB_SPEC, "--base-url", url, "--shard", f"{k}/2", "--json", str(tmp_path / f"s{k}.json"), "-q")
            assert result.code in (0, 1), result.stderr
        merged = cli("merge", str(tmp_path / "s1.json"), str(tmp_path / "s2.json"), "--json", "-")
    assert merged.code in (0, 1), merged.stderr
    audit = Counter((w["method"], _target(w["url"])) for w in merged.json()["writes_sent"])
    assert audit == Counter(hub.recorder.writes()) and hub.side_effects() == {}


def test_the_start_up_line_says_writes_are_allowed(capsys):
    from checker import cli as cli_module

    plan = api.build_plan(api.load(HUB_SPEC), api.PlanOptions(base_url="http://127.0.0.1:8000", allow_writes=True))
    cli_module._safety_banner(plan, False, False, False)
    assert "declared writes ALLOWED (--allow-writes)" in capsys.readouterr().err
    remote = api.build_plan(api.load(HUB_SPEC), api.PlanOptions(base_url="https://api.example.com"))
    cli_module._safety_banner(remote, False, False, False)
    assert "8 declared writes that could change data withheld, 2 paths naming an action not probed" in capsys.readouterr().err


def test_a_declared_write_is_never_carried_to_another_resource(tmp_path):
    """A generated id that the server redirects (307, the method kept) to a real row: the DELETE is not
    followed there by default; only a hop to the URL's own slash twin would be (the same name)."""
    from flask import Flask, redirect

    deleted = []
    app = Flask("redirects-to-a-real-row")

    @app.route("/things/<thing_id>", methods=["GET", "DELETE"])
    def thing(thing_id):
        if thing_id != "1":
            return redirect("/things/1", 307)  # "the canonical thing"
        if __import__("flask").request.method == "DELETE":
            deleted.append(thing_id)
            return "", 204
        return {"id": thing_id}

    spec = tmp_path / "things.yaml"
    spec.write_text('openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths:\n  /things/{id}:\n'
                    '    parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n'
                    '    get: {responses: {"200": {description: ok}}}\n'
                    '    delete: {responses: {"204": {description: gone}}}\n')
    from .support.servers import serve_wsgi

    with serve_wsgi(app) as url:
        report = api.run(api.build_plan(api.load(str(spec)), api.PlanOptions(base_url=url)))
        assert deleted == []
        writes = api.run(api.build_plan(api.load(str(spec)), api.PlanOptions(base_url=url, allow_writes=True)))
        assert deleted  # --allow-writes follows the redirect as clients do
    cell = next(c for c in report.matrix if c["method"] == "DELETE")
    assert cell["status"] == 307 and cell["verdict"] == "inconclusive"
    assert not [w for w in report.writes_sent if w["url"].endswith("/things/1")]
    assert [w for w in writes.writes_sent if w["url"].endswith("/things/1") and w["method"] == "DELETE"]


@pytest.mark.parametrize("template,action", [
    ("/api/v2/auth/logout", "logout"), ("/auth/sign-out/", "sign-out"), ("/users/sign_out", "sign_out"),
    ("/admin/shutdown", "shutdown"), ("/jobs/{id}/Restart", "Restart"), ("/containers/{id}/kill", "kill"),
    ("/logouts", None), ("/logout-events", None), ("/sessions/{logout}", None), ("/shutdown/{id}", None),
    ("/restarts/{id}/logs", None), ("/users", None),
])
def test_a_path_naming_an_action(template, action):
    # the last segment alone decides, spelt any way: a resource named after an action (/logouts) is a resource
    from checker.writes import action_of

    got = action_of(template)
    assert (got[0] if got else None) == action

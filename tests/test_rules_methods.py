"""The method rules (declared-method-rejected, undeclared-method-accepted,
wrong-status-for-undeclared-method, request-failed) on hand-made observations."""

from __future__ import annotations

import pytest

from checker.judge import judge

from .servers.handmade import ONLY_MINE, BASE, cells, ex, findings, ob, plan

ALL = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


def probes(path: str, answers: dict[str, object], values=None, **kw):
    """One probe per method: ``answers[m]`` is a status, or (status, allow), or (status, dict of ex() kwargs)."""
    out = []
    for m, a in answers.items():
        if isinstance(a, tuple) and isinstance(a[1], dict):
            out.append(ob(path, m, a[0], values=values, **a[1]))
        elif isinstance(a, tuple):
            out.append(ob(path, m, a[0], allow=a[1], values=values))
        else:
            out.append(ob(path, m, a, values=values))
    return out


def rules_of(observations, p, path):
    fs, ctx = findings(p, observations, path)
    out: dict[str, set[str]] = {}
    for f in fs:
        for m in f.evidence.get("seen_on") or [f.method]:
            out.setdefault(m, set()).add(f.rule)
    return out, ctx


@pytest.fixture
def p(tmp_path):
    return plan(tmp_path)


def conformant_items():
    return {"GET": 200, "HEAD": 200, "POST": 422, **{m: (405, "GET, HEAD, POST") for m in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")}}


def test_conformant_path_has_no_finding_and_all_cells_ok(p):
    obs = probes("/items", conformant_items())
    got, _ = rules_of(obs, p, "/items")
    assert got == {}
    assert {c["verdict"] for k, c in cells(p, obs).items() if k[0] == "/items"} == {"ok"}


def test_declared_405_and_501_and_500_are_rejections(p):
    for status in (405, 501, 500):
        answers = {**conformant_items(), "POST": (status, "GET, HEAD")}
        got, _ = rules_of(probes("/items", answers), p, "/items")
        assert "declared-method-rejected" in got["POST"], status


def test_undeclared_served_statuses_are_accepted(p):
    for status in (200, 204, 409, 415, 422):
        got, _ = rules_of(probes("/items", {**conformant_items(), "PUT": status}), p, "/items")
        assert got == {"PUT": {"undeclared-method-accepted"}}, status


def test_undeclared_404_on_a_routed_static_path_is_wrong_status(p):
    got, _ = rules_of(probes("/items", {**conformant_items(), "PATCH": 404}), p, "/items")
    assert got == {"PATCH": {"wrong-status-for-undeclared-method"}}


def test_static_path_answering_404_to_everything(p):
    """Nothing shows the path exists: undeclared 404s are not judged, declared ones are missing routes."""
    obs = probes("/items", {m: 404 for m in ALL})
    got, ctx = rules_of(obs, p, "/items")
    assert got == {"GET": {"declared-method-rejected"}, "POST": {"declared-method-rejected"}}
    c = cells(p, obs)
    assert {c[("/items", m)]["verdict"] for m in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")} == {"inconclusive"}
    assert c[("/items", "HEAD")]["verdict"] == "inconclusive"


def test_generated_id_404_is_inconclusive_unless_get_shows_the_resource(p):
    path = "/items/{id}"
    real = {"id": "1"}
    gen = {"id": "1000000007"}
    safe = {"GET": 200, "HEAD": 200, "OPTIONS": (405, "GET, HEAD, DELETE"), "TRACE": (405, "GET, HEAD, DELETE")}
    writes = {"POST": (405, "GET, HEAD, DELETE"), "PUT": 404, "PATCH": (405, "GET, HEAD, DELETE"), "DELETE": 404}
    control_404 = ob(path, "GET", 404, role="control", values=gen)
    obs = probes(path, safe, values=real) + probes(path, writes, values=gen) + [control_404]
    got, ctx = rules_of(obs, p, path)
    assert got == {}
    c = cells(p, obs)
    assert c[(path, "DELETE")]["verdict"] == "inconclusive" and "route exists" in c[(path, "DELETE")]["reason"]
    assert c[(path, "PUT")]["verdict"] == "inconclusive"
    # the GET on the very same generated URL says the resource is there: the 404s are the router's
    control_200 = ob(path, "GET", 200, role="control", values=gen)
    writes_no_allow = {"POST": 405, "PUT": 404, "PATCH": 405, "DELETE": 404}
    obs = probes(path, safe, values=real) + probes(path, writes_no_allow, values=gen) + [control_200]
    got, _ = rules_of(obs, p, path)
    assert got["PUT"] == {"wrong-status-for-undeclared-method"}
    assert got["DELETE"] == {"declared-method-rejected"}


def test_declared_404_with_allow_listing_it_is_the_resource(p):
    obs = probes("/items", {**conformant_items(), "POST": 404})
    got, _ = rules_of(obs, p, "/items")
    assert got == {}
    assert cells(p, obs)[("/items", "POST")]["verdict"] == "inconclusive"


def test_auth_walls_are_inconclusive(p):
    obs = probes("/items", {m: 401 for m in ALL})
    got, _ = rules_of(obs, p, "/items")
    assert got == {}
    assert {c["verdict"] for k, c in cells(p, obs).items() if k[0] == "/items"} == {"inconclusive"}
    obs = probes("/items", {m: 403 for m in ALL})
    assert rules_of(obs, p, "/items")[0] == {}
    # /login declares only POST; every declared method refused: a wall, even without a GET to compare
    obs = probes("/login", {"POST": 403, "PUT": 403, "GET": 403, "DELETE": 403})
    assert rules_of(obs, p, "/login")[0] == {}
    # a 403 that asks for credentials
    obs = probes("/items", {**conformant_items(), "PUT": (403, {"headers": (("www-authenticate", "Bearer"),)})})
    assert rules_of(obs, p, "/items")[0] == {}


def test_403_where_get_works(p):
    obs = probes("/items", {**conformant_items(), "PUT": 403, "POST": 403})
    fs, _ = findings(p, obs, "/items")
    by = {(m, f.rule): f for f in fs for m in f.evidence.get("seen_on") or [f.method]}
    assert set(by) == {("PUT", "wrong-status-for-undeclared-method"), ("POST", "declared-method-rejected")}
    assert by[("POST", "declared-method-rejected")].severity == "warning"


def test_csrf_403(p):
    page = b"<h1>Forbidden <span>(403)</span></h1><p>CSRF verification failed. Request aborted.</p>"
    obs = probes("/items", {**conformant_items(), "PUT": (403, {"body": page}), "POST": (403, {"body": page})})
    got, _ = rules_of(obs, p, "/items")
    assert got == {"PUT": {"wrong-status-for-undeclared-method"}}
    c = cells(p, obs)
    assert c[("/items", "POST")]["verdict"] == "inconclusive" and "CSRF" in c[("/items", "POST")]["reason"]


def test_redirects_produce_no_method_finding(p):
    answers = {m: (301, {"headers": (("location", "/items/"),)}) for m in ALL}
    obs = probes("/items", answers)
    assert rules_of(obs, p, "/items")[0] == {}
    c = cells(p, obs)
    assert {c[("/items", m)]["verdict"] for m in ALL} == {"inconclusive"}
    # a followed 308 is judged on the answer after it
    chain = (ex("PUT", BASE + "/items", 308, headers=(("location", "/items/"),)), ex("PUT", BASE + "/items/", 200))
    obs = probes("/items", conformant_items())
    obs = [o for o in obs if o.method != "PUT"] + [ob("/items", "PUT", None, chain=chain)]
    assert rules_of(obs, p, "/items")[0] == {"PUT": {"undeclared-method-accepted"}}


def test_server_errors(p):
    got, _ = rules_of(probes("/items", {**conformant_items(), "PATCH": 500, "POST": 502}), p, "/items")
    assert got == {"PATCH": {"wrong-status-for-undeclared-method"}}


def test_400_is_served_when_the_router_tells_methods_apart(p):
    """Litestar and DRF answer 400 when an (undeclared) handler finds no body; other methods get 405."""
    got, _ = rules_of(probes("/items", {**conformant_items(), "PATCH": 400}), p, "/items")
    assert got == {"PATCH": {"undeclared-method-accepted"}}
    # every undeclared method gets 400: a gateway's or parser's policy, not a handler
    answers = {"GET": 200, "HEAD": 200, "POST": 201, **{m: 400 for m in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")}}
    got, _ = rules_of(probes("/items", answers), p, "/items")
    assert got == {m: {"wrong-status-for-undeclared-method"} for m in ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")}
    # a TRACE refused with 400 by the server is not "served", whatever the others get
    got, _ = rules_of(probes("/items", {**conformant_items(), "TRACE": 400}), p, "/items")
    assert got == {"TRACE": {"wrong-status-for-undeclared-method"}}


def test_no_answer_is_a_request_failed_finding_and_a_no_answer_cell(p):
    obs = probes("/items", {**conformant_items(), "PATCH": (None, {"error": "protocol: connection reset"})})
    got, _ = rules_of(obs, p, "/items")
    assert got == {"PATCH": {"request-failed"}}
    cell = cells(p, obs)[("/items", "PATCH")]
    assert cell["verdict"] == "no-answer" and "reset" in cell["reason"]
    j = judge(p, obs, ONLY_MINE)
    assert [f.rule for f in j.findings] == ["request-failed"]


def test_one_example_judged_ok_makes_the_cell_ok(p):
    path = "/items/{id}"
    obs = [ob(path, "GET", 200, values={"id": "1"}),
           ob(path, "PUT", 405, allow="GET, DELETE", values={"id": "1000000001"}, example=0),
           ob(path, "PUT", 404, values={"id": "1000000002"}, example=1),
           ob(path, "GET", 404, role="control", values={"id": "1000000002"}, example=1)]
    cell = cells(p, obs)[(path, "PUT")]
    assert cell["verdict"] == "ok" and cell["statuses"] == [405, 404]
    only_404 = [o for o in obs if o.example == 1 or o.method == "GET" and o.role == "probe"]
    assert cells(p, only_404)[(path, "PUT")]["verdict"] == "inconclusive"


def test_one_router_refusing_many_methods_alike_is_one_finding(p):
    """The undeclared methods of one URL all answered 404 by the same router: one wrong-status finding (per URL and
    status) listing them in seen_on, as allow-mismatch groups the 405s of a path; its fingerprint does not depend on
    which methods were refused that way, so a baseline keeps it while the router cause stays."""
    undeclared = ("PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
    answers = {"GET": 200, "HEAD": 200, "POST": 201, **{m: 404 for m in undeclared}}
    fs, _ = findings(p, probes("/items", answers), "/items")
    wrong = [f for f in fs if f.rule == "wrong-status-for-undeclared-method"]
    assert len(wrong) == 1
    [f] = wrong
    assert f.method is None and f.evidence["seen_on"] == list(undeclared)
    assert "PUT, PATCH, DELETE, OPTIONS, TRACE answered 404" in f.message
    fewer, _ = findings(p, probes("/items", {**answers, "PUT": (405, "GET, HEAD, POST")}), "/items")
    [g] = [f for f in fewer if f.rule == "wrong-status-for-undeclared-method"]
    assert g.evidence["seen_on"] == ["PATCH", "DELETE", "OPTIONS", "TRACE"] and g.fingerprint == f.fingerprint
    # another status is another cause: another finding
    mixed, _ = findings(p, probes("/items", {**answers, "TRACE": 400}), "/items")
    assert sorted((tuple(f.evidence["seen_on"]), f.facts) for f in mixed if f.rule == "wrong-status-for-undeclared-method") == [
        (("PUT", "PATCH", "DELETE", "OPTIONS"), (("status", "404"),)), (("TRACE",), (("status", "400"),))]

"""head-not-supported, options-mismatch and trace-enabled on hand-made observations."""

from __future__ import annotations

import pytest

from .servers.handmade import cells, findings, ob, plan


@pytest.fixture
def p(tmp_path):
    return plan(tmp_path)


def run(p, answers, path="/items"):
    obs = []
    for m, a in answers.items():
        status, kw = (a, {}) if isinstance(a, int) else a
        obs.append(ob(path, m, status, **kw))
    fs, _ = findings(p, obs, path)
    out: dict[str, set[str]] = {}
    for f in fs:
        for m in f.evidence.get("seen_on") or [f.method]:
            out.setdefault(m, set()).add(f.rule)
    return out, obs


OK405 = (405, {"allow": "GET, HEAD, POST"})


def test_head_refused_where_get_works(p):
    got, _ = run(p, {"GET": 200, "HEAD": (405, {"allow": "GET, POST"}), "POST": 201})
    assert got == {"HEAD": {"head-not-supported"}}
    got, _ = run(p, {"GET": 200, "HEAD": 404, "POST": 201})
    assert got == {"HEAD": {"head-not-supported"}}
    got, _ = run(p, {"GET": 200, "HEAD": 500, "POST": 201})
    assert got == {"HEAD": {"head-not-supported"}}


def test_head_not_judged_when_get_fails_or_auth(p):
    got, obs = run(p, {"GET": 401, "HEAD": 401, "POST": 401})
    assert got == {}
    assert cells(p, obs)[("/items", "HEAD")]["verdict"] == "inconclusive"
    got, obs = run(p, {"GET": 200, "HEAD": 403, "POST": 201})
    assert got == {}
    assert cells(p, obs)[("/items", "HEAD")]["verdict"] == "inconclusive"


def test_head_on_a_path_without_get(p):
    got, _ = run(p, {"POST": 200, "GET": (405, {"allow": "POST"}), "HEAD": (405, {"allow": "POST"})}, path="/login")
    assert got == {}


def test_options(p):
    got, _ = run(p, {"GET": 200, "HEAD": 200, "POST": 201, "OPTIONS": (200, {"allow": "GET, HEAD, OPTIONS, POST"})})
    assert got == {}
    got, _ = run(p, {"GET": 200, "HEAD": 200, "POST": 201, "OPTIONS": (204, {"allow": "GET"})})
    assert got == {"OPTIONS": {"options-mismatch"}}
    got, _ = run(p, {"GET": 200, "HEAD": 200, "POST": 201, "OPTIONS": 200})
    assert got == {"OPTIONS": {"options-mismatch"}}
    # a 405 with a correct Allow is fine
    got, _ = run(p, {"GET": 200, "HEAD": 200, "POST": 201, "OPTIONS": OK405})
    assert got == {}


def test_options_answered_by_a_cors_layer_is_not_judged(p):
    cors = (204, {"headers": (("access-control-allow-methods", "GET, POST, PUT"), ("access-control-allow-origin", "*"))})
    got, obs = run(p, {"GET": 200, "HEAD": 200, "POST": 201, "OPTIONS": cors})
    assert got == {}
    assert cells(p, obs)[("/items", "OPTIONS")]["verdict"] == "inconclusive"


def test_trace(p):
    got, _ = run(p, {"GET": 200, "HEAD": 200, "POST": 201, "TRACE": (200, {"body": b"TRACE /items HTTP/1.1\r\n"})})
    assert got == {"TRACE": {"trace-enabled"}}
    got, _ = run(p, {"GET": 200, "HEAD": 200, "POST": 201, "TRACE": OK405})
    assert got == {}

"""The Allow rules on hand-made observations: the parser, allow-missing, allow-mismatch,
allow-malformed, allow-method-case, allow-inconsistent."""

from __future__ import annotations

import pytest

from checker.rules.allow import parse_allow

from .servers.handmade import cells, findings, ob, plan


@pytest.fixture
def p(tmp_path):
    return plan(tmp_path)


@pytest.mark.parametrize(("value", "tokens", "problems"), [
    ("GET, HEAD, POST", ["GET", "HEAD", "POST"], []),
    ("GET,POST", ["GET", "POST"], []),
    ("", [], []),  # an empty Allow is valid: no method is allowed
    ("   ", [], []),
    ("GET,,  post , <script>", ["GET", "post"], ["'<script>' is not a method token", "empty list element"]),
    ("GET POST", [], ["'GET POST' is not a method token"]),
    ("GET,\tPOST", ["GET", "POST"], []),
    ("X-CUSTOM, QUERY", ["X-CUSTOM", "QUERY"], []),
])
def test_parse_allow(value, tokens, problems):
    assert parse_allow(value) == (tokens, problems)


def run(p, answers):
    obs = [ob("/items", m, s if isinstance(s, int) else s[0], allow=None if isinstance(s, int) else s[1]) for m, s in answers.items()]
    fs, _ = findings(p, obs, "/items")
    return {f.rule: f for f in fs}, obs


def base(**over):
    return {"GET": 200, "HEAD": 200, "POST": 201, **over}


def test_missing(p):
    got, obs = run(p, base(PUT=405, DELETE=405, TRACE=(405, "GET, POST")))
    assert set(got) == {"allow-missing"}
    assert got["allow-missing"].evidence["seen_on"] == ["PUT", "DELETE"]
    c = cells(p, obs)
    assert c[("/items", "PUT")]["verdict"] == "error" and c[("/items", "TRACE")]["verdict"] == "ok"


def test_head_and_options_tolerated_head_not_required(p):
    got, _ = run(p, base(PUT=(405, "GET, POST"), DELETE=(405, "OPTIONS, HEAD, POST, GET"), TRACE=(405, "GET, POST, HEAD")))
    assert got == {}


def test_mismatch_lists_extra_and_missing(p):
    got, _ = run(p, base(PUT=(405, "GET, DELETE"), PATCH=(405, "GET, DELETE")))
    f = got["allow-mismatch"]
    assert f.evidence["allow"]["extra"] == ["DELETE"] and f.evidence["allow"]["missing"] == ["POST"]
    assert f.evidence["seen_on"] == ["PUT", "PATCH"]
    assert set(got) == {"allow-mismatch"}


def test_malformed_and_case(p):
    got, _ = run(p, base(PUT=(405, "GET,,  post , <script>")))
    assert set(got) == {"allow-malformed", "allow-method-case"}
    assert got["allow-method-case"].evidence["seen_on"] == ["PUT"]
    assert "post" in got["allow-method-case"].message
    # lower-case tokens still count for the comparison with the spec: GET and post are both there
    got, _ = run(p, base(PUT=(405, "get, post")))
    assert set(got) == {"allow-method-case"}


def test_custom_lower_case_method_is_not_a_case_problem(p):
    got, _ = run(p, base(PUT=(405, "GET, POST, purge")))
    assert "allow-method-case" not in got and got["allow-mismatch"].evidence["allow"]["extra"] == ["PURGE"]


def test_inconsistent(p):
    got, _ = run(p, base(PUT=(405, "GET, POST"), DELETE=(405, "GET, HEAD, POST"), PATCH=(405, "GET")))
    assert set(got) == {"allow-inconsistent", "allow-mismatch"}
    f = got["allow-inconsistent"]
    assert f.method is None and len(f.evidence["allow_sets"]) == 2  # HEAD aside, "GET, POST" and "GET"
    assert got["allow-mismatch"].evidence["seen_on"] == ["PATCH"]


def test_only_405_answers_are_read(p):
    got, _ = run(p, base(PUT=(404, "nonsense,,"), OPTIONS=(200, "GET, POST")))
    assert "allow-malformed" not in got and "allow-mismatch" not in got


def test_missing_says_the_allow_of_this_path(p):
    """The Allow to send is the path's own declared methods (HEAD with GET), never a generic example."""
    got, _ = run(p, base(PUT=405, DELETE=405))
    f = got["allow-missing"]
    assert f.evidence["suggested_allow"] == "GET, HEAD, POST" and "should be `Allow: GET, HEAD, POST`" in f.message
    obs = [ob("/login", "POST", 200), ob("/login", "GET", 405), ob("/login", "PUT", 405)]
    fs, _ = findings(p, obs, "/login")
    [f] = [f for f in fs if f.rule == "allow-missing"]
    assert f.evidence["suggested_allow"] == "POST" and "should be `Allow: POST`" in f.message
    from checker.rules.allow import ALLOW_MISSING

    assert "GET, POST" not in ALLOW_MISSING.fix  # the rule's own fix names no path's methods

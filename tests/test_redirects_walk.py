"""The redirect walker and the client profiles (issue #4): hop by hop, on a real server, never a hang."""

from __future__ import annotations

import asyncio

import pytest

from checker.http.client import HttpClient
from checker.http.redirects import (BUDGET, CROSS_ORIGIN, DOWNGRADE, FINAL, LOOP, METHOD_CHANGED, NO_LOCATION,
                                    PROFILES, REFUSED, TOO_LONG, explore, follow, next_hop, parse_profile_tag,
                                    profile, profile_tag)
from checker.errors import UsageError
from checker.observe import Exchange

from .servers_redirect import own

ALL = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def resent(name: str, status: int, method: str):
    return PROFILES[name].step(status, method)


@pytest.mark.parametrize("name", list(PROFILES))
def test_307_308_keep_method_and_body_everywhere(name):
    for status in (307, 308):
        for method in ("GET", "HEAD") if name == "urllib" else ALL:
            assert resent(name, status, method) == (method, True)


def test_profiles_as_measured():
    # 301/302: POST becomes a body-less GET for fetch, curl -L -d, aiohttp, node-fetch, axios, httpx (301)
    for name in ("fetch", "curl-L", "aiohttp", "node-fetch", "axios"):
        for status in (301, 302):
            assert resent(name, status, "POST") == ("GET", False)
            assert resent(name, status, "PUT") == ("PUT", True)
            assert resent(name, status, "DELETE") == ("DELETE", True)
    # httpx and requests: every method but HEAD becomes GET on 302; POST only on 301
    for name in ("httpx", "requests"):
        for method in ("POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
            assert resent(name, 302, method) == ("GET", False)
        assert resent(name, 301, "POST") == ("GET", False)
        assert resent(name, 301, "PUT") == ("PUT", True)
        assert resent(name, 302, "HEAD") == ("HEAD", True)
    # 303: everything but HEAD becomes GET (node-fetch turns HEAD into GET too)
    for name in ("fetch", "curl-L", "httpx", "requests", "aiohttp", "axios", "go"):
        assert resent(name, 303, "PUT") == ("GET", False)
        assert resent(name, 303, "HEAD") == ("HEAD", True)
    assert resent("node-fetch", 303, "HEAD") == ("GET", False)
    # curl -L -X POST keeps POST but drops the body on 301/302/303
    for status in (301, 302, 303):
        assert resent("curl-L-X", status, "POST") == ("POST", False)
    # Go: every method but HEAD becomes GET on 301/302/303
    for status in (301, 302, 303):
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            assert resent("go", status, method) == ("GET", False)
    # urllib: POST -> GET on 301/302/303; other methods not followed; 307/308 only for GET/HEAD
    assert resent("urllib", 302, "POST") == ("GET", False)
    assert resent("urllib", 302, "PUT") is None
    assert resent("urllib", 307, "POST") is None
    assert PROFILES["urllib"].cross_origin_authorization == "kept"
    assert {p.cross_origin_authorization for n, p in PROFILES.items() if n != "urllib"} == {"dropped"}
    # not redirects: never followed
    for status in (300, 304, 305, 200):
        assert resent("fetch", status, "GET") is None


def test_profile_by_name_and_tags():
    assert profile("go").name == "go"
    with pytest.raises(UsageError, match="no client profile 'wget'"):
        profile("wget")
    assert parse_profile_tag(profile_tag(("fetch", "go"), LOOP, "go")) == ("go", ("fetch", "go"), LOOP)
    for p in PROFILES.values():
        assert p.describe()


def test_next_hop_reasons():
    def ex(url, location):
        headers = (("location", location),) if location is not None else ()
        return Exchange("GET", url, status=302, headers=headers)

    assert next_hop(ex("http://a/x", "/y")) == ("http://a/y", None)
    assert next_hop(ex("http://a/x", None))[1] == NO_LOCATION
    assert next_hop(ex("http://a/x", "  "))[1] == NO_LOCATION
    assert next_hop(ex("https://a/x", "http://a/x"))[1] == DOWNGRADE
    assert next_hop(ex("http://a:1/x", "http://a:2/x"))[1] == CROSS_ORIGIN
    assert next_hop(ex("http://a/x", "javascript:alert(1)"))[1] == "bad-location"


def _run(coro_fn):
    async def main():
        async with HttpClient(transport="httpx") as client:
            return await coro_fn(client)

    return asyncio.run(main())


def test_walk_hop_by_hop_on_a_real_server():
    with own.serve() as (url, other):
        async def go(client):
            as_fetch = await follow(client.send, "POST", url + "/form", {"content-type": "application/json"}, b"{}", 5, "fetch")
            mine = await follow(client.send, "POST", url + "/form", {"content-type": "application/json"}, b"{}", 5, "fetch",
                                keep_method=True)
            as_curl_x = await follow(client.send, "POST", url + "/form", {"content-type": "application/json"}, b"{}", 5, "curl-L-X")
            as_urllib = await follow(client.send, "PUT", url + "/form", {}, b"{}", 5, "urllib")
            kept = await follow(client.send, "POST", url + "/moved", {}, b"{}", 5, "go")
            return as_fetch, mine, as_curl_x, as_urllib, kept

        as_fetch, mine, as_curl_x, as_urllib, kept = _run(go)
    # every hop: method, URL, status, Location, whether a body was sent
    assert [(e.method, e.url, e.status, e.header("location"), e.body_sent) for e in as_fetch.exchanges] == [
        ("POST", url + "/form", 302, "/form/", b"{}"),
        ("GET", url + "/form/", 405, None, None),
    ]
    assert as_fetch.stop == FINAL
    assert "content-type" not in dict(as_fetch.exchanges[1].request_headers)
    assert [e.status for e in mine.exchanges] == [302] and mine.stop == METHOD_CHANGED
    assert [(e.method, e.status, e.body_sent) for e in as_curl_x.exchanges] == [("POST", 302, b"{}"), ("POST", 201, None)]
    assert [e.status for e in as_urllib.exchanges] == [302] and as_urllib.stop == REFUSED
    assert [(e.method, e.status, e.body_sent) for e in kept.exchanges] == [("POST", 308, b"{}"), ("POST", 201, b"{}")]


def test_loops_long_chains_missing_location_and_other_origins_end():
    with own.serve() as (url, other):
        async def go(client):
            return [await follow(client.send, "GET", url + path, {}, None, 5) for path in ("/loop", "/long", "/nolocation", "/away")]

        loop, long, missing, away = _run(go)
    assert loop.stop == LOOP and [e.url for e in loop.exchanges] == [url + "/loop", url + "/loop-b"]
    assert loop.next_url == url + "/loop"
    assert long.stop == TOO_LONG and len(long.exchanges) == 6
    assert missing.stop == NO_LOCATION and len(missing.exchanges) == 1
    assert away.stop == CROSS_ORIGIN and away.next_url == other + "/away" and len(away.exchanges) == 1


def test_explore_sends_each_distinct_request_once():
    with own.serve() as (url, other):
        async def go(client):
            seed = (await follow(client.send, "POST", url + "/form", {}, None, 5, "fetch", keep_method=True)).exchanges
            before = client.sent
            groups = await explore(client.send, "POST", url + "/form", {}, None, 5, "fetch", seed=seed)
            spent = client.sent - before
            budget = await explore(client.send, "POST", url + "/form", {}, None, 5, "fetch", seed=seed, max_requests=0)
            return groups, spent, budget

        groups, spent, budget = _run(go)
    by_names = {names: chain for names, chain in groups}
    assert groups[0][0][0] == "fetch"  # the chosen profile's group first
    assert set(by_names) == {("fetch", "curl-L", "httpx", "requests", "aiohttp", "node-fetch", "axios", "go", "urllib"),
                             ("curl-L-X",)}
    # GET /form/ and POST /form/ (no body): two requests beyond the probe's own, for ten profiles
    assert spent == 2
    assert [e.method for e in by_names[("curl-L-X",)].exchanges] == ["POST", "POST"]
    assert all(chain.stop == BUDGET for _, chain in budget)

"""Redirects and trailing slashes: what every real client does with a 3xx, and which spelling the server serves.

A probe's own chain is followed as the chosen client profile does while the method is kept (the method
rules judge what the method itself got); every profile's whole chain is in the ``redirect-profile``
observations (``checker/http/redirects.py``), and the trailing-slash twins in ``slash-twin`` ones
(``checker/probes/slashes.py``).
"""

from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import urlparse

from ..http.redirects import (BAD_LOCATION, CONTENT_METHODS, CROSS_ORIGIN, DOWNGRADE, FINAL, LOOP, NO_LOCATION,
                              PROFILE_ROLE, PROFILES, REDIRECT_STATUSES, REFUSED, TOO_LONG, has_redirect, next_hop, origin,
                              parse_profile_tag)
from ..observe import Exchange, Observation
from ..probes.slashes import ROLE as TWIN_ROLE
from .base import Finding, PathContext, Rule, finding, served

FAMILY = "redirects"
_FIX_307 = ("Answer 307 (temporary) or 308 (permanent) instead, which every client follows with the same method and "
            "body, or better, document the canonical URL in the spec so that clients never hit the redirect.")

CHANGES_METHOD = Rule(
    id="redirect-changes-method",
    title="301/302/303 answers a method other than GET or HEAD",
    severity="error",
    summary=("A 301 or 302 answers a method other than GET or HEAD, or a 303 sends it to the same resource (a routing "
             "redirect such as a trailing slash): clients re-send the request as a body-less GET. Error for POST, which "
             "every common client rewrites; warning for the other methods, which some clients (Go, requests, httpx) rewrite."),
    why=("RFC 9110 lets a user agent change POST to GET on 301 and 302, and clients did more than that: browsers, curl, "
         "aiohttp, axios and node-fetch turn POST into GET; requests and httpx turn every method into GET on 302; Go every "
         "method on 301/302/303. The write never happens, and the client reports the answer of a GET, often a baffling "
         "405 or a 200 with a list. A 303 to another resource after a POST is the intended Post/Redirect/Get pattern "
         "and is not reported."),
    rfc="RFC 9110 §15.4.2, §15.4.3, §15.4.4, §15.4.8, §15.4.9",
    example="> POST /items\n< 301 Moved Permanently\n< Location: /items/\n(fetch, curl -L, requests ... send: GET /items/)",
    fix=_FIX_307,
    family=FAMILY,
)

THEN_405 = Rule(
    id="redirect-then-405",
    title="A declared method is redirected into a 405",
    severity="error",
    summary=("A method the spec declares is answered with a redirect, and following it as the client profile does "
             "(--client, default fetch) ends in 405 Method Not Allowed: the documented operation is unreachable for a "
             "redirect-following client."),
    why=("This is the classic `POST /resource` → `301 Location: /resource/` → `GET /resource/` → 405: the user sees a 405 "
         "for a method the documentation promises, on a URL they never typed. Only the whole chain explains it."),
    rfc="RFC 9110 §15.4, §15.5.6",
    example="> POST /login\n< 301 Location: /login/\n> GET /login/\n< 405 Method Not Allowed\n< Allow: POST",
    fix=_FIX_307,
    family=FAMILY,
)

LOOP_RULE = Rule(
    id="redirect-loop",
    title="Redirect loop",
    severity="error",
    summary="Following the redirects of a probe comes back to a request already made.",
    why="Every client gives up after its redirect limit (Go and aiohttp at 10, browsers at 20) with an error instead of an answer: the operation is unreachable.",
    rfc="RFC 9110 §15.4",
    example="> GET /a\n< 302 Location: /b\n> GET /b\n< 302 Location: /a",
    fix="Make the target of the redirect answer the request itself; look for two rules that undo each other (a trailing slash added by the app and removed by the proxy).",
    family=FAMILY,
)

TOO_LONG_RULE = Rule(
    id="redirect-chain-too-long",
    title="Redirect chain too long",
    severity="warning",
    summary="A probe is still redirected after the hop limit (5 redirects).",
    why="Every hop costs a round trip; clients give up at 10 (Go, aiohttp, urllib) to 50 (curl), and RFC 9110 asks clients to detect cyclical redirections, which long chains resemble.",
    rfc="RFC 9110 §15.4",
    example="> GET /r/1\n< 301 Location: /r/2\n... /r/6 still answers 301",
    fix="Redirect straight to the final URL.",
    family=FAMILY,
)

NO_LOCATION_RULE = Rule(
    id="redirect-missing-location",
    title="Redirect without a usable Location",
    severity="error",
    summary="A 301, 302, 303, 307 or 308 answer has no Location header, an empty one, or one that is not an http(s) URL.",
    why="A client cannot follow it: it gets a 3xx with nothing to do, and the operation fails with an unexpected status.",
    rfc="RFC 9110 §15.4, §10.2.2",
    example="> POST /items\n< 302 Found\n(no Location header)",
    fix="Send `Location: <URI reference>` with every redirect, or answer with the resource itself.",
    family=FAMILY,
)

CROSS_ORIGIN_RULE = Rule(
    id="redirect-cross-origin",
    title="Redirect to another origin",
    severity="warning",
    summary=("A probe is redirected to another origin (scheme, host or port). conform405 does not follow it (the probe's "
             "credentials must not travel there), so what lies behind it is not judged. Info for an http → https "
             "upgrade on the same host."),
    why=("Clients differ on credentials: browsers, curl, requests, httpx, aiohttp, Go, axios and node-fetch drop "
         "Authorization on a cross-origin hop (so the call fails with 401 there), while Python's urllib keeps it and "
         "sends your token to the other host. An API that documents one server should not depend on another."),
    rfc="RFC 9110 §15.4, §17.5 (RFC 6454 for origins)",
    example="> GET http://127.0.0.1:8000/items\n< 302 Location: http://127.0.0.1:9000/items",
    fix="Document the other server in the spec (`servers`), or serve the path where the spec says it is.",
    family=FAMILY,
)

DOWNGRADE_RULE = Rule(
    id="redirect-https-downgrade",
    title="Redirect from https to http",
    severity="error",
    summary="A request made over https is redirected to an http URL (conform405 does not follow it).",
    why="The follow-up request (with its cookies, and with Python urllib its Authorization header) travels in clear text, and can be read or altered on the way.",
    rfc="RFC 9110 §4.2.2, §17.5",
    example="> GET https://api.example.com/items\n< 301 Location: http://api.example.com/items/",
    fix="Redirect to https URLs only (often a proxy that does not know it terminates TLS: set X-Forwarded-Proto / the framework's secure-proxy setting).",
    family=FAMILY,
)

SLASH_MISMATCH = Rule(
    id="trailing-slash-mismatch",
    title="The spec's spelling of a path is not the one the server serves",
    severity="error",
    summary=("The path as the spec spells it is redirected to its trailing-slash twin (warning), or is missing (404) "
             "while the twin is served (error)."),
    why=("Clients generated from the spec call the documented URL: each call pays a redirect, and 301/302/303 redirects "
         "turn their POSTs into GETs; or every call fails with 404 while the server works one slash away."),
    rfc="RFC 3986 §6.2.3, RFC 9110 §15.4",
    example="spec: /items (GET, POST)\n> GET /items\n< 301 Location: /items/   (Django APPEND_SLASH)",
    fix="Write the path in the spec exactly as the server routes it (or route the spec's spelling).",
    family=FAMILY,
)

SLASH_TWIN = Rule(
    id="trailing-slash-twin",
    title="The trailing-slash twin of a path is served too, or redirected with a method-changing status",
    severity="info",
    summary=("The twin of a documented path (slash added or removed) is served as well (two URLs for one resource), or "
             "redirects to the documented path with 301/302/303 for a state-changing method (a client that misspells the "
             "path loses its request body)."),
    why="Not a violation of the spec, but worth knowing: duplicate URLs split caches and logs, and a 301 for POST on the twin is the classic 'my POST became a GET' report.",
    rfc="RFC 3986 §6.2.3, RFC 9110 §15.4",
    example="spec: /items/\n> POST /items\n< 301 Location: /items/",
    fix="Answer the twin with 404, or with 308 to the documented spelling.",
    family=FAMILY,
)

RULES = (CHANGES_METHOD, THEN_405, LOOP_RULE, TOO_LONG_RULE, NO_LOCATION_RULE, CROSS_ORIGIN_RULE, DOWNGRADE_RULE,
         SLASH_MISMATCH, SLASH_TWIN)

_STOP_RULES = {LOOP: LOOP_RULE, TOO_LONG: TOO_LONG_RULE, NO_LOCATION: NO_LOCATION_RULE, BAD_LOCATION: NO_LOCATION_RULE,
               CROSS_ORIGIN: CROSS_ORIGIN_RULE, DOWNGRADE: DOWNGRADE_RULE}


# -- per-profile outcomes ----------------------------------------------------------------------------------------
def hop_text(ex: Exchange) -> str:
    text = f"{ex.method} {ex.url} → "
    if ex.status is None:
        return text + (ex.error or "no answer")
    text += str(ex.status)
    loc = ex.header("location")
    if ex.status in REDIRECT_STATUSES or loc:
        text += f" Location: {loc}" if loc is not None else " (no Location)"
    allow = ex.header("allow")
    if ex.status == 405 and allow is not None:
        text += f" (Allow: {allow})"
    return text


def body_dropped(name: str, chain: tuple[Exchange, ...]) -> bool:
    prof = PROFILES.get(name)
    if prof is None:
        return False
    for ex in chain[:-1]:
        step = prof.step(ex.status or 0, ex.method)
        if step is not None and not step[1]:
            return True
    return False


def outcome(name: str, method: str, chain: tuple[Exchange, ...], stop: str) -> dict[str, Any]:
    """What client ``name`` ends with: ``breaks`` True (the operation fails), False, or None (not known)."""
    final = chain[-1] if chain else None
    out: dict[str, Any] = {"final_method": final.method if final else None, "final_status": final.status if final else None,
                           "stop": stop, "requests": len(chain)}
    if final is None:
        return {**out, "breaks": None, "why": "nothing sent"}
    if stop in (CROSS_ORIGIN, DOWNGRADE):
        return {**out, "breaks": None, "why": f"not followed ({stop}): not judged"}
    if stop in (LOOP, TOO_LONG, NO_LOCATION, BAD_LOCATION):
        return {**out, "breaks": True, "why": f"stuck: {stop}"}
    if stop == REFUSED:
        return {**out, "breaks": True, "why": f"does not follow a {final.status} for {final.method}: the caller gets the {final.status}"}
    if stop != FINAL:
        return {**out, "breaks": None, "why": f"not completed ({stop})"}
    changed = _method_change(chain)
    if changed is not None and method not in ("GET", "HEAD"):
        if changed.status == 303 and not _routing(changed):
            return {**out, "breaks": False, "why": f"303 See Other after the {method}: {final.method} → {final.status} (Post/Redirect/Get)"}
        return {**out, "breaks": True, "why": f"re-sent as {final.method} after {changed.status}: the {method} never reaches its handler"}
    if method in CONTENT_METHODS and body_dropped(name, chain):
        return {**out, "breaks": True, "why": f"{method} re-sent without its body"}
    if final.status in (404, 405, 501) or (final.status or 0) >= 500:
        return {**out, "breaks": True, "why": f"ends in {final.status}"}
    return {**out, "breaks": False, "why": f"ends in {final.status}"}


def _method_change(chain: tuple[Exchange, ...]) -> Exchange | None:
    """The redirect after which the next request used another method, if any."""
    for ex, nxt in zip(chain, chain[1:]):
        if nxt.method != ex.method:
            return ex
    return None


def _routing(ex: Exchange) -> bool:
    """A redirect to the same resource (the same path but for a trailing slash, or another host): routing, not See Other."""
    target, _ = next_hop(ex)
    return bool(target) and _same_resource(ex.url, target)


def _misuse(chain: tuple[Exchange, ...]) -> bool:
    """The client kept a method other than GET/HEAD across a 303, which asks for a GET (RFC 9110 §15.4.4)."""
    return any(ex.status == 303 and ex.method not in ("GET", "HEAD") and nxt.method == ex.method
               for ex, nxt in zip(chain, chain[1:]))


class Chains:
    """Every profile's chain for one probe: ``groups`` of ``(names, chain, stop)``, the chosen profile's first."""

    def __init__(self, obs: Observation, extras: list[Observation]) -> None:
        self.obs = obs
        self.method = obs.method
        self.chosen = ""
        self.groups: list[tuple[tuple[str, ...], tuple[Exchange, ...], str]] = []
        for o in extras:
            if o.method != obs.method or o.example != obs.example:
                continue
            chosen, names, stop = parse_profile_tag(o.tag)
            self.chosen = chosen
            self.groups.append((names, o.chain, stop))
        self.groups.sort(key=lambda g: self.chosen not in g[0])

    @property
    def mine(self) -> tuple[tuple[Exchange, ...], str]:
        if self.groups and self.chosen in self.groups[0][0]:
            return self.groups[0][1], self.groups[0][2]
        return self.obs.chain, FINAL

    def outcomes(self) -> dict[str, dict[str, Any]]:
        out = {}
        for names, chain, stop in self.groups:
            for n in names:
                out[n] = outcome(n, self.method, chain, stop)
        return dict(sorted(out.items(), key=lambda kv: list(PROFILES).index(kv[0]) if kv[0] in PROFILES else 99))

    def breaking(self) -> list[str]:
        return [n for n, o in self.outcomes().items() if o["breaks"]]

    def evidence(self) -> dict[str, Any]:
        chain, stop = self.mine
        return {
            "client": self.chosen or "fetch",
            "chain_as_client": [hop_text(ex) for ex in chain],
            "chain_stop": stop,
            "profiles": [{"profiles": list(names), "chain": [hop_text(ex) for ex in c], "stop": s} for names, c, s in self.groups],
            "outcome_by_profile": self.outcomes(),
            "breaks_for": self.breaking(),
            # requests sent beyond the probe's own chain to follow it as the other profiles do
            "extra_requests": len({id(ex) for _, c, _ in self.groups for ex in c} - {id(ex) for ex in self.obs.chain}),
        }


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def _same_resource(a: str, b: str) -> bool:
    pa, pb = urlparse(a), urlparse(b)
    return pa.path.rstrip("/") == pb.path.rstrip("/")


# -- the check ------------------------------------------------------------------------------------------------------
def check(ctx: PathContext) -> Iterator[Finding]:
    extras = ctx.extras.get(PROFILE_ROLE, [])
    grouped: dict[tuple, tuple[Rule, Observation, Chains, str, str, list[str]]] = {}
    for cell in ctx.plan.cells:
        for obs in ctx.probes.get(cell.method, ()):
            if not has_redirect(obs.chain):
                continue
            chains = Chains(obs, extras)
            chain, stop = chains.mine
            yield from _changes_method(ctx, obs, chains, chain, grouped)
            if cell.declared:
                yield from _then_405(ctx, obs, chains, chain)
            rule = _STOP_RULES.get(stop)
            if rule is not None and chain:
                last = chain[-1]
                target, _ = next_hop(last)
                key = (rule.id, last.status, target, stop)
                if key in grouped:
                    grouped[key][5].append(obs.method)
                else:
                    grouped[key] = (rule, obs, chains, stop, target or "", [obs.method])
    for (rule_id, *_), (rule, obs, chains, stop, target, methods) in grouped.items():
        yield _stop_finding(ctx, rule, obs, chains, stop, target, methods)
    yield from _slashes(ctx)


def _changes_method(ctx, obs: Observation, chains: Chains, chain, grouped) -> Iterator[Finding]:
    for ex in chain:
        if ex.status not in (301, 302, 303) or ex.method in ("GET", "HEAD"):
            continue
        target, _ = next_hop(ex)
        if ex.status == 303 and not _routing(ex):
            continue  # Post/Redirect/Get to another resource: what 303 is for
        steps = {n: p.step(ex.status, ex.method) for n, p in PROFILES.items()}
        rewrite = [n for n, st in steps.items() if st is not None and st[0] == "GET"]
        keep = [n for n, st in steps.items() if st is not None and st[0] != "GET"]
        refuse = [n for n, st in steps.items() if st is None]
        msg = (f"{ex.method} {urlparse(ex.url).path} answered {ex.status} → {ex.header('location') or '(no Location)'}: "
               f"re-sent as a body-less GET by {_names(rewrite)}")
        if keep:
            msg += f"; kept as {ex.method} by {_names(keep)}"
        if refuse:
            msg += f"; not followed by {_names(refuse)}"
        evidence = {**chains.evidence(), "redirect": hop_text(ex), "rewritten_by": rewrite}
        if ex.method == "POST":
            yield finding(CHANGES_METHOD, ctx, obs, msg, facts={"status": ex.status}, extra=evidence)
        else:
            key = ("changes-method", ex.status)
            if key in grouped:
                grouped[key][5].append(obs.method)
            else:
                grouped[key] = (CHANGES_METHOD, obs, chains, "warning", msg, [obs.method])
        return


def _then_405(ctx, obs: Observation, chains: Chains, chain) -> Iterator[Finding]:
    if not chain or chain[0].status not in REDIRECT_STATUSES:
        return
    outcomes = chains.outcomes()
    misuse = {n for names, c, _ in chains.groups for n in names if _misuse(c)}
    ending_405 = [n for n, o in outcomes.items() if o["final_status"] == 405 and o["stop"] == FINAL and n not in misuse]
    mine = chain[-1].status == 405 and len(chain) > 1
    if not mine and not ending_405:
        return
    shown = chain if mine else next(c for names, c, s in chains.groups if set(names) & set(ending_405))
    path = " ⇒ ".join(hop_text(ex) for ex in shown)
    who = chains.chosen or "fetch"
    if mine:
        msg = f"declared {obs.method} is redirected and ends in 405 as {who} follows it: {path}"
    else:
        msg = f"declared {obs.method} is redirected and ends in 405 for {_names(ending_405)}: {path}"
    evidence = {**chains.evidence(), "fix": _FIX_307, "ends_in_405_for": ending_405}
    yield finding(THEN_405, ctx, obs, msg, facts={"first_status": chain[0].status}, extra=evidence,
                  severity=None if mine else "warning")


def _stop_finding(ctx, rule: Rule, obs: Observation, chains: Chains, stop: str, target: str, methods: list[str]) -> Finding:
    if rule is CHANGES_METHOD:  # grouped warnings for methods other than POST
        msg = target + (f" (also for {', '.join(methods[1:])})" if len(methods) > 1 else "")
        return finding(rule, ctx, obs, msg, facts={"methods": "non-POST", "status": obs.chain[0].status},
                       extra={**chains.evidence(), "seen_on": methods}, severity="warning")
    chain, _ = chains.mine
    last = chain[-1]
    path = " ⇒ ".join(hop_text(ex) for ex in chain)
    severity = None
    evidence: dict[str, Any] = {**chains.evidence(), "seen_on": methods}
    facts: dict[str, Any] = {"status": last.status}
    if stop == LOOP:
        msg = f"redirect loop: {path} ⇒ back to {target}"
    elif stop == TOO_LONG:
        msg = f"still redirected after {len(chain) - 1} hops: {path}"
    elif stop == NO_LOCATION:
        msg = f"{last.status} without a Location header: no client can follow it ({path})"
    elif stop == BAD_LOCATION:
        msg = f"{last.status} with an unusable Location {last.header('location')!r}"
    elif stop == DOWNGRADE:
        msg = f"https → http: {path} (not followed)"
        facts["target"] = origin(target)
    else:
        here, there = origin(last.url), origin(target)
        upgrade = here[0] == "http" and there[0] == "https" and urlparse(last.url).hostname == urlparse(target).hostname
        auth = [k for k, _ in last.request_headers if k in ("authorization", "cookie", "proxy-authorization")]
        msg = (f"redirected to another origin: {there[0]}://{there[1]} (not followed by conform405). "
               + ("The probe carried " + ", ".join(auth) + ": " if auth else "Credential risk: ")
               + "most clients drop Authorization on a cross-origin hop; Python's urllib keeps it and sends it there")
        evidence["credentials"] = {"sent_on_probe": auth, "dropped_by": [n for n, p in PROFILES.items() if p.cross_origin_authorization == "dropped"],
                                   "kept_by": [n for n, p in PROFILES.items() if p.cross_origin_authorization == "kept"]}
        facts["target"] = there
        if upgrade:
            severity = "info"
    if len(methods) > 1:
        msg += f" (methods: {', '.join(methods)})"
    return finding(rule, ctx, obs, msg, facts=facts, extra=evidence, severity=severity)


# -- trailing slashes -------------------------------------------------------------------------------------------------
def _kind(ex: Exchange | None, twin_url: str) -> str:
    """How one spelling answers: served, missing, redirect-to-twin (with status), redirect elsewhere, or its status."""
    if ex is None or ex.status is None:
        return "no answer"
    if ex.status in REDIRECT_STATUSES:
        target, _ = next_hop(ex)
        if target and urlparse(target).path == urlparse(twin_url).path:
            return f"redirected ({ex.status}) to the twin"
        return f"redirected ({ex.status}) elsewhere"
    if ex.status == 404:
        return "missing (404)"
    if served(ex.status):
        return f"served ({ex.status})"
    return f"answers {ex.status}"


def pair_summary(spec_ex: Exchange, twin_ex: Exchange) -> str:
    """``/items served (200); /items/ → 308 → /items`` -- how the server treats the pair."""
    def one(ex: Exchange, other: Exchange) -> str:
        p = urlparse(ex.url).path
        if ex.status in REDIRECT_STATUSES:
            return f"{p} → {ex.status} → {ex.header('location')}"
        return f"{p} {_kind(ex, other.url)}"
    return f"{one(spec_ex, twin_ex)}; {one(twin_ex, spec_ex)}"


def _slashes(ctx: PathContext) -> Iterator[Finding]:
    twins = [o for o in ctx.extras.get(TWIN_ROLE, []) if o.example == 0 and o.first is not None]
    if not twins:
        return
    mismatch: dict[str, list[str]] = {}
    pairs: dict[str, str] = {}
    evidence_obs: Observation | None = None
    twin_redirects: list[str] = []
    both_served = False
    # the same 4xx to every method on the twin (a validation layer, a mock server's "no such route" error): a
    # blanket answer that any request of that shape gets, not a route serving the twin
    twin_statuses = {t.first.status for t in twins}
    blanket = len(twins) > 1 and len(twin_statuses) == 1 and next(iter(twin_statuses)) in (400, 409, 415, 422)
    for twin in twins:
        probe = next((o for o in ctx.probes.get(twin.method, ()) if o.example == 0 and o.first is not None), None)
        if probe is None or probe.first.status is None or twin.first.status is None:
            continue
        spec_ex, twin_ex = probe.first, twin.first
        pairs[twin.method] = pair_summary(spec_ex, twin_ex)
        spec_kind = _kind(spec_ex, twin_ex.url)
        twin_kind = _kind(twin_ex, spec_ex.url)
        if blanket:
            twin_kind = f"answers {twin_ex.status} to every method"
        declared = twin.method in ctx.declared
        if declared and spec_kind.endswith("to the twin") and twin_kind.startswith("served"):
            mismatch.setdefault("redirect", []).append(twin.method)
            evidence_obs = evidence_obs or probe
        elif declared and spec_kind.startswith("missing") and twin_kind.startswith("served"):
            mismatch.setdefault("missing", []).append(twin.method)
            evidence_obs = evidence_obs or probe
        elif (twin.method == "GET" and spec_kind.startswith("served") and twin_kind.startswith("served")
              and 200 <= twin_ex.status < 300):
            both_served = True  # "two URLs for one resource" needs the resource: a 4xx to GET is not it
        elif twin.method not in ("GET", "HEAD") and twin_ex.status in (301, 302, 303) and twin_kind.endswith("to the twin"):
            twin_redirects.append(twin.method)
    item = ctx.plan.item
    spec_ref = {"template": item.template, "pointer": item.pointer, "source": item.source}
    if mismatch and evidence_obs is not None:
        served_spelling = urlparse(twins[0].first.url).path
        methods = mismatch.get("missing", []) + mismatch.get("redirect", [])
        how = ("is missing (404) while " + served_spelling + " is served" if "missing" in mismatch
               else "is redirected to " + served_spelling)
        msg = (f"the spec spells the path {item.template} (paths → {item.pointer}), but on the server "
               f"{urlparse(evidence_obs.first.url).path} {how}: the server's spelling is {served_spelling}")
        yield finding(SLASH_MISMATCH, ctx, evidence_obs, msg, method=None,
                      facts={"served": "twin", "how": "missing" if "missing" in mismatch else "redirect"},
                      extra={"seen_on": methods, "pairs": pairs, "spec_path": spec_ref, "server_spelling": served_spelling},
                      severity=None if "missing" in mismatch else "warning")
    elif both_served or twin_redirects:
        obs = next(t for t in twins if (t.method == "GET" if both_served else t.method == twin_redirects[0]))
        twin_path = urlparse(obs.first.url).path
        if both_served:
            msg = f"both {item.template} and its twin {twin_path} are served: two URLs for one resource"
        else:
            msg = (f"the twin {twin_path} redirects {', '.join(twin_redirects)} with {obs.first.status}: a client that "
                   "misspells the path has its request re-sent as GET")
        yield finding(SLASH_TWIN, ctx, obs, msg, method=None, facts={"both_served": both_served},
                      extra={"pairs": pairs, "spec_path": spec_ref})

"""What a rule is, what a finding is, and the facts every rule reads.

A *rule* has a stable ID (kebab-case, never renamed), a default severity and its
documentation (what, why, the RFC section, an example, the fix). A *check* is a pure
function from a :class:`PathContext` (all observations of one path) to findings.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable
from urllib.parse import urlparse

from ..observe import Exchange, Observation
from ..plan import Cell, PathPlan

SEVERITIES = ("error", "warning", "info")
#: the fact that makes a finding one about the server, not a path: an answer given before any route is looked up
#: (an HTTP parser's 400 to a made-up method). Its fingerprint leaves the path out, and the same finding on every
#: path is folded into one (:func:`checker.judge.fold_server_level`), which names the paths
SERVER_SCOPE = ("scope", '"server"')
#: "Served": the request was routed to a handler that processed it (a 2xx, or a handler's own 4xx about the request).
SERVED_4XX = frozenset({400, 409, 415, 422})


@dataclass(frozen=True)
class Rule:
    id: str  #: stable, kebab-case: the name users put in ignore lists and baselines
    title: str
    severity: str
    summary: str  #: what it checks, one sentence
    why: str  #: why it matters
    rfc: str  #: the RFC section(s), e.g. "RFC 9110 §15.5.6"
    example: str  #: a request and answer that trips it
    fix: str  #: how to make the server (or the spec) right
    family: str = "methods"
    references: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        return f"https://github.com/conform405/conform405/blob/main/docs/rules.md#{self.id}"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    path: str  #: template exactly as written in the spec
    method: str | None  #: upper case, or None for a path-level finding
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    reproduce: str | None = None
    facts: tuple[tuple[str, str], ...] = ()  #: the essential facts that identify it across runs
    confidence: str = "high"  #: "high" | "low" (heuristics such as gateway signatures)
    #: the serving stack recognised from the answers (checker/stacks/): {"stack", "id", "confidence", "evidence",
    #: "scope"}, and that stack's own fix for the rule; set after judging, never part of the fingerprint
    stack: dict[str, Any] | None = None
    stack_fix: str | None = None
    #: the sampled path whose answer, carried over, made this finding (checker/adaptive.py): the request was not
    #: sent to this path (``--exhaustive`` sends it); never part of the fingerprint
    inferred_from: str | None = None

    @property
    def server_level(self) -> bool:
        """About the server, not its path (:data:`SERVER_SCOPE`): one finding for every path it was seen on."""
        return SERVER_SCOPE in self.facts

    @functools.cached_property
    def fingerprint(self) -> str:
        """Stable across runs: rule, path, method and facts (worked out once per finding: every format asks). A
        server-level finding's leaves the path out: which path carries it may change, the finding does not."""
        import hashlib  # when a finding is reported, not at the start of every run

        path = "" if self.server_level else self.path
        raw = json.dumps([self.rule, path, self.method, sorted(self.facts)], separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "path": self.path,
            "method": self.method,
            "message": self.message,
            "evidence": self.evidence,
            "reproduce": self.reproduce,
            "fingerprint": self.fingerprint,
            "confidence": self.confidence,
            **({"scope": "server"} if self.server_level else {}),
            **({"stack": self.stack} if self.stack else {}),
            **({"stack_fix": self.stack_fix} if self.stack_fix else {}),
            **({"inferred_from": self.inferred_from} if self.inferred_from else {}),
        }


def served(status: int | None) -> bool:
    return status is not None and (200 <= status < 300 or status in SERVED_4XX)


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


#: an absolute http(s) URL without params, query, fragment, brackets (IPv6) or the characters urlparse drops
_PLAIN_URL = re.compile(r"https?://[^;?#\[\]\t\r\n]*")


def url_key(url: str | None) -> str:
    """Scheme, host and path of a URL (the query differs between operations)."""
    if not url:
        return ""
    if _PLAIN_URL.fullmatch(url) and url.isascii():
        return url  # nothing urlparse would take off or reject: the common probe URL as it is
    p = urlparse(url)
    return f"{p.scheme}://{p.netloc}{p.path}"


@dataclass
class PathContext:
    """Everything observed for one path, as the checks read it."""

    plan: PathPlan
    probes: dict[str, list[Observation]]  #: method -> one observation per example
    controls: list[Observation]  #: GETs on the generated-id URL, per example
    get_by_url: dict[str, Observation]  #: url_key -> the GET observed on that URL
    extras: dict[str, list[Observation]] = field(default_factory=dict)  #: role -> extra probes (checker/probes/__init__.py)
    inconclusive: dict[tuple[str, int], str] = field(default_factory=dict)
    #: --validate-responses: checker/validate_responses.py's validator (None: the response rules do not judge)
    response_validator: Any = field(default=None, repr=False, compare=False)
    _observed: list[tuple[Cell, Observation]] | None = field(default=None, repr=False, compare=False)

    @property
    def template(self) -> str:
        return self.plan.item.template

    @property
    def declared(self) -> tuple[str, ...]:
        return self.plan.item.declared_methods

    @property
    def has_params(self) -> bool:
        return "{" in self.template

    def cell(self, method: str) -> Cell | None:
        return next((c for c in self.plan.cells if c.method == method), None)

    def observed(self) -> list[tuple[Cell, Observation]]:
        """Every probe that got an HTTP answer, with its cell (worked out once: every check reads it)."""
        if self._observed is None:
            self._observed = [(cell, obs) for cell in self.plan.cells for obs in self.probes.get(cell.method, ())
                              if obs.chain and obs.chain[-1].status is not None]
        return self._observed

    def get_on_same_url(self, obs: Observation) -> Observation | None:
        return self.get_by_url.get(url_key(obs.url))

    def resource_exists(self, obs: Observation) -> bool | None:
        """Whether the resource at ``obs``'s URL demonstrably exists: True, False, or None (unknown).

        A path with no parameters names one resource: if the router knows the path,
        it exists. Otherwise the declared GET on the very same URL decides.
        """
        get = self.get_on_same_url(obs)
        if get is not None and get.status is not None:
            if is_success(get.status):
                return True
            if get.status == 404:
                return False if self.has_params else None
        if not self.has_params:
            return True if "GET" not in self.declared else None
        return None

    def auth_wall(self, obs: Observation) -> bool:
        """The same URL's GET needs credentials too: 401/403 here say nothing about methods."""
        get = self.get_on_same_url(obs)
        return get is not None and get.status in (401, 403)

    def mark_inconclusive(self, obs: Observation, reason: str) -> None:
        self.inconclusive.setdefault((obs.method, obs.example), reason)


Check = Callable[[PathContext], Iterable[Finding]]


def finding(rule: Rule, ctx: PathContext, obs: Observation | None, message: str, *,
            method: str | None = "", facts: dict[str, Any] | None = None, extra: dict[str, Any] | None = None,
            severity: str | None = None, confidence: str = "high") -> Finding:
    """A finding for ``rule`` on ``obs`` (evidence and reproduction filled in from the observation)."""
    from ..reproduce import curl_command

    evidence: dict[str, Any] = {}
    reproduce = None
    if obs is not None and obs.chain:
        evidence["request"] = _request_dict(obs.chain[0])
        evidence["response"] = obs.chain[-1].to_dict()
        if len(obs.chain) > 1:
            evidence["chain"] = [ex.to_dict(body_excerpt=160) for ex in obs.chain]
        if obs.values:
            evidence["path_values"] = {k: {"value": v, "source": obs.value_sources.get(k, "")} for k, v in obs.values.items()}
        reproduce = curl_command(obs.chain[0])
    if extra:
        evidence.update(extra)
    m = (obs.method if obs is not None else None) if method == "" else method
    return Finding(
        rule=rule.id,
        severity=severity or rule.severity,
        path=ctx.template,
        method=m,
        message=message,
        evidence=evidence,
        reproduce=reproduce,
        facts=tuple(sorted((k, json.dumps(v, sort_keys=True, default=str)) for k, v in (facts or {}).items())),
        confidence=confidence,
        inferred_from=obs.inferred_from if obs is not None else None,
    )


def _request_dict(ex: Exchange) -> dict[str, Any]:
    out: dict[str, Any] = {"method": ex.method, "url": ex.url}
    if ex.request_headers:
        out["headers"] = dict(ex.request_headers)
    if ex.body_sent is not None:
        out["body"] = ex.body_sent[:512].decode("utf-8", "replace")
    return out


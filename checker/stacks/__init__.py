"""The serving stack behind each finding, and the fix in that stack's own terms.

    findings = annotate(findings, observations)     # after judging (checker/api.py's make_report)

For each finding, the stack is recognised from what the server already sent (no request is made):

1. the finding's own answer (its final exchange): a body only one stack writes says who *made* it, which is
   what tells nginx's own 403 from the Flask 405 behind it;
2. every answer on the finding's path (404/405 bodies, OPTIONS metadata, Server/Via/X-Powered-By, Allow
   formatting);
3. the run's majority over every path, one confidence level lower (it is not this path's own evidence).

The most confident recognition wins; among equals the narrower one (answer, then path, then run). The result
is ``{"stack", "id", "confidence", "evidence", "scope"}`` on ``Finding.stack``, and ``Finding.stack_fix`` is
the table's text for the rule on that stack (checker/stacks/fixes.py), or None: the report then shows the
rule's generic fix alone. Fingerprints do not change (they read rule, path, method and facts only).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable

from ..observe import Exchange, Observation
from ..rules.base import Finding
from .fixes import FIXES, fix_for
from .recognise import BUILT_ON, RANK, STACKS, Signal, answer_signals, best

__all__ = ["FIXES", "STACKS", "annotate", "fix_for", "recognise_answer", "recognise_exchanges", "stack_label"]

#: answers read per path, and over the whole run, at most (a path's refusals look alike: a few suffice)
PER_PATH = 32
PER_RUN = 1500
_SCOPE_ORDER = {"answer": 3, "path": 2, "run": 1}
_LOWER = {"high": "medium", "medium": "low", "low": "low"}


#: the headers a signature reads (with the status and the body's head: the cache key of an answer's signals)
_READ = frozenset({"server", "x-powered-by", "content-type", "content-length", "allow", "via", "x-content-type-options",
                   "x-aspnet-version", "x-envoy-upstream-service-time", "x-amzn-requestid", "x-amz-apigw-id",
                   "x-amzn-errortype", "cf-ray", "cf-mitigated", "x-runtime", "x-request-id"})
_cache: dict[tuple[Any, ...], list[Signal]] = {}


def _signals_of(ex: Exchange) -> list[Signal]:
    """The signals of one answer. A run's refusals repeat a handful of bodies: each distinct one is read once."""
    if ex.status is None:
        return []
    read = tuple([field for field in ex.headers if field[0] in _READ])  # only these: others (Date) make every answer new
    body = ex.body[:4096]
    key = (ex.status, read, body)
    got = _cache.get(key)
    if got is None:
        if len(_cache) > 4096:
            _cache.clear()
        headers: dict[str, str] = {}
        for k, v in read:
            headers[k] = f"{headers[k]}, {v}" if k in headers else v
        got = _cache[key] = answer_signals(ex.status, headers, body)
    return got


def _result(signals: list[Signal], scope: str, lower: bool = False) -> dict[str, Any] | None:
    chosen = best(signals)
    if not chosen:
        return None
    stack = chosen[0].stack
    confidence = max((s.confidence for s in chosen), key=RANK.__getitem__)
    evidence: list[str] = []
    kinds: set[str] = set()
    for s in sorted(chosen, key=lambda s: -RANK[s.confidence]):  # stable: the strongest first, in order seen
        kind = s.kind or s.evidence
        if kind not in kinds:
            kinds.add(kind)
            evidence.append(s.evidence)
    return {"stack": STACKS[stack][0], "id": stack, "kind": STACKS[stack][2],
            "confidence": _LOWER[confidence] if lower else confidence, "evidence": evidence[:3], "scope": scope}


def recognise_answer(status: int | None, headers: dict[str, str], body: bytes) -> dict[str, Any] | None:
    """The stack that made one answer (``headers``: lower-cased names), or None."""
    return _result(answer_signals(status, headers, body), "answer")


def recognise_exchanges(exchanges: Iterable[Exchange], scope: str = "path") -> dict[str, Any] | None:
    """The stack most of these answers point at, or None."""
    signals: list[Signal] = []
    for ex in exchanges:
        signals.extend(_signals_of(ex))
    return _result(signals, scope, lower=scope == "run")


def _exchanges(observations: Iterable[Observation], limit: int) -> list[Exchange]:
    out: list[Exchange] = []
    for o in observations:
        if o.role == "direct" or o.skipped:  # the application reached behind the gateway is not what clients see
            continue
        for ex in o.chain:
            if ex.status is not None:
                out.append(ex)
                if len(out) >= limit:
                    return out
    return out


class _Recogniser:
    def __init__(self, observations: list[Observation]) -> None:
        self.by_path: dict[str, list[Observation]] = {}
        for o in observations:
            self.by_path.setdefault(o.path, []).append(o)
        self._path: dict[str, dict[str, Any] | None] = {}
        self._run: Any = False  # not computed yet

    def path(self, template: str) -> dict[str, Any] | None:
        if template not in self._path:
            self._path[template] = recognise_exchanges(_exchanges(self.by_path.get(template, ()), PER_PATH), "path")
        return self._path[template]

    def run(self) -> dict[str, Any] | None:
        if self._run is False:
            per_path = max(4, PER_RUN // max(1, len(self.by_path)))
            exchanges: list[Exchange] = []
            for obs in self.by_path.values():
                exchanges.extend(_exchanges(obs, per_path))
            self._run = recognise_exchanges(exchanges[:PER_RUN], "run")
        return self._run

    def answer(self, f: Finding) -> dict[str, Any] | None:
        req = f.evidence.get("request") or {}
        url, method = req.get("url"), req.get("method")
        if url:
            for o in self.by_path.get(f.path, ()):
                if o.chain and o.chain[0].url == url and o.chain[0].method == method and o.final is not None:
                    final = o.final
                    return _result(_signals_of(final), "answer")
        resp = f.evidence.get("response") or {}
        if "status" in resp:  # a report read back (no observations): the stored excerpt
            headers = {str(k).lower(): str(v) for k, v in (resp.get("headers") or {}).items()}
            return recognise_answer(resp["status"], headers, str(resp.get("body_excerpt") or "").encode())
        return None

    def stack_of(self, f: Finding) -> dict[str, Any] | None:
        answer, path = self.answer(f), self.path(f.path)
        if answer and path and BUILT_ON.get(path["id"]) == answer["id"]:
            answer = None  # the answer shows only the stack underneath (a bodiless HEAD's X-Powered-By): the path says more
        candidates = [c for c in (answer, path) if c]
        top = max((RANK[c["confidence"]] for c in candidates), default=0)
        if top < RANK["high"]:  # the run's majority only when nothing on this path is sure
            run = self.run()
            if run:
                candidates.append(run)
        if not candidates:
            return None
        return max(candidates, key=lambda c: (RANK[c["confidence"]], _SCOPE_ORDER[c["scope"]]))


#: rules about a gateway's refusal: their fix is the gateway's, never the application's
GATEWAY_RULES = ("blocked-by-gateway", "gateway-refusal-suspected")


def fix_rule(f: Finding, stack: dict[str, Any], declared: set[tuple[str, str]] | None) -> str | None:
    """The rule whose stack fix applies to ``f``: a gateway rule reads as a refused declared method on a gateway, as
    a wrong status on an undeclared one (the edge should answer 405), and has no stack fix on an application
    (or when the gateway hides a method the application should not serve either: blocked-by-gateway, undeclared)."""
    if f.rule not in GATEWAY_RULES:
        return f.rule
    if stack.get("kind") != "gateway":
        return None
    is_declared = True if declared is None or not f.method else (f.path, f.method) in declared
    if is_declared:
        return f.rule
    return "wrong-status-for-undeclared-method" if f.rule == "gateway-refusal-suspected" else None


def annotate(findings: list[Finding], observations: list[Observation],
             declared: set[tuple[str, str]] | None = None) -> list[Finding]:
    """``findings`` with ``stack`` and ``stack_fix`` set where the stack is recognised (a new list).
    ``declared``: the (path, method) cells the document declares (the plan's), which tells the gateway rules apart."""
    if not findings:
        return findings
    rec = _Recogniser(observations)
    out = []
    for f in findings:
        try:
            stack = rec.stack_of(f)
        except Exception:  # noqa: BLE001 - a fix hint is a convenience: never lose a finding over it
            stack = None
        if stack is None:
            out.append(f)
            continue
        rule = fix_rule(f, stack, declared)
        out.append(replace(f, stack=stack, stack_fix=fix_for(rule, stack["id"]) if rule else None))
    return out


def stack_label(f: Finding) -> str:
    """``Django REST framework, from the 405 body "..."`` (with the confidence when it is not high)."""
    stack = f.stack or {}
    label = stack.get("stack", "?")
    evidence = (stack.get("evidence") or [""])[0]
    if stack.get("scope") == "run" and evidence:
        evidence = f"{evidence} (elsewhere in this run)"
    if evidence:
        label += f", from {evidence}"
    if stack.get("confidence") and stack["confidence"] != "high":
        label += f"; {stack['confidence']} confidence"
    return label

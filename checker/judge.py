"""Judging: observations in, findings and the path × method matrix out. No I/O.

Runs every check of the rule registry on each path's observations, applies the
configured severity overrides and ignore list, and gives each cell its verdict.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .observe import Observation
from .plan import Plan
from .rules.base import Finding, PathContext, url_key
from .writes import WITHHELD_TAG, withheld_verdict

SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


def _registry(name: str) -> Any:
    """``CHECKS`` or ``RULES`` of :mod:`checker.rules`, imported when the first path is judged (a run's first
    request does not wait for the rule families) and then kept here, as ``judge.CHECKS`` and ``judge.RULES``."""
    value = globals().get(name)
    if value is None:
        from . import rules

        value = globals()[name] = getattr(rules, name)
    return value


def __getattr__(name: str) -> Any:
    if name in ("CHECKS", "RULES"):
        return _registry(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Ignore:
    rule: str  #: a rule ID, or "*"
    path: str = "*"  #: glob on the path template
    method: str = "*"
    reason: str = ""

    def matches(self, f: Finding) -> bool:
        return (
            (self.rule in ("*", f.rule))
            and fnmatch.fnmatchcase(f.path, self.path)
            and (self.method == "*" or (f.method or "").upper() == self.method.upper())
        )


@dataclass(frozen=True)
class JudgeOptions:
    severity: dict[str, str] = field(default_factory=dict)  #: rule ID -> error|warning|info|off
    ignores: tuple[Ignore, ...] = ()
    #: --validate-responses: a checker.validate_responses.ResponseValidator, handed to the response rules
    response_validator: Any = field(default=None, compare=False)


@dataclass
class Judgement:
    findings: list[Finding]
    ignored: list[tuple[Finding, str]]
    matrix: list[dict[str, Any]]


#: one path judged: ``(findings, ignored, matrix rows)``
PathJudgement = tuple[list[Finding], list[tuple[Finding, str]], list[dict[str, Any]]]


def judge(plan: Plan, observations: list[Observation], options: JudgeOptions | None = None,
          judged: dict[str, PathJudgement] | None = None) -> Judgement:
    """Every path of ``plan`` judged, in plan order. ``judged`` holds paths judged already (while the run
    was still probing, checker/api.py): their observations are not read again."""
    options = options or JudgeOptions()
    by_path: dict[str, list[Observation]] | None = None
    findings: list[Finding] = []
    ignored: list[tuple[Finding, str]] = []
    matrix: list[dict[str, Any]] = []
    for pp in plan.paths:
        done = judged.get(pp.item.template) if judged else None
        if done is None:
            if by_path is None:
                by_path = {}
                for obs in observations:
                    by_path.setdefault(obs.path, []).append(obs)
            done = judge_one(pp, by_path.get(pp.item.template, []), options)
        findings.extend(done[0])
        ignored.extend(done[1])
        matrix.extend(done[2])
    return Judgement(fold_server_level(findings), ignored, matrix)


_SAME_ON = re.compile(r" \(the same answer on \d+ paths\)$")


def fold_server_level(findings: list[Finding]) -> list[Finding]:
    """``findings`` with every server-level finding (:data:`~checker.rules.base.SERVER_SCOPE`: an answer given
    before any route is looked up) seen on several paths made one: the first, in its place (the first path in plan
    order, whether adaptive probing asked it or carried a sampled path's answer over to it, so the finding is the
    same in both modes), its evidence naming every path it was seen on (``paths``) and those whose own request
    showed it (``probed``). A server's HTTP parser answers a made-up method the same on each of 811 paths: one
    fact about the server, one finding. Folding folded findings (the shards' reports, checker/merge.py) joins
    their paths."""
    groups: dict[Any, list[Finding]] = {}
    for f in findings:
        if f.server_level:  # the fingerprint's identity without hashing each (a report read back has no facts)
            groups.setdefault((f.rule, f.method, f.facts) if f.facts else f.fingerprint, []).append(f)
    if not groups:
        return findings
    folded: dict[int, Finding] = {}
    for same in groups.values():
        paths: dict[str, None] = {}
        probed: dict[str, None] = {}
        for f in same:
            seen = f.evidence.get("paths")
            paths.update(dict.fromkeys(seen if isinstance(seen, list) else [f.path]))
            asked = f.evidence.get("probed") if isinstance(seen, list) else ([] if f.inferred_from else [f.path])
            probed.update(dict.fromkeys(asked or ()))
        first = same[0]  # the first path in plan order: the same in every mode (its answer may be carried over)
        message = _SAME_ON.sub("", first.message) + (f" (the same answer on {len(paths)} paths)" if len(paths) > 1 else "")
        folded[id(first)] = replace(first, message=message, evidence={**first.evidence, "paths": list(paths), "probed": list(probed)})
    return [folded.get(id(f), f) for f in findings if not f.server_level or id(f) in folded]


def judge_one(pp, obs_list: list[Observation], options: JudgeOptions) -> PathJudgement:
    """One path: its findings, what was set aside, and its rows of the matrix."""
    path_findings, path_ignored, ctx = judge_path(pp, obs_list, options)
    return path_findings, path_ignored, _cells(pp, ctx.probes, path_findings, ctx)


def judge_path(pp, obs_list: list[Observation], options: JudgeOptions | None = None
               ) -> tuple[list[Finding], list[tuple[Finding, str]], PathContext]:
    """Every check on one path's observations: ``(findings, ignored, context)``."""
    options = options or JudgeOptions()
    ctx = path_context(pp, obs_list)
    ctx.response_validator = options.response_validator
    path_findings: list[Finding] = []
    ignored: list[tuple[Finding, str]] = []
    for check in _registry("CHECKS"):
        for f in check(ctx):
            sev = options.severity.get(f.rule)
            if sev == "off":
                continue
            if sev:
                f = replace(f, severity=sev)
            rule_ignore = next((ig for ig in options.ignores if ig.matches(f)), None)
            if rule_ignore is not None:
                ignored.append((f, rule_ignore.reason))
                continue
            if f.method is None and f.evidence.get("seen_on") and options.ignores:
                f, parts = _ignore_methods(f, options.ignores)
                ignored.extend(parts)
                if f is None:
                    continue
            path_findings.append(f)
    path_findings = _dedupe(path_findings)
    shrunk = {o.method: o for o in ctx.extras.get(SHRUNK_ROLE, ())}
    if shrunk:
        path_findings = [_with_shrunk(f, shrunk[m], ctx) if (m := _shrunk_method(f, shrunk)) else f for f in path_findings]
    return path_findings, ignored, ctx


def _ignore_methods(f: Finding, ignores: tuple[Ignore, ...]) -> tuple[Finding | None, list[tuple[Finding, str]]]:
    """A finding grouped over several methods (no method of its own, ``seen_on``) under ignores that name a
    method: the methods ignored are set aside (one ignored finding per reason) and the finding keeps the others;
    None when none is left. So an ignore written for one method never hides the others of the group."""
    methods = list(f.evidence["seen_on"])
    by_reason: dict[str, list[str]] = {}
    kept = []
    for m in methods:
        ig = next((ig for ig in ignores if ig.matches(replace(f, method=m))), None)
        if ig is None:
            kept.append(m)
        else:
            by_reason.setdefault(ig.reason, []).append(m)
    if not by_reason:
        return f, []

    def narrowed(subset: list[str]) -> Finding:
        message = f.message.replace(", ".join(methods), ", ".join(subset), 1)
        return replace(f, message=message, evidence={**f.evidence, "seen_on": subset})

    return (narrowed(kept) if kept else None), [(narrowed(ms), reason) for reason, ms in by_reason.items()]


def _shrunk_method(f: Finding, shrunk: dict[str, Observation]) -> str | None:
    """The method whose shrunk request stands for ``f``: its own, or (a finding grouped over several methods,
    with none of its own) the first of those it was seen on that was shrunk."""
    if f.method is not None:
        return f.method if f.method in shrunk else None
    return next((m for m in f.evidence.get("seen_on") or () if m in shrunk), None)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per fingerprint: with --examples N, N examples that fail alike are one finding
    (the first example's evidence; ``examples`` counts how many showed it)."""
    if len(findings) < 2:
        return findings
    first: dict[str, int] = {}
    out: list[Finding] = []
    for f in findings:
        n = first.get(f.fingerprint)
        if n is None:
            first[f.fingerprint] = len(out)
            out.append(f)
        else:
            kept = out[n]
            out[n] = replace(kept, evidence={**kept.evidence, "examples": kept.evidence.get("examples", 1) + 1})
    return out


#: The role of the observation checker/shrink.py adds: the smallest request that still fails a cell.
SHRUNK_ROLE = "shrunk"


def _with_shrunk(f: Finding, obs: Observation, ctx: PathContext) -> Finding:
    """``f`` with the evidence of the smallest failing request instead of the first one seen."""
    import json

    from .reproduce import curl_command
    from .rules.base import finding as make

    meta = json.loads(obs.tag or "{}")
    if f.rule not in meta.get("rules", ()) or not obs.chain:
        return f
    rules = _registry("RULES")
    fresh = make(rules[f.rule], ctx, obs, f.message) if f.rule in rules else None
    evidence = dict(f.evidence)
    if fresh is not None:
        for key in ("request", "response", "chain", "path_values"):
            evidence.pop(key, None)
            if key in fresh.evidence:
                evidence[key] = fresh.evidence[key]
    evidence["shrunk_from"] = meta.get("from", {})
    evidence["minimal_values"] = dict(obs.values)
    evidence["shrink_attempts"] = meta.get("attempts")
    values = ", ".join(f"{k}={v}" for k, v in obs.values.items())
    return replace(f, evidence=evidence, reproduce=curl_command(obs.chain[0]),
                   message=f"{f.message} (smallest failing request found by shrinking: {values})")


def path_context(pp, obs_list: list[Observation]) -> PathContext:
    """The facts every check reads for one path, from its observations (in any order)."""
    probes: dict[str, list[Observation]] = {}
    controls: list[Observation] = []
    get_by_url: dict[str, Observation] = {}
    extras: dict[str, list[Observation]] = {}
    for o in obs_list:
        if o.role == "probe":
            probes.setdefault(o.method, []).append(o)
        elif o.role == "control":
            controls.append(o)
        elif o.role != "discovery":
            extras.setdefault(o.role, []).append(o)
        if o.method == "GET" and o.role in ("probe", "control") and o.final is not None:
            get_by_url.setdefault(url_key(o.url), o)
    return PathContext(pp, probes, controls, get_by_url, extras=extras)


def _cells(pp, probes, path_findings: list[Finding], ctx: PathContext) -> list[dict[str, Any]]:
    by_method = _findings_by_method(path_findings)
    shrunk: dict[str, Observation] = {}
    for o in ctx.extras.get(SHRUNK_ROLE, ()):
        shrunk.setdefault(o.method, o)
    rows = []
    for cell in pp.cells:
        obs_list = probes.get(cell.method, [])
        mine = by_method.get(cell.method, [])
        first = obs_list[0] if obs_list else None
        final = first.final if first else None
        verdict, reason = _verdict(cell, obs_list, mine, final, ctx)
        withheld = bool(obs_list) and all(o.skipped and o.tag == WITHHELD_TAG for o in obs_list)
        if withheld and verdict == "skipped":  # no request (it could change data): what other answers prove
            verdict, reason = withheld_verdict(ctx, cell.method, reason)
        row = {
            "path": cell.path,
            "method": cell.method,
            "declared": cell.declared,
            "implied": cell.implied,
            "url": first.url if first and first.url else cell.url,
            "status": final.status if final else None,
            "statuses": [o.status for o in obs_list] if len(obs_list) > 1 else None,
            "allow": final.header("allow") if final else None,
            "redirects": len(first.chain) - 1 if first and first.chain else 0,
            "verdict": verdict,
            "reason": reason,
            "rules": sorted({f.rule for f in mine}) if mine else [],
        }
        if withheld:
            row["withheld"] = True
        if cell.method in shrunk:
            obs = shrunk[cell.method]
            row["shrunk"] = {"minimal_values": dict(obs.values), "status": obs.status}
        rows.append(row)
    return rows


def _findings_by_method(findings: list[Finding]) -> dict[str, list[Finding]]:
    """Each method's findings, in order: its own, and those grouped over methods that were ``seen_on`` it."""
    out: dict[str, list[Finding]] = {}
    for f in findings:
        methods = [] if f.method is None else [f.method]
        for m in f.evidence.get("seen_on") or ():
            if m not in methods:
                methods.append(m)
        for m in methods:
            out.setdefault(m, []).append(f)
    return out


def _verdict(cell, obs_list: list[Observation], mine: list[Finding], final, ctx: PathContext) -> tuple[str, str | None]:
    """A cell's verdict and its reason, from its probes' observations and the findings on its method."""
    if not mine and len(obs_list) == 1:  # the common case: one probe, no finding
        obs = obs_list[0]
        if obs.skipped:
            return "skipped", obs.skipped
        if final is not None and final.status is None:
            return "no-answer", final.error
        if final is not None and (cell.method, obs.example) in ctx.inconclusive:
            return "inconclusive", ctx.inconclusive[(cell.method, obs.example)]
        return "ok", ""
    answered = [o for o in obs_list if not o.skipped and o.final is not None and o.final.status is not None]
    if mine and not answered and all(f.rule == "request-failed" for f in mine):
        # the finding says it too; the verdict keeps the documented name
        return "no-answer", final.error if final and final.error else "no HTTP answer"
    if mine:
        return (max((f.severity for f in mine), key=lambda s: SEVERITY_RANK.get(s, 0)),
                "; ".join(sorted({f.rule for f in mine})))
    if not obs_list or all(o.skipped for o in obs_list):
        return "skipped", next((o.skipped for o in obs_list if o.skipped), "not probed")
    if all(o.final is not None and o.final.status is None for o in obs_list if not o.skipped):
        return "no-answer", final.error if final else ""
    if all((cell.method, o.example) in ctx.inconclusive for o in answered) and answered:
        # with --examples N, one example judged ok is enough for an ok cell
        return "inconclusive", next(ctx.inconclusive[(cell.method, o.example)] for o in obs_list
                                    if (cell.method, o.example) in ctx.inconclusive)
    return "ok", ""


def worst(findings: list[Finding]) -> str | None:
    if not findings:
        return None
    return max((f.severity for f in findings), key=lambda s: SEVERITY_RANK.get(s, 0))


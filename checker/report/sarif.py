"""SARIF 2.1.0 (``--sarif``): findings as code-scanning alerts on the API description itself.

One ``reportingDescriptor`` per rule of the registry (name, short and full description, help
text and URI, default level); one ``result`` per finding, located on the spec file: the line
and column of the operation when the method is declared, of the path item otherwise (undeclared
methods, path-level findings). File URIs are relative to the working directory the run was
started in, which is what GitHub code scanning resolves against the repository root.
Ignored findings are included with an external suppression carrying the ignore reason;
under ``--baseline`` every result has a ``baselineState`` (``new`` or ``unchanged``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..rules import RULES
from ..rules.base import Finding
from .common import carried_text, finding_methods, ordered
from .model import Report

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
INFORMATION_URI = "https://github.com/conform405/conform405"


def render(report: Report) -> str:
    rule_ids = list(RULES)
    for f in report.findings + [f for f, _ in report.ignored]:
        if f.rule not in rule_ids:  # a rule this version no longer knows (re-rendered report)
            rule_ids.append(f.rule)
    index = {rid: n for n, rid in enumerate(rule_ids)}
    results = [_result(report, f, index, None) for f in ordered(report.findings)]
    results += [_result(report, f, index, reason) for f, reason in report.ignored]
    artifacts: list[str] = []
    for r in results:
        for loc in r.get("locations", ()):
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            if uri not in artifacts:
                artifacts.append(uri)
    for r in results:
        for loc in r.get("locations", ()):
            art = loc["physicalLocation"]["artifactLocation"]
            art["index"] = artifacts.index(art["uri"])
    invocation: dict[str, Any] = {"executionSuccessful": report.incomplete is None}
    if report.started:
        invocation["startTimeUtc"] = _utc(report.started)
    if report.incomplete:
        invocation["toolExecutionNotifications"] = [{"level": "warning", "message": {"text": f"incomplete run: {report.incomplete}"}}]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "conform405",
            "version": str(report.tool.get("version", "")),
            "semanticVersion": str(report.tool.get("version", "")),
            "informationUri": INFORMATION_URI,
            "rules": [_rule(rid) for rid in rule_ids],
        }},
        "automationDetails": {"id": f"conform405/{report.spec.get('file') or report.spec.get('location') or 'spec'}/"},
        "invocations": [invocation],
        "artifacts": [{"location": {"uri": uri}} for uri in artifacts],
        "results": results,
        "properties": {"target": report.target.get("base_url"), "summary": report.summary},
    }
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n"


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES.get(rule_id)
    if rule is None:
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    full = f"{rule.summary} {rule.why}"
    help_text = (f"{rule.summary}\n\nWhy it matters: {rule.why}\n\nReference: {rule.rfc}\n\n"
                 f"Example:\n{rule.example}\n\nFix: {rule.fix}")
    help_md = (f"**{rule.title}** ({rule.rfc})\n\n{rule.summary}\n\n**Why it matters.** {rule.why}\n\n"
               f"**Example.**\n\n```\n{rule.example}\n```\n\n**Fix.** {rule.fix}\n\n"
               f"`conform405 explain {rule.id}` prints this text.")
    return {
        "id": rule.id,
        "name": _pascal(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": full},
        "help": {"text": help_text, "markdown": help_md},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVEL.get(rule.severity, "warning")},
        "properties": {"tags": ["api", "openapi", "http-methods", rule.family], "precision": "high",
                       "reference": rule.rfc},
    }


def _result(report: Report, f: Finding, index: dict[str, int], ignore_reason: str | None) -> dict[str, Any]:
    where = "the path" if not f.method else f"{f.method}"
    text = f"{f.method + ' ' if f.method else ''}{f.path}: {f.message}"
    if (carried := carried_text(f)) is not None:
        text += f" — {carried}"
    if f.reproduce:
        text += f" — reproduce: {f.reproduce}"
    if f.stack_fix:  # the fix in the recognised stack's own terms (checker/stacks/)
        from ..stacks import stack_label

        text += f" — fix ({stack_label(f)}): {f.stack_fix}"
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": LEVEL.get(f.severity, "warning"),
        "message": {"text": text},
        "partialFingerprints": {"conform405/v1": f.fingerprint},
        "properties": {"path": f.path, "method": f.method, "methods": finding_methods(f), "severity": f.severity,
                       "confidence": f.confidence, "reproduce": f.reproduce, "anchor": where},
    }
    if f.stack:
        out["properties"]["stack"] = f.stack
    if f.stack_fix:
        out["properties"]["stackFix"] = f.stack_fix
    if f.inferred_from:
        out["properties"]["inferredFrom"] = f.inferred_from
    if f.server_level:  # one finding for the server: the paths it was seen on, and those asked
        out["properties"]["paths"] = f.evidence.get("paths") or [f.path]
        out["properties"]["probed"] = f.evidence.get("probed") or []
    loc = report.location_of(f)
    if loc and loc.get("file"):
        physical: dict[str, Any] = {"artifactLocation": {"uri": loc["file"]}}
        if loc.get("line"):
            physical["region"] = {"startLine": loc["line"], "startColumn": loc.get("column") or 1}
        logical = {"name": f"{f.method} {f.path}" if f.method else f.path, "kind": "member" if f.method else "namespace"}
        if loc.get("pointer") is not None:
            logical["fullyQualifiedName"] = loc["pointer"] or "/"
        out["locations"] = [{"physicalLocation": physical, "logicalLocations": [logical]}]
    if ignore_reason is not None:
        out["suppressions"] = [{"kind": "external", "status": "accepted", "justification": ignore_reason}]
    new = report.is_new(f)
    if new is not None and ignore_reason is None:
        out["baselineState"] = "new" if new else "unchanged"
    return out


def _pascal(rule_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", rule_id) if part)


def _utc(started: str) -> str:
    """ISO 8601 with a Z (SARIF's dateTime), from the report's ``started`` (an aware ISO string)."""
    from datetime import datetime, timezone

    try:
        dt = datetime.fromisoformat(started)
    except ValueError:
        return started
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")

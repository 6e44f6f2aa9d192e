"""Markdown (``--markdown``): a compact summary for a pull-request comment.

The verdict and counts first, then the findings that matter (only the *new* ones under a
baseline, plus the fixed ones), the ignored findings with their reasons, and the path ×
method matrix (folded in a ``<details>`` block). Capped so it stays under GitHub's comment
size limit; the JSON report has everything.
"""

from __future__ import annotations

from typing import Any

from ..rules.base import Finding
from .common import alike_groups, alike_text, carried_text, cell_label, fixed_findings, methods_of, ordered, rows_of
from .model import Report

MAX_FINDINGS = 50
MAX_PATHS = 150
SYMBOL = {"ok": "✅", "error": "❌", "warning": "⚠️", "info": "ℹ️", "inconclusive": "❔", "no-answer": "💤", "skipped": "➖"}


def esc(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str("" if text is None else text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


_VERDICT = {"pass": "✅ PASS", "findings": "❌ FAIL", "unjudged": "❌ NOT JUDGED", "unhealthy": "❌ UNHEALTHY",
            "incomplete": "⚠️ INCOMPLETE"}


def render(report: Report) -> str:
    s = report.summary
    sev = s["by_severity"]
    out: list[str] = []
    title = report.spec.get("title") or report.spec.get("location") or "spec"
    verdict = _VERDICT[report.outcome().status]
    out.append(f"### conform405: {verdict} — {esc(title)}")
    out.append("")
    line = (f"**{s['findings']}** finding(s): {sev.get('error', 0)} error, {sev.get('warning', 0)} warning, "
            f"{sev.get('info', 0)} info · {s['cells']} cells on {s['paths']} paths · {s['requests']} requests")
    if s["cells"]:
        line += f" · {s['judged']} judged"
        for key, label in (("inconclusive", "inconclusive"), ("no_answer", "no answer"), ("skipped", "skipped")):
            if s[key]:
                line += f" · {s[key]} {label}"
    if report.ignored:
        line += f" · {len(report.ignored)} ignored"
    out.append(line)
    if report.baseline is not None:
        out.append("")
        out.append(f"Baseline `{esc(report.baseline.get('file', ''))}`: **{s['new']} new**, {s['persisting']} persisting, "
                   f"{s['fixed']} fixed" + (f", {len(report.baseline.get('unverified', ()))} not rechecked"
                                             if report.baseline.get("unverified") else ""))
    target = report.target.get("base_url")
    out.append("")
    out.append(f"Spec `{esc(report.spec.get('file') or report.spec.get('location'))}` (OpenAPI {esc(report.spec.get('version'))})"
               + (f" against `{esc(target)}`" if target else "") + f" · fails on: {report.fail_on}")
    if report.incomplete:
        out += ["", f"> **Incomplete run:** {esc(report.incomplete)}"]

    if report.baseline is not None:
        new = [f for f in report.findings if report.is_new(f)]
        out += _findings_table("New findings", new)
        fixed = fixed_findings(report)
        if fixed:
            out += ["", f"#### Fixed since the baseline ({len(fixed)})", "", "| severity | rule | method | path | message |",
                    "|---|---|---|---|---|"]
            for f in fixed[:MAX_FINDINGS]:
                out.append(f"| {esc(f.get('severity'))} | `{esc(f.get('rule'))}` | {esc(f.get('method') or '*')} | "
                           f"`{esc(f.get('path'))}` | {esc(f.get('message'))} |")
    else:
        out += _findings_table("Findings", report.findings)

    if report.ignored:
        out += ["", f"#### Ignored by configuration ({len(report.ignored)})", "", "| rule | method | path | reason |", "|---|---|---|---|"]
        for f, reason in report.ignored[:MAX_FINDINGS]:
            out.append(f"| `{esc(f.rule)}` | {esc(f.method or '*')} | `{esc(f.path)}` | {esc(reason)} |")

    out += ["", *_matrix(report)]
    out += ["", "<sub>declared: `405` · undeclared: `(405)` · ✅ ok ❌ error ⚠️ warning ℹ️ info ❔ inconclusive "
            "💤 no answer ➖ skipped · `conform405 explain RULE` documents a rule</sub>", ""]
    return "\n".join(out)


def _findings_table(heading: str, findings: list[Finding]) -> list[str]:
    out = ["", f"#### {heading} ({len(findings)})"]
    if not findings:
        out += ["", "None."]
        return out
    out += ["", "| severity | rule | method | path | message |", "|---|---|---|---|---|"]
    items = ordered(findings)
    entries = alike_groups(items)  # a finding alike on other paths: one row naming them
    for f, others in entries[:MAX_FINDINGS]:
        methods = f.evidence.get("seen_on")
        method = ", ".join(methods) if methods else (f.method or "*")
        alike = f" *({esc(alike_text(others))})*" if others else ""
        out.append(f"| {SYMBOL.get(f.severity, '')} {f.severity} | `{esc(f.rule)}` | {esc(method)} | `{esc(f.path)}` | "
                   f"{esc(f.message)}{_carried(f)}{alike} |")
    if len(entries) > MAX_FINDINGS:
        hidden = sum(1 + len(others) for _, others in entries[MAX_FINDINGS:])
        out.append(f"\n… and {hidden} more (see the JSON report).")
    out += _stack_fixes([f for f, _ in entries[:MAX_FINDINGS]])
    return out


def _stack_fixes(findings: list[Finding]) -> list[str]:
    """Each rule's fix in the recognised stack's own terms, once per rule and stack (checker/stacks/)."""
    from ..stacks import stack_label

    seen: dict[tuple[str, str], Finding] = {}
    for f in findings:
        if f.stack_fix and (f.rule, f.stack_fix) not in seen:
            seen[(f.rule, f.stack_fix)] = f
    if not seen:
        return []
    out = ["", "**Fixes for the stack that answered**", ""]
    for (rule, text), f in seen.items():
        out.append(f"- `{esc(rule)}` ({esc(stack_label(f))}): {text.replace(chr(10), ' ')}")
    return out


def _matrix(report: Report) -> list[str]:
    methods = methods_of(report)
    rows = rows_of(report)
    if not rows:
        return []
    paths = list(rows)
    if len(paths) > MAX_PATHS:
        bad = [p for p in paths if any(c["verdict"] not in ("ok", "skipped") for c in rows[p].values())]
        paths = bad[:MAX_PATHS]
    out = [f"<details{' open' if len(paths) <= 12 else ''}><summary>Path × method matrix ({len(rows)} paths)</summary>", "",
           "| path | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for p in paths:
        cells = []
        for m in methods:
            c = rows[p].get(m)
            cells.append("" if c is None else f"{cell_label(c)} {SYMBOL.get(c['verdict'], '')}")
        out.append(f"| `{esc(p)}` | " + " | ".join(cells) + " |")
    if len(paths) < len(rows):
        out.append(f"\n{len(rows) - len(paths)} path(s) with every cell ok are not shown.")
    out += ["", "</details>"]
    return out


def _carried(f: Finding) -> str:
    text = carried_text(f)
    return f" *({esc(text)})*" if text else ""

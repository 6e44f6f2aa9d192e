"""JUnit XML (``--junit``): what Jenkins, GitLab and GitHub test reporters read.

One ``testsuite`` per path, one ``testcase`` per (path, method) cell (``classname`` is the
path, ``name`` the method). Every finding at or above the run's ``--fail-on`` threshold that
counts (all of them, or only the new ones under ``--baseline``) is a ``failure`` of its cell;
a cell with no HTTP answer is an ``error`` (it could not be judged at all); an inconclusive or
skipped cell is ``skipped`` with the reason; the other findings (below
the threshold, known from the baseline) are listed in the cell's ``system-out``. Path-level
findings (no single method, or a method that is not a cell of the matrix such as a made-up
method token) get a testcase named ``(path)``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ..rules import RULES
from ..rules.base import Finding
from .common import carried_text, finding_methods, findings_by_cell, rows_of, xml_safe
from .model import Report


def render(report: Report) -> str:
    failing = {id(f) for f in report.failing(report.fail_on)}
    new = report.is_new
    by_cell, path_level = findings_by_cell(report.findings)
    root = ET.Element("testsuites", name="conform405")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    spec_name = report.spec.get("title") or report.spec.get("location") or "spec"
    for path, cells in rows_of(report).items():
        suite = ET.SubElement(root, "testsuite", name=xml_safe(f"{spec_name}: {path}"))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        cases: list[tuple[str, dict[str, Any] | None, list[Finding]]] = [
            (m, cell, by_cell.get((path, m), [])) for m, cell in cells.items()]
        # findings about the whole path, or about a method that is not a cell (a made-up method token, an override)
        orphans = list(path_level.get(path, ())) + [
            f for f in report.findings if f.path == path and finding_methods(f) and not set(finding_methods(f)) & set(cells)]
        if orphans:
            cases.append(("(path)", None, orphans))
        for method, cell, findings in cases:
            case = ET.SubElement(suite, "testcase", classname=xml_safe(path), name=method)
            counts["tests"] += 1
            out_lines: list[str] = []
            if cell is not None:
                out_lines.append(_cell_line(cell))
            fails = [f for f in findings if id(f) in failing]
            for f in fails:
                el = ET.SubElement(case, "failure", message=xml_safe(f.message), type=f.rule)
                el.text = xml_safe(_details(f))
            if fails:
                counts["failures"] += 1
            elif cell is not None and cell["verdict"] == "no-answer":
                # no HTTP answer: the cell could not be run at all, an error of the test, not a finding
                el = ET.SubElement(case, "error", message=xml_safe(f"no HTTP answer: {cell.get('reason') or ''}".rstrip(": ")),
                                   type="no-answer")
                el.text = xml_safe(_cell_line(cell))
                counts["errors"] += 1
            elif cell is not None and cell["verdict"] in ("inconclusive", "skipped"):
                ET.SubElement(case, "skipped", message=xml_safe(f"{cell['verdict']}: {cell.get('reason') or ''}".rstrip(": ")))
                counts["skipped"] += 1
            for f in findings:
                if id(f) in failing:
                    continue
                known = " (in the baseline)" if new(f) is False else ""
                out_lines.append(f"{f.severity}{known}: {f.rule}: {f.message}")
                if (carried := carried_text(f)) is not None:
                    out_lines.append(f"  ({carried})")
                if f.reproduce:
                    out_lines.append(f"  $ {f.reproduce}")
            for f, reason in report.ignored:
                mine = method in _methods(f) if method != "(path)" else not set(_methods(f)) & set(cells)
                if f.path == path and mine:
                    out_lines.append(f"ignored: {f.rule}: {f.message} (reason: {reason})")
            if out_lines:
                ET.SubElement(case, "system-out").text = xml_safe("\n".join(out_lines))
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", "0")
        if report.started:
            suite.set("timestamp", report.started[:19])
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("time", f"{report.duration_s:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _methods(f: Finding) -> list[str]:
    return finding_methods(f)


def _cell_line(cell: dict[str, Any]) -> str:
    kind = "declared" if cell.get("declared") else (f"implied by {cell['implied']}" if cell.get("implied") else "undeclared")
    allow = f", Allow: {cell['allow']}" if cell.get("allow") is not None else ""
    reason = f" ({cell['reason']})" if cell.get("reason") else ""
    return f"{cell['method']} {cell.get('url') or cell['path']} [{kind}] -> {cell.get('status')}{allow}: {cell['verdict']}{reason}"


def _details(f: Finding) -> str:
    lines = [f"{f.rule} ({f.severity}): {f.message}"]
    if (carried := carried_text(f)) is not None:
        lines.append(carried)
    resp = f.evidence.get("response") or {}
    if "status" in resp:
        hdrs = resp.get("headers") or {}
        shown = ", ".join(f"{k}: {v}" for k, v in hdrs.items() if k in ("allow", "location", "content-type"))
        lines.append(f"answer: {resp['status']}" + (f" ({shown})" if shown else ""))
    for hop in f.evidence.get("chain") or ():
        lines.append(f"  {hop.get('method')} {hop.get('url')} -> {hop.get('status', hop.get('error'))}")
    if f.reproduce:
        lines.append(f"reproduce: {f.reproduce}")
    rule = RULES.get(f.rule)
    if rule:
        lines.append(f"fix: {rule.fix}")
    if f.stack_fix:
        from ..stacks import stack_label

        lines.append(f"fix ({stack_label(f)}): {f.stack_fix}")
    if rule:
        lines.append(f"see: conform405 explain {f.rule} ({rule.help_uri})")
    return "\n".join(lines)

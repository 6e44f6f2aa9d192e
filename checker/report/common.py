"""Helpers the report formats share: cells, findings per cell, ordering, text clean-up."""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..rules.base import Finding
from ..text import plural as _n
from .model import SEVERITY_RANK, Report

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: Any) -> str:
    """Text with the characters XML 1.0 cannot carry (NUL, most C0 controls) replaced by U+FFFD."""
    return _XML_BAD.sub("\ufffd", "" if text is None else str(text))


def methods_of(report: Report) -> list[str]:
    out: list[str] = []
    for cell in report.matrix:
        if cell["method"] not in out:
            out.append(cell["method"])
    return out


def rows_of(report: Report) -> dict[str, dict[str, dict[str, Any]]]:
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for cell in report.matrix:
        rows.setdefault(cell["path"], {})[cell["method"]] = cell
    return rows


def carried_text(f: Finding) -> str | None:
    """How a finding made from a carried-over answer says so (checker/adaptive.py), and the paths a server-level
    finding was seen on, asked or inferred (checker/judge.py, ``fold_server_level``); or None."""
    paths = f.evidence.get("paths")
    if isinstance(paths, list) and len(paths) > 1:
        probed = f.evidence.get("probed") or []
        named = ", ".join(paths[:MAX_ALIKE_NAMED]) + (f" and {len(paths) - MAX_ALIKE_NAMED} more" if len(paths) > MAX_ALIKE_NAMED else "")
        how = ("each path asked" if len(probed) >= len(paths) else
               f"asked of {len(probed)} paths, the other {len(paths) - len(probed)} inferred: the server answers before "
               "routing, --exhaustive asks each")
        shown = f"; the answer shown is the one {f.inferred_from} got, carried over" if f.inferred_from else ""
        return f"{how}: {named}{shown}"
    if not f.inferred_from:
        return None
    return (f"inferred: the answer {f.inferred_from} got, carried over (the server answers before routing); "
            "not sent to this path, --exhaustive sends it")


def alike_groups(items: list[Finding], new: set[str] | None = None) -> list[tuple[Finding, list[Finding]]]:
    """A rule's findings as report entries: ``(finding, the later findings that say the same of other paths)``.
    Alike: the same method, message, severity and confidence, an answer of the same status, carried over from the
    same path or sent (and new under a baseline, or not). A server's parser that refuses a made-up method with 400
    says so on every path: one entry naming the paths, not one entry per path (the terminal and Markdown reports;
    the others keep every finding)."""
    groups: dict[tuple, tuple[Finding, list[Finding]]] = {}
    for f in items:
        status = (f.evidence.get("response") or {}).get("status")
        key = (f.method, f.message, f.severity, f.confidence, status, f.inferred_from,
               new is not None and f.fingerprint in new)
        if key in groups:
            groups[key][1].append(f)
        else:
            groups[key] = (f, [])
    return list(groups.values())


#: paths an entry names of those alike (:func:`alike_groups`); the rest are counted
MAX_ALIKE_NAMED = 5


def alike_text(others: list[Finding]) -> str:
    """``the same on 12 more paths: /a, /b, /c, /d, /e and 7 more``."""
    named = ", ".join(o.path for o in others[:MAX_ALIKE_NAMED])
    rest = f" and {len(others) - MAX_ALIKE_NAMED} more" if len(others) > MAX_ALIKE_NAMED else ""
    return f"the same on {_n(len(others), 'more path')}: {named}{rest}"


def finding_methods(f: Finding) -> list[str]:
    """The cells a finding belongs to: its method and every method it was also seen on."""
    seen = list(f.evidence.get("seen_on") or ())
    if f.method and f.method not in seen:
        seen.insert(0, f.method)
    return seen


def findings_by_cell(findings: Iterable[Finding]) -> tuple[dict[tuple[str, str], list[Finding]], dict[str, list[Finding]]]:
    """``({(path, method): findings}, {path: path-level findings})``."""
    cells: dict[tuple[str, str], list[Finding]] = {}
    path_level: dict[str, list[Finding]] = {}
    for f in findings:
        methods = finding_methods(f)
        if not methods:
            path_level.setdefault(f.path, []).append(f)
        for m in methods:
            cells.setdefault((f.path, m), []).append(f)
    return cells, path_level


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.rule, f.path, f.method or ""))


def cell_label(cell: dict[str, Any]) -> str:
    """``405`` for a declared cell, ``(405)`` for an undeclared one, ``—`` when nothing came back."""
    status = str(cell["status"]) if cell.get("status") is not None else "—"
    return status if (cell.get("declared") or cell.get("implied")) else f"({status})"


def fixed_findings(report: Report) -> list[dict[str, Any]]:
    if not report.baseline:
        return []
    return list(report.baseline.get("fixed_findings", ()))


#: the first word of the summary line, by outcome (checker/report/outcome.py), and its style in a terminal
STATUS_WORD = {"pass": ("PASS", "bold green"), "findings": ("FAIL", "bold red"), "unjudged": ("NOT JUDGED", "bold red"),
               "unhealthy": ("UNHEALTHY", "bold red"), "incomplete": ("INCOMPLETE", "bold yellow")}


def summary_parts(report: Report, fail_on: str) -> list[tuple[str, str]]:
    """The summary line as ``(text, style)`` parts (style "" for none): styled by the terminal report, or joined as
    plain text where nothing else is printed (``--quiet`` into a pipe or a CI log: no rich to import)."""
    s = report.summary
    sev = s["by_severity"]
    if report.kind == "run":
        word, style = STATUS_WORD[report.outcome().status]
        if (report.incomplete or "").startswith("interrupted"):  # Ctrl-C: never read as a verdict on the API
            word, style = "INTERRUPTED", "bold yellow"
    else:
        failing = report.failing(fail_on)
        word, style = ("FAIL", "bold red") if failing else ("PASS", "bold green")
    parts = [(word, style), (
        f"  {_n(s['findings'], 'finding')}: {_n(sev.get('error', 0), 'error')}, {_n(sev.get('warning', 0), 'warning')}, {sev.get('info', 0)} info"
        f" · {_n(s['cells'], 'cell')} on {_n(s['paths'], 'path')} · {_n(s['requests'], 'request')} in {s['duration_s']:.1f}s", "")]
    if report.kind == "run" and s["cells"]:
        parts.append((f" · {s['judged']} judged", ""))
        for key, label in (("inconclusive", "inconclusive"), ("no_answer", "no answer"), ("skipped", "skipped")):
            if s[key]:
                parts.append((f" · {s[key]} {label}", ""))
    if report.baseline is not None:
        parts.append((f" · baseline: {s['new']} new, {s['persisting']} persisting, {s['fixed']} fixed", ""))
    if report.ignored:
        parts.append((f" · {len(report.ignored)} ignored", ""))
    if report.incomplete and word != "INTERRUPTED":  # the first word says it already
        parts.append((f" · INCOMPLETE: {report.incomplete}", "bold yellow"))
    return parts


def summary_text(report: Report, fail_on: str) -> str:
    """The summary line as plain text, on one line."""
    return "".join(part for part, _ in summary_parts(report, fail_on))

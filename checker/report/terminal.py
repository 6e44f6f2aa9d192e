"""The terminal report (the default): the path × method matrix, then the findings grouped by rule.

Uses rich for colour, tables and wrapping; plain symbols keep it readable without colour
(``NO_COLOR``, pipes, CI logs).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from ..rules import RULES
from ..text import plural as _n
from .common import alike_groups, alike_text, carried_text, summary_parts
from .model import Report

VERDICT_STYLE = {
    "ok": ("green", "✓"),
    "error": ("bold red", "✗"),
    "warning": ("yellow", "!"),
    "info": ("cyan", "i"),
    "inconclusive": ("blue", "?"),
    "no-answer": ("magenta", "×"),
    "skipped": ("dim", "-"),
}
MAX_MATRIX_PATHS = 60
#: entries shown per rule (an entry: a finding and those alike on other paths, report/common.py)
MAX_ENTRIES = 50


def print_report(report: Report, console: Console, *, quiet: bool = False, fail_on: str = "error") -> None:
    if not quiet:
        if report.matrix:
            console.print(matrix_table(report))
        if report.findings:
            console.print(findings_view(report))
        if report.baseline is not None:
            console.print(baseline_view(report))
        if report.ignored:
            console.print(ignored_view(report))
        for note in report.notes:
            console.print(f"[dim]note:[/dim] {escape(note)}")
        if report.kind == "run":
            unjudged = unjudged_view(report)
            if unjudged is not None:
                console.print(unjudged)
    console.print(summary_line(report, fail_on))


_KIND_TITLE = {"no_answer": "no HTTP answer (×)", "inconclusive": "inconclusive (?)", "skipped": "skipped (-)"}


def unjudged_view(report: Report) -> Any:
    """The cells that were not judged, counted by reason, with one example each: never silent."""
    reasons = report.outcome().reasons
    if not reasons:
        return None
    parts: list[Any] = []
    for kind in ("no_answer", "inconclusive", "skipped"):
        groups = reasons.get(kind) or []
        if not groups:
            continue
        total = sum(g["count"] for g in groups)
        style = VERDICT_STYLE["no-answer" if kind == "no_answer" else kind][0]
        parts.append(Text(f"not judged: {_n(total, 'cell')} {_KIND_TITLE[kind]}", style=f"{style} bold"))
        for g in groups[:8]:
            ex = g.get("example") or {}
            line = Text(f"  {g['count']:>5}  {g['reason']}")
            detail = ex.get("detail") if kind == "no_answer" and ex.get("detail") != g["reason"] else None
            line.append(f"   e.g. {ex.get('method')} {ex.get('url') or ex.get('path')}"
                        + (f" ({detail})" if detail else ""), style="dim")
            parts.append(line)
        if len(groups) > 8:
            parts.append(Text(f"  … and {_n(len(groups) - 8, 'more reason')} (JSON summary.outcome.unjudged_reasons)", style="dim"))
    parts.append(Text(""))
    return Group(*parts)


def matrix_table(report: Report) -> Any:
    methods: list[str] = []
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for cell in report.matrix:
        if cell["method"] not in methods:
            methods.append(cell["method"])
        rows.setdefault(cell["path"], {})[cell["method"]] = cell
    paths = list(rows)
    hidden = 0
    if len(paths) > MAX_MATRIX_PATHS:
        interesting = [p for p in paths if any(c["verdict"] in ("error", "warning", "info", "no-answer") for c in rows[p].values())]
        hidden = len(paths) - len(interesting[:MAX_MATRIX_PATHS])
        paths = interesting[:MAX_MATRIX_PATHS]
    table = Table(title="Path × method (declared: plain status · undeclared: (status))", title_justify="left",
                  show_lines=False, pad_edge=False, box=None, header_style="bold")
    table.add_column("path", overflow="fold", max_width=48)
    for m in methods:
        table.add_column(m, justify="center", no_wrap=True)
    for path in paths:
        cells = []
        for m in methods:
            cell = rows[path].get(m)
            if cell is None:
                cells.append(Text(""))
                continue
            style, symbol = VERDICT_STYLE.get(cell["verdict"], ("", "?"))
            status = str(cell["status"]) if cell["status"] is not None else "—"
            label = status if (cell["declared"] or cell["implied"]) else f"({status})"
            cells.append(Text(f"{label}{symbol}", style=style))
        table.add_row(Text(path), *cells)
    legend = Text("✓ ok  ✗ error  ! warning  i info  ? inconclusive (an answer that cannot tell, e.g. 404 for a generated id; "
                  "reasons below)  × no HTTP answer  - skipped (not sent)", style="dim")
    parts: list[Any] = [table, legend]
    if hidden:
        parts.append(Text(f"{_n(hidden, 'path')} without findings not shown (see --json/--html for the whole matrix)", style="dim"))
    return Group(*parts, Text(""))


def findings_view(report: Report) -> Any:
    by_rule: dict[str, list] = {}
    for f in report.findings:
        by_rule.setdefault(f.rule, []).append(f)
    new = set(report.baseline.get("new", ())) if report.baseline else None
    parts: list[Any] = []
    order = {"error": 0, "warning": 1, "info": 2}
    for rule_id, items in sorted(by_rule.items(), key=lambda kv: (order.get(kv[1][0].severity, 3), kv[0])):
        rule = RULES.get(rule_id)
        style = VERDICT_STYLE.get(items[0].severity, ("", ""))[0]
        head = Text()
        head.append(f"{rule_id}", style=f"{style} bold")
        head.append(f"  {items[0].severity} · {_n(len(items), 'finding')}")
        if rule:
            head.append(f" · {rule.title} · {rule.rfc}", style="dim")
        parts.append(head)
        entries = alike_groups(items, new)
        for f, others in entries[:MAX_ENTRIES]:
            line = Text("  ")
            if new is not None:
                line.append("NEW " if f.fingerprint in new else "    ", style="bold magenta" if f.fingerprint in new else "")
            line.append(f"{f.method or '*':7} {f.path}", style="bold")
            line.append(f"  {f.message}")
            if f.confidence == "low":
                line.append("  (low confidence)", style="dim")
            if (carried := carried_text(f)) is not None:
                line.append(f"  ({carried})", style="dim")
            parts.append(line)
            resp = f.evidence.get("response")
            if resp and "status" in resp:
                hdrs = resp.get("headers", {})
                shown = {k: v for k, v in hdrs.items() if k in ("allow", "location", "content-type", "server")}
                parts.append(Text(f"      ← {resp['status']} " + "  ".join(f"{k}: {v}" for k, v in shown.items()), style="dim"))
            if f.reproduce:
                parts.append(Text(f"      $ {f.reproduce}", style="dim cyan", overflow="fold"))
            if others:
                parts.append(Text(f"      {alike_text(others)} (the JSON report has each with its request)", style="dim"))
        if len(entries) > MAX_ENTRIES:
            hidden = sum(1 + len(others) for _, others in entries[MAX_ENTRIES:])
            parts.append(Text(f"  … and {hidden} more (see the JSON report)", style="dim"))
        if rule:
            parts.append(Text(f"  fix: {rule.fix}", style="italic"))
        parts.extend(stack_fix_lines(items))
        if rule:
            parts.append(Text(f"  more: conform405 explain {rule_id}", style="dim"))
        parts.append(Text(""))
    return Group(*parts)


def stack_fix_lines(items: list) -> list[Text]:
    """``fix (Django REST framework, from the 405 body "..."): ...``, once per stack fix among a rule's findings."""
    from ..stacks import stack_label

    seen: dict[str, Any] = {}
    for f in items:
        if f.stack_fix and f.stack_fix not in seen:
            seen[f.stack_fix] = f
    out = []
    for text, f in list(seen.items())[:4]:
        out.append(Text(f"  fix ({stack_label(f)}): {text}", style="italic"))
    return out


def baseline_view(report: Report) -> Any:
    b = report.baseline or {}
    parts: list[Any] = [Text(f"baseline {b.get('file', '')}: {len(b.get('new', ()))} new, {len(b.get('persisting', ()))} persisting, "
                             f"{len(b.get('fixed', ()))} fixed", style="bold")]
    for f in (b.get("fixed_findings") or [])[:50]:
        line = Text("  ")
        line.append("FIXED ", style="bold green")
        line.append(f"{f.get('method') or '*':7} {f.get('path')}", style="bold")
        line.append(f"  {f.get('rule')}: {f.get('message')}")
        parts.append(line)
    if b.get("unverified"):
        parts.append(Text(f"  {_n(len(b['unverified']), 'baseline finding')} not rechecked this run (cell not judged: "
                          "filtered out, not probed, no answer or an incomplete run); not counted as fixed", style="dim"))
    parts.append(Text(""))
    return Group(*parts)


def ignored_view(report: Report) -> Any:
    parts: list[Any] = [Text(f"ignored by configuration: {len(report.ignored)}", style="bold")]
    for f, reason in report.ignored[:50]:
        line = Text("  ")
        line.append(f"{f.method or '*':7} {f.path}", style="bold")
        line.append(f"  {f.rule}", style="dim")
        line.append(f"  reason: {reason}")
        parts.append(line)
    parts.append(Text(""))
    return Group(*parts)


def summary_line(report: Report, fail_on: str) -> Text:
    """The last line of the terminal report, styled (its words: checker/report/common.py's summary_parts)."""
    text = Text()
    for part, style in summary_parts(report, fail_on):
        text.append(part, style=style or None)
    return text

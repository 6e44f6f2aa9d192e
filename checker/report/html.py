"""HTML (``--html``): one self-contained, readable-at-a-glance file.

No network fetch of any kind: CSS and JavaScript are inlined, no fonts, no images.
The page shows the verdict and counts, the path × method matrix as a coloured grid
(declared cells solid and bold, undeclared cells dashed and in parentheses; the colour
is the verdict), filters by rule, severity, path and (under a baseline) new findings, and
every finding with its evidence: request, answer, headers, body excerpt, the redirect
chain and a ``curl`` line to reproduce it. Clicking a grid cell opens its first finding that the
filters show.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from ..rules import RULES
from ..rules.base import Finding
from .common import carried_text, cell_label, finding_methods, fixed_findings, methods_of, ordered, rows_of
from .model import Report

VERDICTS = ("ok", "error", "warning", "info", "inconclusive", "no-answer", "skipped")
HEADERS_SHOWN = ("allow", "location", "content-type", "content-length", "server", "www-authenticate", "retry-after")


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _asset(name: str) -> str:
    return resources.files("checker.report").joinpath(name).read_text(encoding="utf-8")


def render(report: Report) -> str:
    s = report.summary
    findings = ordered(report.findings)
    if report.baseline is not None:  # the new ones first
        findings.sort(key=lambda f: not report.is_new(f))
    ids = {id(f): f"f{n}" for n, f in enumerate(findings)}
    failing = report.failing(report.fail_on)
    title = report.spec.get("title") or report.spec.get("location") or "spec"
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
        f"<title>conform405 · {e(title)}</title>",
        f"<style>{_asset('html_report.css')}</style>",
        "</head><body>",
        _header(report, s, failing, title),
        "<main>",
        _filters(report, findings),
        '<h2>Path × method matrix</h2>',
        _grid(report, findings, ids),
        f'<h2>Findings <span class="muted">(<span id="shown">{len(findings)}</span> of {len(findings)} shown)</span></h2>',
    ]
    if not findings:
        parts.append('<p class="muted">No findings: every judged cell honours the spec and RFC 9110.</p>')
    parts.append('<p id="nomatch" class="hidden">No finding matches the filters.</p>')
    for f in findings:
        parts.append(_finding(report, f, ids[id(f)]))
    parts.append(_fixed(report))
    parts.append(_ignored(report))
    parts.append(_notes(report))
    parts.append("</main>")
    parts.append(f"<script>{_asset('html_report.js')}</script>")
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p) + "\n"


def _header(report: Report, s: dict[str, Any], failing: list[Finding], title: str) -> str:
    sev = s["by_severity"]
    verdict, word = {"pass": ("PASS", "PASS"), "findings": ("FAIL", "FAIL"), "unjudged": ("FAIL", "NOT JUDGED"),
                     "unhealthy": ("FAIL", "UNHEALTHY"), "incomplete": ("INCOMPLETE", "INCOMPLETE")}[report.outcome().status]
    counts = (f'<span><b>{s["findings"]}</b> finding(s)</span><span style="color:var(--err)">{sev.get("error", 0)} error</span>'
              f'<span style="color:var(--warn)">{sev.get("warning", 0)} warning</span>'
              f'<span style="color:var(--info)">{sev.get("info", 0)} info</span>'
              f'<span>{s["cells"]} cells on {s["paths"]} paths</span><span>{s["requests"]} requests in {s["duration_s"]:.1f}s</span>')
    inconclusive = s["verdicts"].get("inconclusive", 0)
    if inconclusive:
        counts += f'<span style="color:var(--inc)">{inconclusive} inconclusive</span>'
    if report.ignored:
        counts += f"<span>{len(report.ignored)} ignored</span>"
    out = [f'<header><h1><span class="verdict {verdict}">{word}</span>{e(title)}</h1>',
           f'<div class="counts">{counts}</div>',
           f'<div class="meta">spec <code>{e(report.spec.get("file") or report.spec.get("location"))}</code> '
           f'(OpenAPI {e(report.spec.get("version"))}) · target <code>{e(report.target.get("base_url"))}</code> · '
           f'started {e(report.started)} · fails on <b>{e(report.fail_on)}</b> · conform405 {e(report.tool.get("version"))}</div>']
    if report.baseline is not None:
        unverified = len(report.baseline.get("unverified", ()))
        out.append(f'<div class="meta">baseline <code>{e(report.baseline.get("file"))}</code>: <b>{s["new"]} new</b>, '
                   f'{s["persisting"]} persisting, {s["fixed"]} fixed' + (f", {unverified} not rechecked" if unverified else "") + "</div>")
    if report.incomplete:
        out.append(f'<div class="incomplete"><b>Incomplete run:</b> {e(report.incomplete)}</div>')
    result = report.outcome()
    if result.status in ("unjudged", "unhealthy"):
        hint = f" <i>{e(result.hint)}</i>" if result.hint else ""
        out.append(f'<div class="incomplete"><b>{word.capitalize()}:</b> {e(result.message)}{hint}</div>')
    out.append("</header>")
    return "\n".join(out)


def _filters(report: Report, findings: list[Finding]) -> str:
    rules = sorted({f.rule for f in findings})
    options = "".join(f'<option value="{e(r)}">{e(r)} ({sum(1 for f in findings if f.rule == r)})</option>' for r in rules)
    sev = "".join(f'<label><input type="checkbox" data-sev="{s}" checked> {s}</label>' for s in ("error", "warning", "info"))
    new = ('<label><input type="checkbox" id="f-new"> only new since the baseline</label>' if report.baseline is not None else "")
    return (f'<div class="filters"><label>rule <select id="f-rule"><option value="">all rules</option>{options}</select></label>'
            f'{sev}<label>path <input type="search" id="f-path" placeholder="filter paths"></label>{new}'
            '<button type="button" class="toggle" id="expand">expand all</button>'
            '<button type="button" class="toggle" id="collapse">collapse all</button></div>')


def _grid(report: Report, findings: list[Finding], ids: dict[int, str]) -> str:
    methods = methods_of(report)
    rows = rows_of(report)
    if not rows:
        return '<p class="muted">Nothing was probed.</p>'
    first: dict[tuple[str, str], str] = {}
    for f in findings:
        for m in finding_methods(f):
            first.setdefault((f.path, m), ids[id(f)])
    out = ['<div class="grid-wrap"><table class="grid" id="grid"><thead><tr><th class="path">path</th>']
    out += [f"<th>{e(m)}</th>" for m in methods]
    out.append("</tr></thead><tbody>")
    for path, cells in rows.items():
        out.append(f'<tr class="row" data-path="{e(path)}"><td class="path">{e(path)}</td>')
        for m in methods:
            c = cells.get(m)
            if c is None:
                out.append('<td></td>')
                continue
            kind = "declared" if (c.get("declared") or c.get("implied")) else "undeclared"
            tip = [f"{m} {path}", kind + (f" (implied by {c['implied']})" if c.get("implied") else ""),
                   f"verdict: {c['verdict']}" + (f" ({c['reason']})" if c.get("reason") else "")]
            if c.get("allow") is not None:
                tip.append(f"Allow: {c['allow']}")
            if c.get("redirects"):
                tip.append(f"{c['redirects']} redirect(s)")
            anchor = first.get((path, m), "")
            label = cell_label(c)
            inner = f'<a href="#{anchor}">{e(label)}</a>' if anchor else e(label)
            out.append(f'<td class="cell {kind} v-{e(c["verdict"])}" data-cell="{e(path)} {e(m)}" data-verdict="{e(c["verdict"])}" '
                       f'data-first="{anchor}" title="{e(chr(10).join(tip))}">{inner}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    legend = ['<div class="legend"><span class="cell declared v-ok" style="font-weight:700;border-color:rgba(31,35,40,.35)">200</span> declared',
              '<span class="cell undeclared v-ok" style="font-style:italic;border-style:dashed;border-color:rgba(31,35,40,.18)">(405)</span> undeclared ·']
    legend += [f'<span class="cell v-{v}">{v}</span>' for v in VERDICTS]
    legend.append("· the number is the final status code; click a cell to open its finding</div>")
    out.append(" ".join(legend))
    return "\n".join(out)


def _finding(report: Report, f: Finding, anchor: str) -> str:
    new = report.is_new(f)
    # a JSON list: a cell key ("path METHOD") contains a space, so no separator of plain text would do
    cells = json.dumps([f"{f.path} {m}" for m in finding_methods(f)], ensure_ascii=False)
    methods = f.evidence.get("seen_on")
    where = f"{', '.join(methods) if methods else (f.method or '(path)')} {f.path}"
    head = (f'<summary><span class="badge {e(f.severity)}">{e(f.severity)}</span>'
            + (' <span class="badge new">NEW</span>' if new else "")
            + f'<span class="where">{e(where)}</span>{e(f.message)} <span class="badge rule">{e(f.rule)}</span>'
            + (' <span class="muted">(low confidence)</span>' if f.confidence == "low" else "")
            + (f' <span class="muted">({e(carried)})</span>' if (carried := carried_text(f)) else "") + "</summary>")
    body = ['<div class="body">']
    rule = RULES.get(f.rule)
    if rule:
        body.append(f"<p><b>{e(rule.title)}</b> · {e(rule.rfc)} · <span class=\"muted\">{e(rule.summary)}</span></p>")
        body.append(f"<p><b>Fix:</b> {e(rule.fix)} <span class=\"muted\">(<code>conform405 explain {e(rule.id)}</code>)</span></p>")
    if f.stack:
        body.append(_stack(f))
    loc = report.location_of(f)
    if loc and loc.get("file"):
        line = f":{loc['line']}:{loc.get('column', 1)}" if loc.get("line") else ""
        body.append(f"<p class=\"muted\">in the spec: <code>{e(loc['file'])}{e(line)}</code> <code>{e(loc.get('pointer'))}</code></p>")
    req = f.evidence.get("request")
    if req:
        body.append("<h4>Request</h4>")
        body.append(f"<pre>{e(req.get('method'))} {e(req.get('url'))}" + "".join(
            f"\n{e(k)}: {e(v)}" for k, v in (req.get("headers") or {}).items()) + (f"\n\n{e(req['body'])}" if req.get("body") else "") + "</pre>")
    resp = f.evidence.get("response")
    if resp:
        body.append("<h4>Answer</h4>")
        if "status" in resp:
            rows = [("status", resp["status"])] + [(k, v) for k, v in (resp.get("headers") or {}).items() if k in HEADERS_SHOWN]
            body.append('<table class="kv">' + "".join(f"<tr><td>{e(k)}</td><td class=\"mono\">{e(v)}</td></tr>" for k, v in rows) + "</table>")
            if resp.get("body_excerpt"):
                body.append(f"<pre>{e(resp['body_excerpt'])}</pre>")
        elif resp.get("error"):
            body.append(f"<pre>{e(resp['error'])}</pre>")
    chain = f.evidence.get("chain")
    if chain:
        body.append("<h4>Redirect chain</h4>")
        body.append('<table class="chain"><tr><th>#</th><th>request</th><th>answer</th><th>Location</th></tr>' + "".join(
            f"<tr><td>{n}</td><td class=\"mono\">{e(hop.get('method'))} {e(hop.get('url'))}</td>"
            f"<td class=\"mono\">{e(hop.get('status', hop.get('error')))}</td>"
            f"<td class=\"mono\">{e((hop.get('headers') or {}).get('location', ''))}</td></tr>" for n, hop in enumerate(chain, 1)) + "</table>")
    extra = {k: v for k, v in f.evidence.items() if k not in ("request", "response", "chain")}
    if extra:
        body.append("<h4>Facts</h4>")
        body.append('<table class="kv">' + "".join(
            f"<tr><td>{e(k)}</td><td class=\"mono\">{e(_compact(v))}</td></tr>" for k, v in extra.items()) + "</table>")
    if f.reproduce:
        body.append("<h4>Reproduce</h4>")
        body.append(f'<div class="curl"><pre>{e(f.reproduce)}</pre><button type="button" class="copy" data-text="{e(f.reproduce)}">copy</button></div>')
    body.append(f'<p class="muted mono">fingerprint {e(f.fingerprint)}</p></div>')
    return (f'<details class="finding sev-{e(f.severity)}" id="{anchor}" data-rule="{e(f.rule)}" data-severity="{e(f.severity)}" '
            f'data-path="{e(f.path)}" data-new="{"1" if new else "0"}" data-cells="{e(cells)}">' + head + "\n".join(body) + "</details>")


def _stack(f: Finding) -> str:
    """The recognised stack, what identified it, and its own fix (checker/stacks/)."""
    stack = f.stack or {}
    evidence = "; ".join(str(x) for x in stack.get("evidence") or ())
    scope = {"answer": "this answer", "path": "this path's answers", "run": "other paths of this run"}.get(stack.get("scope"), "")
    head = (f'<p class="stack"><b>Stack:</b> {e(stack.get("stack"))} <span class="muted">({e(stack.get("confidence"))} confidence, '
            f'from {e(scope)}: {e(evidence)})</span></p>')
    if not f.stack_fix:
        return head
    return head + f'<p class="stack-fix"><b>Fix for {e(stack.get("stack"))}:</b> {_code(f.stack_fix)}</p>'


def _code(text: str) -> str:
    """Escaped text with its `backtick` spans as <code>."""
    parts = text.split("`")
    return "".join(f"<code>{e(p)}</code>" if n % 2 else e(p) for n, p in enumerate(parts))


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value) if value else "—"
    if isinstance(value, dict):
        return " · ".join(f"{k}: {_compact(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False, default=str)


def _fixed(report: Report) -> str:
    fixed = fixed_findings(report)
    if not fixed:
        return ""
    rows = "".join(f"<tr><td>{e(f.get('severity'))}</td><td><code>{e(f.get('rule'))}</code></td><td class=\"mono\">{e(f.get('method') or '*')}</td>"
                   f"<td class=\"mono\">{e(f.get('path'))}</td><td>{e(f.get('message'))}</td></tr>" for f in fixed)
    return (f"<h2>Fixed since the baseline ({len(fixed)})</h2><table class=\"list\"><tr><th>severity</th><th>rule</th><th>method</th>"
            f"<th>path</th><th>message</th></tr>{rows}</table>")


def _ignored(report: Report) -> str:
    if not report.ignored:
        return ""
    rows = "".join(f"<tr><td><code>{e(f.rule)}</code></td><td class=\"mono\">{e(f.method or '*')}</td><td class=\"mono\">{e(f.path)}</td>"
                   f"<td>{e(f.message)}</td><td>{e(reason)}</td></tr>" for f, reason in report.ignored)
    return (f"<h2>Ignored by configuration ({len(report.ignored)})</h2><table class=\"list\"><tr><th>rule</th><th>method</th>"
            f"<th>path</th><th>finding</th><th>reason</th></tr>{rows}</table>")


def _notes(report: Report) -> str:
    items = [e(n) for n in report.notes] + [e(f"{p.get('file') or ''}:{p.get('line') or ''} {p.get('pointer')}: {p.get('message')}")
                                           for p in report.spec_problems]
    if not items:
        return ""
    return "<h2>Notes</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"

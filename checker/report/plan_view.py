"""The dry run's terminal view: paths × methods as the plan sees them (nothing was sent).

Built to fit 80 columns: the URL prefix the paths are appended to is printed once (or, when
path-level servers differ, once per prefix with a short label), and each cell is one symbol.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..plan import PathPlan, Plan
from ..spec.paths import request_path
from ..text import plural as _n

MAX_ROWS = 200
DECLARED, IMPLIED, PROBED = "●", "○", "·"
WITHHELD = "⊘"  #: declared, but no request: it could change data (checker/writes.py)
MAX_WITHHELD_LINES = 50
#: The path column never gets narrower than this (long templates fold onto a second line).
PATH_MIN = 24


def url_prefix(pp: PathPlan) -> str:
    """The part of the path's probe URL in front of the template (the server URL the plan chose)."""
    path = request_path(pp.item.template)
    return pp.url[: len(pp.url) - len(path)] if pp.url.endswith(path) else pp.url


def short_names(methods: list[str], least: int = 3) -> list[str]:
    """The shortest prefixes (at least ``least`` characters) that still tell every method apart."""
    for k in range(least, max(map(len, methods), default=least) + 1):
        names = [m[:k] for m in methods]
        if len(set(names)) == len(names):
            return names
    return list(methods)


#: request kinds (Plan.request_counts) as countable nouns; a kind not listed is shown as it is named
KIND_NOUNS = {"cells": "cell", "controls": "control GET", "discovery": "discovery GET", "repeats": "repeat",
              "preflight": "CORS preflight", "head-raw": "raw HEAD", "unknown-method": "unknown-method probe",
              "slash-twin": "slash twin", "override": "override probe", "direct": "direct probe"}


def print_plan(plan: Plan, console: Console, probe_options: object | None = None) -> None:
    spec = plan.spec
    console.print(Text.assemble((spec.title or spec.location, "bold"),
                                f"  OpenAPI {spec.version} · {_n(len(spec.paths), 'path')} · {_n(spec.operation_count, 'operation')}"))
    console.print(f"probe set: {' '.join(plan.methods)}", markup=False)
    prefixes = [url_prefix(pp) for pp in plan.paths]
    ranked = [p for p, _ in Counter(prefixes).most_common()]
    labels = {p: str(i + 1) for i, p in enumerate(ranked)}
    if len(ranked) == 1:
        console.print(Text.assemble("URL prefix: ", (ranked[0] or "(none)", "bold"), " + path"))
    elif ranked:
        console.print("URL prefixes (column 'srv'):", markup=False)
        for p in ranked:
            console.print(Text.assemble(f"  [{labels[p]}] ", (p or "(none)", "bold")))
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1), collapse_padding=True,
                  show_edge=False)
    longest = max((len(pp.item.template) for pp in plan.paths[:MAX_ROWS]), default=4)
    fixed = (4 if len(ranked) > 1 else 0) + min(longest, PATH_MIN) + 1
    headers = list(plan.methods)
    if fixed + sum(len(m) + 1 for m in headers) > console.width:
        headers = short_names(headers)
        console.print("(method columns abbreviated to fit; the probe set above names them in full)", markup=False,
                      style="dim")
    table.add_column("path", overflow="fold", ratio=1, min_width=min(longest, PATH_MIN))
    if len(ranked) > 1:
        table.add_column("srv", justify="right", no_wrap=True)
    for header in headers:
        table.add_column(header, justify="center", no_wrap=True)
    for pp, prefix in list(zip(plan.paths, prefixes))[:MAX_ROWS]:
        row: list[Text | str] = [Text(pp.item.template)]
        if len(ranked) > 1:
            row.append(labels[prefix])
        for c in pp.cells:
            if c.withheld:
                row.append(Text(WITHHELD, style="bold yellow"))
            elif c.declared:
                row.append(Text(DECLARED, style="bold green"))
            elif c.implied:
                row.append(Text(IMPLIED, style="green"))
            else:
                row.append(Text(PROBED, style="dim"))
        table.add_row(*row)
    console.print(table)
    if len(plan.paths) > MAX_ROWS:
        console.print(f"… {_n(len(plan.paths) - MAX_ROWS, 'more path')} (--json - lists every cell)", markup=False, style="dim")
    declared = sum(1 for c in plan.cells if c.declared)
    implied = sum(1 for c in plan.cells if c.implied)
    withheld = [c for c in plan.cells if c.withheld]
    console.print(f"{DECLARED} declared  {IMPLIED} implied (HEAD through GET)  {PROBED} undeclared, probed"
                  + (f"  {WITHHELD} withheld" if withheld else ""), markup=False)
    by_reason: dict[str, list[str]] = {}
    for c in withheld:
        by_reason.setdefault(c.withheld or "", []).append(f"{c.method} {c.path}")
    for reason, names in by_reason.items():
        shown = ", ".join(names[:MAX_WITHHELD_LINES]) + (f", … {len(names) - MAX_WITHHELD_LINES} more"
                                                          if len(names) > MAX_WITHHELD_LINES else "")
        console.print(f"{WITHHELD} {len(names)} withheld: {reason.removeprefix('not sent: ')}", markup=False, style="yellow")
        console.print(f"  {shown}", markup=False)
    if any(c.redirect_probe for c in withheld):
        console.print("  (sent without a body where the safe probes show a bare slash redirect)", markup=False,
                      style="dim")
    counts = plan.request_counts(probe_options)
    kinds = ", ".join(_n(v, KIND_NOUNS.get(k, k)) if k in KIND_NOUNS else f"{v} {k}"
                      for k, v in counts.items() if k != "total" and v)
    console.print(f"{_n(len(plan.cells), 'cell')}: {declared} declared, {implied} implied, "
                  f"{len(plan.cells) - declared - implied} undeclared · this run sends at most {_n(counts['total'], 'request')} "
                  f"({kinds}; plus any redirect hops it follows; a run without --exhaustive asks the repeats, "
                  "twins, raw HEADs, unknown-method and override probes of a sample of paths and sends fewer)",
                  markup=False)
    for w in plan.warnings:
        console.print(Text.assemble(("note: ", "yellow"), w))

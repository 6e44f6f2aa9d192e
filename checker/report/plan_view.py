"""The dry run's terminal view: paths × methods as the plan sees them (nothing was sent)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..plan import Plan

MAX_ROWS = 200


def print_plan(plan: Plan, console: Console) -> None:
    spec = plan.spec
    console.print(f"[bold]{spec.title or spec.location}[/bold]  OpenAPI {spec.version} · {len(spec.paths)} paths · "
                  f"{spec.operation_count} operations · methods: {', '.join(plan.methods)}")
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("path", overflow="fold", max_width=50)
    for m in plan.methods:
        table.add_column(m, justify="center", no_wrap=True)
    table.add_column("url", overflow="fold")
    for pp in plan.paths[:MAX_ROWS]:
        cells = []
        for c in pp.cells:
            if c.declared:
                cells.append(Text("declared", style="bold green"))
            elif c.implied:
                cells.append(Text(f"via {c.implied}", style="green"))
            else:
                cells.append(Text("probe", style="dim"))
        table.add_row(pp.item.template, *cells, Text(pp.url, style="dim"))
    console.print(table)
    if len(plan.paths) > MAX_ROWS:
        console.print(f"[dim]… {len(plan.paths) - MAX_ROWS} more paths (use --json for all of them)[/dim]")
    declared = sum(1 for c in plan.cells if c.declared)
    implied = sum(1 for c in plan.cells if c.implied)
    console.print(f"{len(plan.cells)} cells: {declared} declared, {implied} implied, {len(plan.cells) - declared - implied} undeclared · "
                  f"a run sends {plan.requests} requests (plus any redirect hops it follows)")
    for w in plan.warnings:
        console.print(f"[yellow]note:[/yellow] {w}")

"""``conform405 diff OLD_SPEC NEW_SPEC``: what a new version of a spec changes about methods.

The method matrix of both versions side by side: methods added and removed per path, paths
added and removed, and paths *renamed* only by a trailing slash (``/items`` → ``/items/``) or
only by the names of their parameters (``/items/{id}`` → ``/items/{itemId}``), which are the
same route to a client yet a different key to the document.

With a live server (``--base-url``), each changed cell is probed through the library API and
judged against the NEW spec: an added method the server already serves, a removed method it
already refuses (405 with Allow), a renamed path it already routes "match"; the opposite
"does not match"; an answer that cannot tell (a 404 for a generated id, no answer) is
"unknown". A removed path matches when it answers 404 or 410 (on a path without parameters).
Only the changed cells are sent, plus the GET of the same path when it is declared (the
control that tells a missing resource from a missing route).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from typing import Any

from .spec.model import DEFAULT_PROBE_METHODS, Spec

ORDER = {m: n for n, m in enumerate(DEFAULT_PROBE_METHODS + ("QUERY",))}


@dataclass
class SpecDiff:
    old: dict[str, Any]
    new: dict[str, Any]
    methods: list[str]
    rows: list[dict[str, Any]]  #: one per path pair: old_path, path, change, methods {M: both|added|removed}
    changes: list[dict[str, Any]]  #: one per changed (path, method), renames and removed paths
    live: dict[str, Any] | None = None  #: {"base_url", "requests"} when checked against a server
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        count = lambda kind: sum(1 for c in self.changes if c["change"] == kind)  # noqa: E731
        out = {"paths_old": len([r for r in self.rows if r["old_path"]]), "paths_new": len([r for r in self.rows if r["path"]]),
               "methods_added": count("method-added"), "methods_removed": count("method-removed"),
               "paths_added": sum(1 for r in self.rows if r["change"] == "path-added"),
               "paths_removed": sum(1 for r in self.rows if r["change"] == "path-removed"),
               "paths_renamed": sum(1 for r in self.rows if r["change"].startswith("renamed")),
               "changes": len(self.changes)}
        if self.live is not None:
            for verdict in ("matches", "does not match", "unknown"):
                out[verdict.replace(" ", "_")] = sum(1 for c in self.changes if (c.get("live") or {}).get("verdict") == verdict)
        return out

    def to_dict(self) -> dict[str, Any]:
        from . import __version__

        out = {"schema_version": 1, "kind": "diff", "tool": {"name": "conform405", "version": __version__},
               "old": self.old, "new": self.new, "summary": self.summary, "methods": self.methods,
               "matrix": self.rows, "changes": self.changes}
        if self.live is not None:
            out["live"] = self.live
        if self.notes:
            out["notes"] = self.notes
        return out


def _info(spec: Spec) -> dict[str, Any]:
    from .spec.refs import display

    return {"location": spec.location, "file": display(spec.uri), "version": spec.version, "title": spec.title,
            "paths": len(spec.paths), "operations": spec.operation_count}


def _shape(template: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", template)


def compare(old: Spec, new: Spec) -> SpecDiff:
    old_map = {p.template: set(p.operations) for p in old.paths}
    new_map = {p.template: set(p.operations) for p in new.paths}
    pairs: list[tuple[str | None, str | None, str]] = []
    unmatched_old = [t for t in old_map if t not in new_map]
    unmatched_new = [t for t in new_map if t not in old_map]
    renamed: dict[str, tuple[str, str]] = {}
    for how, key in (("renamed (trailing slash)", lambda t: t.rstrip("/") or "/"),
                     ("renamed (parameter names)", _shape),
                     ("renamed (trailing slash and parameter names)", lambda t: _shape(t).rstrip("/") or "/")):
        for o in list(unmatched_old):
            twins = [n for n in unmatched_new if key(n) == key(o)]
            if len(twins) == 1:
                renamed[twins[0]] = (o, how)
                unmatched_old.remove(o)
                unmatched_new.remove(twins[0])
    for t in new_map:  # new document order, removed paths last
        if t in old_map:
            pairs.append((t, t, "same"))
        elif t in renamed:
            pairs.append((renamed[t][0], t, renamed[t][1]))
        else:
            pairs.append((None, t, "path-added"))
    pairs += [(o, None, "path-removed") for o in unmatched_old]
    all_methods = sorted({m for s in (*old_map.values(), *new_map.values()) for m in s}, key=lambda m: (ORDER.get(m, 99), m))
    rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for o, n, how in pairs:
        before = old_map.get(o, set()) if o else set()
        after = new_map.get(n, set()) if n else set()
        cells = {}
        for m in all_methods:
            if m in before and m in after:
                cells[m] = "both"
            elif m in after:
                cells[m] = "added"
            elif m in before:
                cells[m] = "removed"
        change = how
        if how == "same":
            change = "changed" if before != after else "unchanged"
        rows.append({"old_path": o, "path": n, "change": change, "methods": cells})
        if how.startswith("renamed"):
            changes.append({"change": "path-renamed", "old_path": o, "path": n, "how": how[len("renamed ("):-1],
                            "method": None, "methods": sorted(after & before, key=lambda m: ORDER.get(m, 99))})
        if how == "path-removed":
            changes.append({"change": "path-removed", "old_path": o, "path": None, "method": None,
                            "methods": sorted(before, key=lambda m: ORDER.get(m, 99))})
            continue
        for m in all_methods:
            if cells.get(m) == "added":
                changes.append({"change": "method-added", "path": n, "old_path": o, "method": m, "path_added": how == "path-added"})
            elif cells.get(m) == "removed":
                changes.append({"change": "method-removed", "path": n, "old_path": o, "method": m})
    return SpecDiff(_info(old), _info(new), all_methods, rows, changes)


# -- against a live server --------------------------------------------------------------------------
def _quiet_probe_options(**kw: Any):
    """ProbeOptions with the extra probes off (only the changed cells and their control GET)."""
    from .engine import ProbeOptions

    names = {f.name for f in fields(ProbeOptions)}
    extras = {"repeats": 0, "override_probes": "off", "unknown_method": False, "head_raw": False}
    return ProbeOptions(**{k: v for k, v in {**extras, **kw}.items() if k in names})


def _glob_escape(template: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", template)


def check_live(d: SpecDiff, old: Spec, new: Spec, *, base_url: str | None = None, origin: str | None = None,
               headers: tuple[tuple[str, str], ...] = (), path_params: tuple[tuple[str, str], ...] = (),
               timeout: float = 10.0, allow_writes: bool = False) -> None:
    """Probe the changed cells and record, per change, whether the server already matches the NEW spec.
    Harmless by default (checker/writes.py): a declared state-changing cell that could act is withheld
    (``unknown``) unless ``allow_writes``."""
    from . import api

    sent = 0
    # cells of the new spec: added and removed methods, renamed paths (their methods), grouped by method set
    wanted: dict[str, set[str]] = {}
    for c in d.changes:
        if c["change"] in ("method-added", "method-removed"):
            wanted.setdefault(c["path"], set()).add(c["method"])
        elif c["change"] == "path-renamed":
            wanted.setdefault(c["path"], set()).update(c["methods"] or ["GET"])
    matrix: dict[tuple[str, str], dict[str, Any]] = {}
    new_items = {p.template: p for p in new.paths}
    groups: dict[tuple[str, ...], list[str]] = {}
    for path, methods in wanted.items():
        item = new_items[path]
        probe = set(methods) | ({"GET"} if "GET" in item.operations else set())
        groups.setdefault(tuple(sorted(probe, key=lambda m: (ORDER.get(m, 99), m))), []).append(path)
    options = api.RunOptions(probe=_quiet_probe_options(path_params=path_params), limits=api.Limits(timeout=timeout), headers=headers)
    for methods, paths in groups.items():
        plan = api.build_plan(new, api.PlanOptions(base_url=base_url, origin=origin, methods=methods,
                                                   include_paths=tuple(_glob_escape(p) for p in paths),
                                                   allow_writes=allow_writes))
        report = _run(api, plan, options)
        sent += report.requests_sent
        for cell in report.matrix:
            matrix[(cell["path"], cell["method"])] = cell
    # removed paths: probed as the OLD spec names them
    removed = [c for c in d.changes if c["change"] == "path-removed"]
    old_cells: dict[tuple[str, str], dict[str, Any]] = {}
    if removed:
        methods = tuple(sorted({m for c in removed for m in c["methods"]}, key=lambda m: (ORDER.get(m, 99), m)))
        plan = api.build_plan(old, api.PlanOptions(base_url=base_url, origin=origin, methods=methods,
                                                   include_paths=tuple(_glob_escape(c["old_path"]) for c in removed),
                                                   allow_writes=allow_writes))
        report = _run(api, plan, options)
        sent += report.requests_sent
        old_cells = {(c["path"], c["method"]): c for c in report.matrix}
    for c in d.changes:
        if c["change"] == "path-removed":
            c["live"] = _removed_verdict(c, old_cells)
        elif c["change"] == "path-renamed":
            cells = [matrix.get((c["path"], m)) for m in (c["methods"] or ["GET"])]
            c["live"] = _combine([_cell_verdict(x, "routes the new spelling") for x in cells])
        else:
            what = "serves it" if c["change"] == "method-added" else "refuses it as the spec says"
            cell = matrix.get((c["path"], c["method"]))
            if c["change"] == "method-added" and cell and cell.get("status") == 404 and "{" not in c["path"]:
                c["live"] = {"verdict": "does not match", "why": "answered 404: the server has no such route yet", "status": 404}
            else:
                c["live"] = _cell_verdict(cell, what)
    d.live = {"base_url": base_url or origin, "requests": sent}


def _run(api: Any, plan: Any, options: Any):
    try:
        return api.run(plan, options)
    except (api.RunInterrupted, api.RunUnreachable) as exc:
        return exc.report


def _cell_verdict(cell: dict[str, Any] | None, what: str) -> dict[str, Any]:
    if cell is None:
        return {"verdict": "unknown", "why": "not probed"}
    out: dict[str, Any] = {"status": cell.get("status"), "allow": cell.get("allow")}
    v = cell["verdict"]
    if cell.get("withheld"):  # no request: it could change data (--allow-writes sends it)
        out.update(verdict="unknown", why=cell.get("reason") or "not sent")
    elif v == "ok":
        out.update(verdict="matches", why=f"the server already {what} ({cell.get('status')})")
    elif v in ("error", "warning", "info"):
        out.update(verdict="does not match", why=f"answered {cell.get('status')}: {cell.get('reason') or v}", rules=cell.get("rules", []))
    else:
        out.update(verdict="unknown", why=f"{v}: {cell.get('reason') or ''}".rstrip(": "))
    return out


def _combine(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    for v in ("does not match", "unknown"):
        bad = [x for x in verdicts if x["verdict"] == v]
        if bad:
            return bad[0]
    return verdicts[0] if verdicts else {"verdict": "unknown", "why": "not probed"}


def _removed_verdict(change: dict[str, Any], cells: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    statuses = {m: (cells.get((change["old_path"], m)) or {}).get("status") for m in change["methods"]}
    got = [s for s in statuses.values() if s is not None]
    if not got:
        return {"verdict": "unknown", "why": "no answer", "statuses": statuses}
    if all(s in (404, 410) for s in got):
        if "{" in change["old_path"]:
            return {"verdict": "unknown", "why": "404 for a generated id does not tell a removed route from a missing resource",
                    "statuses": statuses}
        return {"verdict": "matches", "why": f"the path is gone ({', '.join(sorted({str(s) for s in got}))})", "statuses": statuses}
    still = ", ".join(f"{m} {s}" for m, s in statuses.items() if s not in (404, 410, None))
    return {"verdict": "does not match", "why": f"the server still routes it ({still})", "statuses": statuses}


# -- output ---------------------------------------------------------------------------------------
SYMBOLS = {"both": "=", "added": "+", "removed": "-"}


def render_json(d: SpecDiff) -> str:
    return json.dumps(d.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"


def _change_line(c: dict[str, Any]) -> str:
    if c["change"] == "path-renamed":
        return f"path renamed ({c['how']}): {c['old_path']} → {c['path']}"
    if c["change"] == "path-removed":
        return f"path removed: {c['old_path']} ({', '.join(c['methods'])})"
    verb = "added" if c["change"] == "method-added" else "removed"
    return f"{c['method']} {verb} on {c['path']}" + (" (new path)" if c.get("path_added") else "")


def render_markdown(d: SpecDiff) -> str:
    from .report.markdown import esc

    s = d.summary
    out = [f"### conform405 diff: {esc(d.old.get('file'))} → {esc(d.new.get('file'))}", "",
           f"**{s['methods_added']}** method(s) added, **{s['methods_removed']}** removed · {s['paths_added']} path(s) added, "
           f"{s['paths_removed']} removed, {s['paths_renamed']} renamed"]
    if d.live is not None:
        out += ["", f"Against `{esc(d.live['base_url'])}` ({d.live['requests']} requests): **{s['matches']}** change(s) the server "
                    f"already matches, **{s['does_not_match']}** it does not, {s['unknown']} unknown"]
    out += ["", "#### Changes", ""]
    if not d.changes:
        out.append("No change to methods.")
    else:
        head = "| change | live server |" if d.live is not None else "| change |"
        out += [head, "|---|---|" if d.live is not None else "|---|"]
        for c in d.changes:
            line = f"| {esc(_change_line(c))} |"
            if d.live is not None:
                live = c.get("live") or {}
                mark = {"matches": "✅", "does not match": "❌", "unknown": "❔"}.get(live.get("verdict"), "")
                line += f" {mark} {esc(live.get('verdict'))}: {esc(live.get('why'))} |"
            out.append(line)
    out += ["", "#### Method matrix (old → new)", "", "| path | " + " | ".join(d.methods) + " |", "|---|" + "---|" * len(d.methods)]
    for r in d.rows:
        name = r["path"] or r["old_path"]
        if r["change"].startswith("renamed"):
            name = f"{r['old_path']} → {r['path']}"
        label = f"`{esc(name)}`" + ("" if r["change"] in ("unchanged", "changed") else f" ({esc(r['change'])})")
        cells = []
        for m in d.methods:
            v = r["methods"].get(m)
            cells.append({"both": "✓", "added": "**+ added**", "removed": "~~removed~~"}.get(v, ""))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out += ["", "<sub>✓ declared in both · **+ added** in the new spec · ~~removed~~ from it</sub>", ""]
    return "\n".join(out)


def print_terminal(d: SpecDiff, console: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    s = d.summary
    console.print(f"[bold]{d.old.get('file')}[/bold] ({d.old.get('version')}) → [bold]{d.new.get('file')}[/bold] ({d.new.get('version')})")
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("path", overflow="fold", max_width=60)
    for m in d.methods:
        table.add_column(m, justify="center", no_wrap=True)
    style = {"both": ("=", "dim"), "added": ("+", "bold green"), "removed": ("-", "bold red")}
    for r in d.rows:
        name = r["path"] or r["old_path"]
        if r["change"].startswith("renamed"):
            name = f"{r['old_path']} → {r['path']}"
        row_style = {"path-added": "green", "path-removed": "red"}.get(r["change"], "yellow" if r["change"] != "unchanged" else "")
        cells = [Text(style.get(r["methods"].get(m), ("", ""))[0], style=style.get(r["methods"].get(m), ("", ""))[1]) for m in d.methods]
        table.add_row(Text(name, style=row_style), *cells)
    console.print(table)
    console.print(Text("= declared in both  + added  - removed", style="dim"))
    for c in d.changes:
        line = Text("  ")
        line.append(_change_line(c))
        live = c.get("live")
        if live:
            color = {"matches": "green", "does not match": "bold red", "unknown": "blue"}.get(live["verdict"], "")
            line.append(f"  [{live['verdict']}]", style=color)
            line.append(f" {live.get('why', '')}", style="dim")
        console.print(line)
    summary = (f"{s['methods_added']} method{'' if s['methods_added'] == 1 else 's'} added, {s['methods_removed']} removed · "
               f"{s['paths_added']} path{'' if s['paths_added'] == 1 else 's'} added, "
               f"{s['paths_removed']} removed, {s['paths_renamed']} renamed")
    if d.live is not None:
        summary += f" · live {d.live['base_url']}: {s['matches']} match, {s['does_not_match']} do not, {s['unknown']} unknown"
    console.print(Text(summary, style="bold"))

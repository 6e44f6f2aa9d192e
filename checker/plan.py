"""The plan: every (path, method) cell of the matrix, and what a run would send.

A cell is *declared* when the document has an operation for it, *implied* when HTTP
gives it through another method (HEAD through GET), and otherwise *undeclared*: the
engine still probes it, because how a server refuses an undeclared method is half
of method conformance.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse, urlunparse

from .errors import UsageError
from .spec.model import DEFAULT_PROBE_METHODS, SAFE_METHODS, PathItem, Spec
from .spec.paths import request_path, template_names
from .writes import WriteRule, action_of, action_withheld, cell_policy, inert_schema, parse_rules


@dataclass(frozen=True)
class PlanOptions:
    """What to probe. Frozen: the CLI, the config file and the library API all build one."""

    base_url: str | None = None  #: prefix the spec's paths are appended to (replaces the spec's server URL)
    origin: str | None = None  #: keeps the spec's server path, replaces scheme/host/port
    methods: tuple[str, ...] | None = None  #: the exact probe set (None: the default for the document)
    add_methods: tuple[str, ...] = ()
    skip_methods: tuple[str, ...] = ()
    include_paths: tuple[str, ...] = ()  #: glob patterns on the path template; empty means all
    exclude_paths: tuple[str, ...] = ()
    examples: int = 1  #: distinct requests per cell
    read_only: bool = False  #: send only GET, HEAD, OPTIONS (and TRACE when asked for explicitly)
    discover: bool = True  #: GET parent collections to find real ids for safe probes
    #: send the declared state-changing requests a default run withholds (checker/writes.py)
    allow_writes: bool = False
    writes_allow: tuple[str, ...] = ()  #: [writes] allow: "METHOD /path-glob", "/path-glob" or an operationId
    writes_deny: tuple[str, ...] = ()  #: [writes] deny: never sent, even with allow_writes
    given_params: tuple[str, ...] = ()  #: path parameters the user gives a value (--path-param): not generated ids
    real_ids: bool = False  #: --use-real-ids: state-changing probes carry examples and discovered ids


@dataclass(frozen=True, slots=True)
class Cell:
    path: str  #: the template exactly as written in the document
    method: str  #: upper case (as sent on the wire)
    declared: bool
    implied: str | None  #: "GET" for HEAD implied by GET
    url: str  #: the URL template a probe uses (path parameters still in braces)
    #: why no request is sent for this cell (it could change data: checker/writes.py), or None
    withheld: str | None = None
    #: withheld, but sent (with no body, hops not re-sent) when the safe probes show the URL is only a
    #: redirect to its trailing-slash twin: no handler runs for it there
    redirect_probe: bool = False
    #: sent only because its path values are generated ids that name nothing (re-checked on the values drawn)
    inert_only: bool = False
    #: could change data, sent because --allow-writes or [writes] allow says so (its twin only with --allow-writes)
    opened: bool = False

    @property
    def safe(self) -> bool:
        return self.method in SAFE_METHODS


@dataclass(frozen=True)
class PathPlan:
    item: PathItem
    cells: tuple[Cell, ...]
    url: str
    needs_control: bool  #: a GET on the generated-id URL is needed to judge state-changing probes
    discovery_parent: str | None  #: the collection path whose GET may reveal a real id
    #: paths of the document whose template is this one's up to parameter names (OpenAPI forbids it)
    twins: tuple[str, ...] = ()
    #: other templates of the document that also match this path's URLs (``/user/{username}`` matches
    #: ``/user/login``; a twin matches all of them), with their declared methods: a router may send those
    #: methods to that route
    overlaps: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: harmless mode (no --allow-writes): conform405's own extra probes add no side effect (checker/probes/override.py)
    harmless: bool = True
    #: every path value of a state-changing probe is a generated id unlike a real one (nothing to change there)
    inert: bool = False
    #: the path names an action on the session or the server (checker/writes.py ``action_of``) and the run does not
    #: send such paths (no --allow-writes): why. The families build it no probe; its cells are withheld, or with
    #: ``generated_only`` sent with generated values that name nothing (never a real or discovered id)
    hands_off: str | None = None
    generated_only: bool = False

    @property
    def sent_cells(self) -> tuple[Cell, ...]:
        """The cells a run sends a request for (not withheld)."""
        return tuple(c for c in self.cells if c.withheld is None)


@dataclass(frozen=True)
class Plan:
    spec: Spec
    options: PlanOptions
    methods: tuple[str, ...]
    paths: tuple[PathPlan, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(c for p in self.paths for c in p.cells)

    @property
    def requests(self) -> int:
        """Requests a default run sends before redirect hops (see :meth:`request_counts`)."""
        return self.request_counts()["total"]

    def request_counts(self, probe_options: object | None = None) -> dict[str, int]:
        """At most what a run with ``probe_options`` (default: a default run) sends, by kind, before redirect hops.

        Exact for most kinds; an upper bound for control GETs (skipped when the real and generated ids of a
        path coincide) and stability repeats (skipped after a GET that got no answer). Not counted: an extra probe
        its path's cell already answered (the very same request), and one sent only where the server answers
        unlike the common case (checker/probes/override.py: each override carrier alone, 4 more requests per
        path and method, only where the POST carrying all of them answered unlike a plain POST).

        Cells, control GETs, discovery GETs, the unstable-answer repeats of each GET, and every extra probe
        the probe families' factories (checker/probes/__init__.py) build for each path -- asked of the factories
        themselves, with placeholder URLs, so a new feature is counted without touching this.
        Redirects add their hops, and a redirected probe up to 12 requests more to follow it as each client
        profile does (checker/http/redirects.py); those cannot be known before the answers come.
        """
        from .options import ProbeOptions
        from .probes import ProbeContext, factories

        opts = probe_options if probe_options is not None else ProbeOptions()
        n = self.options.examples
        counts: dict[str, int] = {
            "cells": sum(len(p.sent_cells) * n for p in self.paths),
            "controls": sum(n for p in self.paths if p.needs_control),
            "discovery": len({p.discovery_parent for p in self.paths if p.discovery_parent}),
            "repeats": sum(getattr(opts, "repeats", 0) * n for p in self.paths if any(c.method == "GET" for c in p.sent_cells)),
        }
        makers = factories()
        for pp in self.paths:
            if pp.hands_off:  # a path naming an action: nothing at all
                continue
            requests = {c.method: (pp.url, {}, None) for c in pp.sent_cells}
            ctx = ProbeContext(0, pp.url, pp.url, opts, requests, inert=pp.inert)
            for factory in makers:
                for extra in factory(pp, ctx):
                    if extra.cell_answer or extra.only_if_unlike:
                        continue  # the cell's own answer; or sent only where a server answers unlike the common case
                    counts[extra.role] = counts.get(extra.role, 0) + n
        counts["total"] = sum(counts.values())
        return counts

    def to_dict(self, probe_options: object | None = None) -> dict:
        """The plan as JSON; the request counts are those of a run with ``probe_options`` (default: a default run)."""
        counts = self.request_counts(probe_options)
        return {
            "spec": {"location": self.spec.location, "version": self.spec.version, "title": self.spec.title},
            "methods": list(self.methods),
            "matrix": [
                {"path": c.path, "method": c.method, "declared": c.declared, "implied": c.implied, "url": c.url,
                 "withheld": c.withheld, **({"redirect_probe": True} if c.redirect_probe else {})}
                for c in self.cells
            ],
            "withheld": sum(1 for c in self.cells if c.withheld),
            "allow_writes": self.options.allow_writes,
            "requests": counts["total"],
            "requests_by_kind": {k: v for k, v in counts.items() if k != "total"},
            "warnings": list(self.warnings),
            "problems": [
                {"pointer": p.pointer or "/", "message": p.message, "file": p.file, "line": p.line}
                for p in self.spec.problems
            ],
        }


def probe_methods(spec: Spec, options: PlanOptions) -> tuple[str, ...]:
    if options.methods is not None:
        methods = [m.strip() for m in options.methods if m.strip()]
    else:
        methods = list(DEFAULT_PROBE_METHODS) + [m for m in spec.extra_methods if m not in DEFAULT_PROBE_METHODS]
    for m in options.add_methods:
        if m not in methods:
            methods.append(m)
    skip = set(options.skip_methods)
    methods = [m for m in methods if m not in skip]
    if options.read_only:
        explicit_trace = "TRACE" in (options.methods or ()) or "TRACE" in options.add_methods
        allowed = {"GET", "HEAD", "OPTIONS"} | ({"TRACE"} if explicit_trace else set())
        methods = [m for m in methods if m in allowed]
    for m in methods:
        if not m or any(ch in m for ch in " \t\r\n()<>@,;:\\\"/[]?={}"):
            raise UsageError(f"{m!r} is not an HTTP method token")
    return tuple(dict.fromkeys(methods))


def server_url(item: PathItem, spec: Spec, options: PlanOptions) -> str:
    """The absolute (or, without a base, document-relative) URL prefix for a path item."""
    if options.base_url:
        return options.base_url.rstrip("/")
    server = item.servers[0] if item.servers else (spec.servers[0] if spec.servers else "/")
    if options.origin:
        origin = urlparse(options.origin)
        path = urlparse(server).path
        return urlunparse((origin.scheme, origin.netloc, path.rstrip("/"), "", "", "")).rstrip("/")
    return server.rstrip("/")


def build_plan(spec: Spec, options: PlanOptions | None = None) -> Plan:
    options = options or PlanOptions()
    if options.examples < 1:
        raise UsageError("--examples must be at least 1")
    _check_target_options(options)
    methods = probe_methods(spec, options)
    allow, deny = _write_rules(options)
    harmless = not options.allow_writes
    from .values import ValueSource

    values = ValueSource(spec)  # only its schema look-ups: nothing is generated here
    items: dict[str, PathItem] = {}  # template -> its (first) path item, for the parent collection look-up
    for p in spec.paths:
        items.setdefault(p.template, p)
    shapes = route_shapes(spec)
    plans: list[PathPlan] = []
    moved: list[str] = []  # operations whose own servers differ from their path's
    for item in spec.paths:
        if options.include_paths and not any(fnmatch.fnmatchcase(item.template, g) for g in options.include_paths):
            continue
        if any(fnmatch.fnmatchcase(item.template, g) for g in options.exclude_paths):
            continue
        prefix = server_url(item, spec, options)
        url = prefix + request_path(item.template)
        twins, overlaps = shapes.get(item.template, ((), ()))
        declared = item.operations
        has_params = bool(template_names(item.template))
        inert, not_inert = _inert(item, values, options) if has_params else (False, "")
        # a path naming an action: nothing, or generated values only (checker/writes.py); --allow-writes sends it as
        # any other path, --read-only never
        action = action_of(item.template)
        if action is not None and options.allow_writes and not options.read_only:
            action = None
        cell_allow = () if action is not None and options.read_only else allow
        cells = []
        for m in methods:
            implied = "GET" if m == "HEAD" and "HEAD" not in declared and "GET" in declared else None
            op = declared.get(m)
            policy = cell_policy(
                m, m in declared, item.template, op.operation_id if op is not None else None, has_params, inert,
                allow_writes=options.allow_writes, allow=cell_allow, deny=deny, not_inert=not_inert, action=action)
            cells.append(Cell(item.template, m, m in declared, implied, url, policy.withheld, policy.redirect_probe,
                              policy.inert_only, policy.opened))
        writes = any(not c.safe and c.withheld is None for c in cells)
        needs_control = has_params and writes and "GET" in declared and "GET" in methods
        parent = _parent_collection(item, items) if options.discover and has_params else None
        hands_off = action_withheld(action) if action is not None else None
        generated_only = hands_off is not None and has_params and inert
        plans.append(PathPlan(item, tuple(cells), url, needs_control, None if hands_off else parent, twins, overlaps,
                              harmless, inert, hands_off, generated_only))
        if not options.base_url:
            for op in item.operations.values():
                if op.servers and op.servers[0] != (item.servers[0] if item.servers else None):
                    moved.append(f"{op.method} {item.template} ({op.servers[0]})")
    warnings = []
    if moved:
        more = f" and {len(moved) - 3} more" if len(moved) > 3 else ""
        warnings.append(f"operation-level servers differ from their path's for {', '.join(moved[:3])}{more}: "
                        "every method of a path is probed at the path's URL")
    for kind, rules in (("allow", allow), ("deny", deny)):
        for rule in rules:
            if not any(rule.matches(c.method, c.path, _op_id(p.item, c)) for p in plans for c in p.cells if not c.safe):
                warnings.append(f"[writes] {kind} entry {rule.text!r} matches no state-changing cell of the plan")
    if not options.base_url and not options.origin:
        if not any(urlparse(p.url).scheme for p in plans):
            warnings.append("no absolute server URL in the document: give --base-url to run")
    return Plan(spec, options, methods, tuple(plans), tuple(warnings))


def require_cells(plan: Plan) -> None:
    """Refuse a plan with no cell, naming what emptied it: a run that sends nothing judges nothing, and must
    not pass. (The library's :func:`build_plan` itself accepts it: a document of webhooks only plans to nothing.)"""
    if not plan.cells:
        raise _empty_selection(plan.spec, plan.options, plan.methods)


_PARAM_SEGMENT = re.compile(r"\{[^{}/]*\}")


def _segments(template: str) -> list[str]:
    return template.rstrip("/").split("/")


def _segment_matches(route: str, seg: str) -> bool:
    """Whether ``route`` (a template segment) matches the URL segment a probe of ``seg`` sends.

    A probe fills a parameter segment with a generated value that no literal equals, so only a
    route segment with a parameter can match it; a literal segment is matched as written."""
    if "{" not in route:
        return route == seg
    if route.startswith("{") and route.endswith("}") and route.count("{") == 1:
        return True  # a whole-segment parameter matches any value
    if "{" in seg:
        return False
    pattern = "".join(".+" if part.startswith("{") else re.escape(part)
                      for part in re.split(r"(\{[^{}/]*\})", route) if part)
    return re.fullmatch(pattern, seg) is not None


class _RouteNode:
    """A node of a segment trie: children by literal segment, and by segment holding a parameter."""

    __slots__ = ("literal", "param", "ends")

    def __init__(self) -> None:
        self.literal: dict[str, _RouteNode] = {}
        self.param: dict[str, _RouteNode] = {}
        self.ends: list[int] = []  #: indices of the templates whose segments end here


def _matching_routes(root: _RouteNode, segs: list[str]) -> list[int]:
    """Indices of the templates in ``root`` whose route matches, segment by segment, the URLs ``segs`` is probed at."""
    nodes = [root]
    for seg in segs:
        following = []
        for node in nodes:
            child = node.literal.get(seg)  # a literal route segment matches as written (never a parameter's value)
            if child is not None:
                following.append(child)
            for route, child in node.param.items():
                if _segment_matches(route, seg):
                    following.append(child)
        if not following:
            return []
        nodes = following
    return [i for node in nodes for i in node.ends]


def route_shapes(spec: Spec) -> dict[str, tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]]:
    """For each path template: its *twins* (the same template up to parameter names) and its *overlaps*
    (other templates whose route also matches this path's URLs, with their declared methods).

    ``/user/{username}`` overlaps ``/user/login``: a router that finds no ``PUT`` on ``/user/login`` may hand
    ``PUT /user/login`` to ``/user/{username}``. Twins are found by shape; the templates a path's URLs could
    reach, by walking a trie of segments per segment count (a literal segment is matched by the same literal or
    a parameter there, a generated value by a whole-segment parameter only): each template visits only the
    routes its own segments lead to, so the work grows with the number of paths and overlaps, even with every
    path under one prefix. (An index per segment position grows with the square: for each template it unites,
    at each position, every template with a parameter there. GitHub's paths ten times under ``/api{k}``, 8,110,
    took 0.50 s that way against 0.12 s here, and 0.80 s against 0.15 s under one common ``/api``.) Overlaps are
    listed in the order of the document, except that for a template with a literal first segment, those with
    a parameter there come last."""
    by_length: dict[int, list[tuple[str, list[str], str]]] = {}
    for item in spec.paths:
        if "?" in item.template or "#" in item.template:
            continue  # operations told apart by a query or a fragment in the key (AWS): not a router's business
        segs = _segments(item.template)
        shape = "/".join(_PARAM_SEGMENT.sub("{}", s) for s in segs)
        by_length.setdefault(len(segs), []).append((item.template, segs, shape))
    methods = {item.template: item.declared_methods for item in spec.paths}
    out: dict[str, tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]] = {}
    for group in by_length.values():
        if len(group) < 2:
            continue
        root = _RouteNode()
        by_shape: dict[str, list[int]] = {}
        wild: list[bool] = []  # a parameter in (or as) the first segment
        for i, (_, segs, shape) in enumerate(group):
            by_shape.setdefault(shape, []).append(i)
            wild.append(len(segs) > 1 and "{" in segs[1])
            node = root
            for seg in segs:
                children = node.param if "{" in seg else node.literal
                node = children.get(seg) or children.setdefault(seg, _RouteNode())
            node.ends.append(i)
        for i, (template, segs, shape) in enumerate(group):
            # the same template up to names: a router with typed parameters may still tell them apart
            # (/x/{id:int}), so the twin's methods are an overlap, never declared here
            twins = [j for j in by_shape[shape] if group[j][0] != template]
            found = {j for j in _matching_routes(root, segs) if group[j][0] != template}
            found.update(twins)
            if not found:
                continue
            order = sorted(found) if wild[i] else sorted(found, key=lambda j: (wild[j], j))
            out[template] = (tuple(group[j][0] for j in twins), tuple((group[j][0], methods[group[j][0]]) for j in order))
    return out


def _empty_selection(spec: Spec, options: PlanOptions, methods: tuple[str, ...]) -> UsageError:
    """Nothing left to probe: a usage error naming what emptied it."""
    if not spec.paths:
        if spec.problems:
            return UsageError(f"no path left to probe: the document's paths were dropped by its {len(spec.problems)} "
                              f"validation problem{'' if len(spec.problems) == 1 else 's'} (listed above)")
        return UsageError("the document declares no paths (webhooks are not probed): there is nothing to check")
    if not methods:
        given = [flag for flag, on in (("--methods", options.methods is not None), ("--skip-method", bool(options.skip_methods)),
                                       ("--read-only", options.read_only)) if on]
        return UsageError(f"{' with '.join(given) or 'the method options'} leave no method to probe")
    n = len(spec.paths)
    if options.include_paths:
        globs = ", ".join(repr(g) for g in options.include_paths)
        matched = [p for p in spec.paths if any(fnmatch.fnmatchcase(p.template, g) for g in options.include_paths)]
        if not matched:
            hint = ""
            bare = [g for g in options.include_paths if not g.startswith(("/", "*", "?", "["))]
            if bare:
                hint = (f" (globs match the path template as written, leading '/' included: try '/{bare[0]}'"
                        f"{' or ' + repr('/' + bare[0].rstrip('*') + '*') if not bare[0].endswith('*') else ''})")
            example = spec.paths[0].template
            return UsageError(f"--include-path {globs} matches none of the document's {n} path{'' if n == 1 else 's'}, e.g. {example!r}{hint}")
    globs = ", ".join(repr(g) for g in options.exclude_paths)
    return UsageError(f"--exclude-path {globs} leaves none of the document's {n} path{'' if n == 1 else 's'}"
                      + (" that --include-path selected" if options.include_paths else ""))


def _write_rules(options: PlanOptions) -> tuple[tuple[WriteRule, ...], tuple[WriteRule, ...]]:
    out = []
    for kind, entries in (("allow", options.writes_allow), ("deny", options.writes_deny)):
        try:
            out.append(parse_rules(entries))
        except ValueError as exc:
            raise UsageError(f"writes {kind}: {exc}") from None
    return out[0], out[1]


def _op_id(item: PathItem, cell: Cell) -> str | None:
    op = item.operations.get(cell.method)
    return op.operation_id if op is not None else None


def _inert(item: PathItem, values: Any, options: PlanOptions) -> tuple[bool, str]:
    """Whether every path value of the path's state-changing probes is a generated id unlike a real one,
    and if not, which parameter is not (for the withheld reason)."""
    if options.real_ids:
        return False, "--use-real-ids puts example and discovered ids in state-changing probes"
    for name in template_names(item.template):
        if name in options.given_params:
            return False, f"{{{name}}} is a given value (--path-param), not a generated id"
        from .values import is_quantity

        if is_quantity(name):
            return False, f"{{{name}}} is a count or a size, not an id: its small generated value could name a real row"
        p = values._path_param(item, name)
        schema = values.inline(p.schema, p.base) if p is not None and p.schema is not None else None
        if not inert_schema(schema):
            return False, f"{{{name}}} takes values a real row may have (enum, pattern, bounded or typed)"
    return True, ""


def _check_target_options(options: PlanOptions) -> None:
    if options.base_url and options.origin:
        raise UsageError("give --base-url or --origin, not both (--base-url replaces the server URL, --origin only its scheme://host:port)")
    for flag, value in (("--base-url", options.base_url), ("--origin", options.origin)):
        if value is None:
            continue
        parts = urlparse(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"{flag} must be an http:// or https:// URL with a host, got {value!r}")
        if flag == "--origin" and parts.path not in ("", "/"):
            raise UsageError(f"--origin takes scheme://host[:port] only, got {value!r}; use --base-url to give a path prefix")
        if parts.query or parts.fragment:
            raise UsageError(f"{flag} must not carry a query or fragment, got {value!r}")


def _parent_collection(item: PathItem, items: dict[str, PathItem]) -> str | None:
    """``/items`` for ``/items/{id}``: a parameter-free collection with a declared GET (``items``: template -> item)."""
    template = request_path(item.template).rstrip("/")
    head, _, last = template.rpartition("/")
    if not (last.startswith("{") and last.endswith("}")) or template_names(head):
        return None
    for candidate in (head, head + "/"):
        parent = items.get(candidate)
        if parent is not None and "GET" in parent.operations:
            return candidate
    return None

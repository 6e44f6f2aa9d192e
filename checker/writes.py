"""Harmless by default: which state-changing requests a run may send, and the audit of those it sent.

A default run must not create, change, delete or trigger anything through a *declared* operation, and
conform405's own extra probes must add no side effect of their own. A declared state-changing request
(POST, PUT, PATCH, DELETE, any declared method outside GET HEAD OPTIONS TRACE QUERY) is therefore sent
by default only where it provably cannot act:

* DELETE and PATCH on a templated path whose every path value is generated and unlike a real id
  (``c405...`` strings, integers from 10^9, random UUIDs): there is nothing at that URL to delete or
  change. A value from ``--path-param``, ``--use-real-ids``, an enum, a pattern or a bounded integer
  could name a real row: then the cell is withheld. A redirect is followed with the method kept only to
  the URL's own trailing-slash twin (checker/engine.py ``_twin_hop``).
* a URL that the safe probes of the same URL (GET and OPTIONS, HEAD too when probed) show to be only a
  redirect to its trailing-slash twin (Django's APPEND_SLASH, Werkzeug's strict_slashes, Starlette's
  redirect_slashes): the request is answered by the redirect and never reaches a handler. It is sent
  without a body, and a redirect hop that would re-send a state-changing method (to the handler) is not
  followed.

Everything else is *withheld*: POST on any path (it may create: ``POST /users``, ``POST /terminals``, or
trigger: ``POST /shutdown``; ``POST /users/{name}`` creates the user named by the generated value), PUT on
any path (it creates what does not exist), DELETE and PATCH on a path without parameters (bulk
``DELETE /items``). A withheld cell gets no request; the judge tells what the other answers prove
(:func:`withheld_verdict`, called by checker/judge.py).

Undeclared methods are sent as before (generated ids, no body): a server that serves one is the finding.

A path whose last segment names an **action on the session or the server** (:data:`ACTIONS`: ``/logout``,
``/auth/sign-out``, ``/shutdown``, ``/jobs/{id}/restart``, ...): a server may act there on any method, GET
included -- Airflow's declared ``GET /api/v2/auth/logout`` revokes the very token a run authenticates with, so
every later request of the run is refused -- and an undeclared method or a slash twin may reach the same
handler. The families send it no probe; without path parameters it gets no request at all (its cells are
withheld), and with them its cells go out only with generated values that name nothing (``/jobs/c405.../restart``
restarts no job), never a real or discovered id, as the DELETE and PATCH above.

``--allow-writes`` (config ``allow-writes = true``) sends the withheld cells; ``[writes] allow`` sends the
ones it lists without it, and ``[writes] deny`` never sends the ones it lists (even with
``--allow-writes``, and even those a default run would send). Entries: ``"METHOD /path-glob"``,
``"/path-glob"`` (every state-changing method) or an operationId.
"""

from __future__ import annotations

import fnmatch
import re
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

from .spec.model import SAFE_METHODS

#: The reason a withheld cell reports (matrix ``reason``; verdict ``skipped`` unless other answers tell more).
WITHHELD = "not sent: could change data (--allow-writes sends it)"
#: The tag of a cell probe's observation when the cell was withheld (no request was sent for it).
WITHHELD_TAG = "withheld"
#: Methods that act on the resource named by the URL only: with an id that names nothing, nothing changes.
TARGETED = frozenset({"DELETE", "PATCH"})
#: Order of a path's state-changing probes (each awaited before the next, after all its safe probes).
WRITE_ORDER = ("PUT", "PATCH", "POST", "DELETE")
#: What a generated integer path value starts from (checker/values.py); below it, a value may name a real row.
GENERATED_INT_FLOOR = 1_000_000_000
_METHOD_TOKEN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$|^\*$")


@dataclass(frozen=True)
class WriteRule:
    """One ``[writes]`` entry: a method (or ``*``) and a glob on the path template, or an operationId."""

    text: str
    method: str | None = None  #: upper case, "*" for every method; None for an operationId entry
    path: str | None = None
    operation_id: str | None = None

    def matches(self, method: str, template: str, operation_id: str | None) -> bool:
        if self.operation_id is not None:
            return operation_id is not None and operation_id == self.operation_id
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(template, self.path or "")


def parse_rule(text: str) -> WriteRule:
    """``"POST /users"``, ``"/items/*"``, ``"* /admin/*"`` or ``"createUser"``; ValueError says what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("must be a non-empty string: \"METHOD /path-glob\", \"/path-glob\" or an operationId")
    raw = text.strip()
    parts = raw.split()
    if len(parts) == 1 and raw.startswith("/"):
        return WriteRule(raw, "*", raw)
    if len(parts) == 2:
        method, path = parts
        if not _METHOD_TOKEN.match(method):
            raise ValueError(f"{raw!r}: {method!r} is not a method (write \"POST /users\")")
        if not path.startswith("/"):
            raise ValueError(f"{raw!r}: the path glob must start with '/' (write \"{method.upper()} /{path}\")")
        return WriteRule(raw, method.upper(), path)
    if len(parts) == 1:
        if raw.upper() in ("POST", "PUT", "PATCH", "DELETE"):
            raise ValueError(f"{raw!r}: a method alone matches nothing; write \"{raw.upper()} /*\" for every path")
        return WriteRule(raw, operation_id=raw)
    raise ValueError(f"{raw!r}: expected \"METHOD /path-glob\", \"/path-glob\" or an operationId")


def parse_rules(entries: Iterable[str]) -> tuple[WriteRule, ...]:
    return tuple(parse_rule(e) for e in entries)


def first_match(rules: Iterable[WriteRule], method: str, template: str, operation_id: str | None) -> WriteRule | None:
    return next((r for r in rules if r.matches(method, template, operation_id)), None)


#: The last path segments (lower case, without ``-``, ``_`` and ``.``) that name an action rather than a resource,
#: and what a request reaching the handler may do: a run sends such a path nothing by default.
ACTIONS: dict[str, str] = {
    **dict.fromkeys(("logout", "logoff", "signout", "signoff"), "end the session the run authenticates with"),
    **dict.fromkeys(("shutdown", "poweroff", "halt", "kill", "terminate", "stop"), "stop the server or what the path names"),
    **dict.fromkeys(("reboot", "restart"), "restart the server or what the path names"),
}


def action_of(template: str) -> tuple[str, str] | None:
    """``(segment, what a request may do)`` when the last segment of ``template`` names an action (:data:`ACTIONS`):
    ``/api/v2/auth/logout``, ``/admin/shut-down``, ``/jobs/{id}/Restart``; None for a resource
    (``/logouts``, ``/logout-events``, ``/{name}``)."""
    segment = template.rstrip("/").rsplit("/", 1)[-1]
    if "{" in segment:
        return None
    what = ACTIONS.get(segment.lower().replace("-", "").replace("_", "").replace(".", ""))
    return (segment, what) if what is not None else None


@dataclass(frozen=True)
class Policy:
    """What a run does with one cell."""

    withheld: str | None = None  #: why no request is sent (None: sent)
    redirect_probe: bool = False  #: withheld, but sent when the URL proves to be only a slash redirect
    inert_only: bool = False  #: sent only because its path values name nothing: re-checked on the values drawn
    opened: bool = False  #: could act, sent because --allow-writes or [writes] allow says so


def cell_policy(method: str, declared: bool, template: str, operation_id: str | None, has_params: bool,
                inert: bool, *, allow_writes: bool, allow: tuple[WriteRule, ...] = (),
                deny: tuple[WriteRule, ...] = (), not_inert: str = "", action: tuple[str, str] | None = None) -> Policy:
    """What a run does with the cell ``method`` of ``template`` (see the module's documentation). ``action``: what
    :func:`action_of` says of the template, when the run does not send such paths (no --allow-writes, or
    --read-only): the cell is withheld unless ``allow`` names it."""
    if action is not None and first_match(allow, method, template, operation_id) is None:
        denied = first_match(deny, method, template, operation_id)
        if denied is not None:
            return Policy(f"not sent: [writes] deny lists {denied.text!r}")
        if has_params and inert:  # /jobs/{id}/restart with a generated id names no job: sent so, never a real id
            usual = cell_policy(method, declared, template, operation_id, has_params, inert, allow_writes=False,
                                not_inert=not_inert)
            return usual if usual.withheld is not None else Policy(inert_only=True)
        return Policy(action_withheld(action))
    if method in SAFE_METHODS:
        return Policy()
    denied = first_match(deny, method, template, operation_id)
    if denied is not None:
        return Policy(f"not sent: [writes] deny lists {denied.text!r}")
    if allow_writes or first_match(allow, method, template, operation_id) is not None:
        closed = cell_policy(method, declared, template, operation_id, has_params, inert, allow_writes=False)
        return Policy(inert_only=closed.inert_only, opened=closed.withheld is not None)
    if not declared:
        return Policy()  # undeclared: sent with generated ids and no body; a server that serves it is the finding
    if method in TARGETED and has_params:
        if inert:
            return Policy(inert_only=True)
        return Policy(f"not sent: could change data: {not_inert} (--allow-writes sends it)", redirect_probe=True)
    return Policy(WITHHELD, redirect_probe=True)


# -- path values that cannot name a real row ---------------------------------------------------------

def inert_value(value: str, source: str) -> bool:
    """A generated value unlike any real id: ``c405...``, an integer from 10^9, a UUID."""
    if source != "generated":
        return False
    if value.startswith("c405"):
        return True
    if value.isdigit():
        return int(value) >= GENERATED_INT_FLOOR
    try:
        uuid.UUID(value)
        return len(value) == 36
    except ValueError:
        return False


def inert_values(values: dict[str, str], sources: dict[str, str]) -> bool:
    return bool(values) and all(inert_value(v, sources.get(k, "")) for k, v in values.items())


def inert_schema(schema: dict[str, Any] | None) -> bool:
    """Whether checker/values.py generates a value unlike a real id for a path parameter with ``schema``
    (decided before anything is generated, so that ``plan`` can say what a run withholds)."""
    if schema is None:
        return True
    if "enum" in schema or "const" in schema or "pattern" in schema:
        return False
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t in ("integer", "number"):
        # unbounded above: drawn from 10^9 upwards; a bounded id may be a real one
        return all(not isinstance(schema.get(k), (int, float)) or isinstance(schema.get(k), bool)
                   for k in ("maximum", "exclusiveMaximum"))
    if t in (None, "string"):
        fmt = schema.get("format")
        if fmt == "uuid":
            return True
        if fmt in ("date", "date-time"):
            return False
        hi = schema.get("maxLength")
        return not (isinstance(hi, int) and hi < 8)
    return False


# -- the slash-redirect-only URL ----------------------------------------------------------------------

#: Redirect statuses a router answers for the slash twin of a route (Django 301, Werkzeug 308, Starlette 307).
_SLASH_REDIRECTS = frozenset({301, 302, 307, 308})
_PROBE_SAFE = ("GET", "HEAD", "OPTIONS")


def redirect_only(url: str, safe: Iterable[Any]) -> bool:
    """Every safe probe (GET, HEAD, OPTIONS) sent to ``url`` (its query aside) answered a redirect to its
    trailing-slash twin, GET and OPTIONS at least: nothing is routed at ``url`` itself, so no handler can run
    for a request there. OPTIONS is required: a router answers it for any route at the URL, whatever its
    methods (Werkzeug's ``/contact`` rule for POST alone answers OPTIONS 200 while GET redirects to ``/contact/``)."""
    from urllib.parse import urljoin, urlsplit

    from .spec.paths import twin_url

    def where(u: str) -> tuple[str, str, str]:
        p = urlsplit(u)
        return p.scheme.lower(), p.netloc.lower(), p.path

    twin = twin_url(url)
    if twin is None:
        return False
    here, want = where(url), where(twin)
    seen = set()
    for obs in safe:
        if obs.method not in _PROBE_SAFE or not obs.chain or where(obs.chain[0].url) != here:
            continue
        first = obs.chain[0]
        location = first.header("location")
        if first.status not in _SLASH_REDIRECTS or not location:
            return False
        if where(urljoin(first.url, location.strip())) != want:
            return False
        seen.add(obs.method)
    return {"GET", "OPTIONS"} <= seen


# -- the audit --------------------------------------------------------------------------------------

#: Why a state-changing request was sent (``writes_sent[].basis``); only the last two can have acted
#: through a declared operation.
BASES = ("undeclared method", "generated ids name nothing", "bare slash redirect", "override of a refused POST",
         "unknown method token", "[writes] allow", "--allow-writes")


def writes_sent(observations: Iterable[Any], plan: Any = None) -> list[dict[str, Any]]:
    """Every state-changing request sent in a run, in plan order: ``{"method", "url", "kind", "path",
    "status", "declared", "basis"}`` (redirect hops included; a request two observations share is listed once)."""
    cells = {(c.path, c.method): c for c in plan.cells} if plan is not None else {}
    harmless = all(getattr(p, "harmless", True) for p in plan.paths) if plan is not None else True
    observations = list(observations)
    seen: set[int] = set()
    # an extra probe answered by its path's cell, the very same request (checker/probes/override.py's plain POST),
    # shares the cell's exchanges: they are listed as the cell's, which was sent
    cells_sent = {id(o.chain[0]) for o in observations if o.role == "probe" and o.chain}
    out: list[dict[str, Any]] = []
    for obs in observations:
        if obs.inferred_from:  # another path's answer carried over to this one (checker/adaptive.py): not sent
            continue
        if obs.role != "probe" and obs.chain and id(obs.chain[0]) in cells_sent:
            continue
        for ex in obs.chain:
            if ex.method.upper() in SAFE_METHODS or id(ex) in seen:
                continue
            seen.add(id(ex))
            kind = obs.role if ex is obs.chain[0] else f"{obs.role} (redirect hop)"
            cell = cells.get((obs.path, obs.method))
            entry = {"method": ex.method, "url": ex.url, "kind": kind, "path": obs.path, "status": ex.status,
                     "declared": bool(cell is not None and cell.declared and ex.method == obs.method)}
            if plan is not None:
                entry["basis"] = _basis(obs, cell, harmless)
            out.append(entry)
    return out


def _basis(obs: Any, cell: Any, harmless: bool) -> str:
    if not harmless:
        return "--allow-writes"
    if obs.role == "override":
        return "override of a refused POST"
    if obs.role == "unknown-method":
        return "unknown method token"
    if cell is None or not cell.declared:
        return "undeclared method"
    if cell.redirect_probe:
        return "bare slash redirect"
    if cell.inert_only:
        return "generated ids name nothing"
    return "[writes] allow"


# -- judging a withheld cell ------------------------------------------------------------------------

def withheld_verdict(ctx: Any, method: str, reason: str) -> tuple[str, str]:
    """``(verdict, reason)`` of a cell that got no request because it could change data: what the answers
    to the path's other probes prove about ``method``, never a finding (nothing was asked of it)."""
    from .http.headers import parse_allow

    said: list[tuple[str, int, bool]] = []  #: (method asked, status, whether its Allow lists ``method``)
    statuses = []
    for _cell, obs in ctx.observed():
        final = obs.final
        statuses.append(obs.status)
        allow = final.header("allow") if final is not None else None
        if allow is None or not (obs.status == 405 or (obs.method == "OPTIONS" and 200 <= obs.status < 300)):
            continue
        tokens, _ = parse_allow(allow)
        said.append((obs.method, obs.status, method in {t.upper() for t in tokens}))
    if said:
        # ok only when every Allow the server gave on the path lists the method; one that omits it is a doubt
        asked, status, listed = next((s for s in said if not s[2]), said[0])
        how = f"the Allow of the {status} to {asked} on this path"
        if listed:
            return "ok", f"{reason}; {how} lists {method}" + (", as every Allow here does" if len(said) > 1 else "")
        return "inconclusive", f"{reason}; {how} does not list {method} (the allow rules judge that answer)"
    if statuses and not ctx.has_params and all(s == 404 for s in statuses):
        return "inconclusive", f"{reason}; every method sent to this URL answered 404: the URL is not routed"
    return "skipped", reason


#: what :func:`action_withheld` says, and :func:`withheld_note` looks for in a matrix row's reason
_NAMES_AN_ACTION = " names an action: "


def action_withheld(action: tuple[str, str]) -> str:
    """The reason of a cell on a path that names an action (:func:`action_of`)."""
    segment, what = action
    return (f"not sent: {segment!r}{_NAMES_AN_ACTION}any request reaching it may {what} "
            "(--allow-writes or [writes] allow sends it)")


def withheld_note(matrix: Iterable[dict[str, Any]]) -> list[str]:
    """The report's note on the cells a run withheld (none: no note)."""
    rows = [row for row in matrix if row.get("withheld")]
    actions = sorted({row["path"] for row in rows if _NAMES_AN_ACTION in (row.get("reason") or "")})
    cells = [f"{row['method']} {row['path']}" for row in rows if row["path"] not in actions]
    out = []
    if cells:
        shown = ", ".join(cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
        out.append(f"{len(cells)} declared state-changing request{'' if len(cells) == 1 else 's'} withheld, not sent "
                   f"because {'it' if len(cells) == 1 else 'they'} could change data "
                   f"({shown}): --allow-writes or [writes] allow in the configuration sends them")
    if actions:
        shown = ", ".join(actions[:5]) + (f" and {len(actions) - 5} more" if len(actions) > 5 else "")
        out.append(f"{len(actions)} path{'' if len(actions) == 1 else 's'} naming an action on the session or the server "
                   f"got no request at all ({shown}): any method may act there, GET too (a logout ends the run's own "
                   "session); --allow-writes or [writes] allow in the configuration sends them")
    return out

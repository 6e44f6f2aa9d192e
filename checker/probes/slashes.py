"""Trailing-slash twins: for every path, the same request with the trailing slash added or removed.

``/items`` and ``/items/`` are different URLs (RFC 3986 §6.2.3 lets a scheme normalise an empty path
only), yet frameworks treat the pair in their own ways: Django's APPEND_SLASH answers 301 to the
slashed one, Starlette's redirect_slashes 307 either way, Werkzeug's strict_slashes 308 to the
slashed one, Express serves both. The twin probes show which spelling the server really serves,
so the rules can say when the spec's spelling is not it (``checker/rules/redirects.py``).

Which requests: GET, plus every declared method in the run's probe set, each with exactly the URL
(query included) and headers of its own cell probe, the slash toggled, and **no body**:
state-changing twins use the generated-id URL like their cells, so they cannot name a real row.
The twin of a withheld cell (checker/writes.py) is withheld too: ``/contact/`` is where the handler of a
slash-redirected ``POST /contact`` runs. So is the twin of a cell that ``[writes] allow`` opens: the user
allowed that request, not a second one; ``--allow-writes`` sends the twins of every cell it opens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from ..spec.model import SAFE_METHODS
from ..spec.paths import twin_url
from .base import ExtraProbe, ProbeContext

if TYPE_CHECKING:  # a path's plan, in annotations only (the plan counts what this family builds)
    from ..plan import PathPlan


ROLE = "slash-twin"
ADDED = "slash-added"
REMOVED = "slash-removed"


def twin_methods(pp: PathPlan) -> tuple[str, ...]:
    """GET and the declared methods, as far as the run probes them (``--methods``, ``--read-only``)."""
    if twin_url(pp.url if "://" in pp.url else "http://x" + pp.url) is None:
        return ()
    harmless = getattr(pp, "harmless", False)
    return tuple(c.method for c in pp.cells
                 if c.withheld is None and not (harmless and c.opened)
                 and (c.method == "GET" or (c.declared and not c.implied)))


def twin_tag(url: str) -> str:
    return ADDED if urlsplit(url).path.endswith("/") else REMOVED


def factory(pp: PathPlan, ctx: ProbeContext) -> list[ExtraProbe]:
    if not getattr(ctx.options, "slash_twins", True):  # --no-slash-twins
        return []
    out = []
    sent = getattr(ctx, "requests", None) or {}  # each cell's request exactly as sent (url, headers, body)
    for method in twin_methods(pp):
        request = sent.get(method)
        if request is not None:
            url, headers, _body = request
        elif sent:
            continue  # that cell was not sent (no value for a parameter)
        else:
            url, headers = (ctx.safe_url if method in SAFE_METHODS else ctx.write_url), {}
        twin = twin_url(url)
        if twin is None:
            continue
        headers = {k: v for k, v in headers.items() if not k.lower().startswith("content-")}
        out.append(ExtraProbe(ROLE, method, twin, headers, None, twin_tag(twin)))
    return out


def count(pp: PathPlan) -> int:
    """Twin requests per example of ``pp`` (for ``Plan.requests``)."""
    return len(twin_methods(pp))


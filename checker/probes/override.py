"""Method-override probes: POST carrying ``X-HTTP-Method-Override: DELETE`` (and friends).

Per path and example, on the *generated-id* URL (``ProbeContext.write_url``, never a real id):

* one plain ``POST`` with no body (tag ``plain``): what POST does without an override, and one with a form
  body that names no method (``c405=1``, tag ``plain (form)``): what any form body gets here;
* for each overridden method ``M``, POSTs naming ``M`` five ways: the headers ``X-HTTP-Method-Override``,
  ``X-HTTP-Method`` and ``X-Method-Override`` (no body), the query field ``?_method=M`` (no body), and
  the form field ``_method=M`` (the only body: ``_method=M``, ``application/x-www-form-urlencoded``,
  sent with ``Connection: close``; Rails' Rack::MethodOverride reads nothing else).

The rule (checker/rules/override.py) compares each with the plain POST of the same shape (the form carrier
with the plain form POST) and with the real ``M`` cell.

Fewer requests, the same verdicts (issue #17): the plain POST is the path's own POST cell when that was the
very same request (mostly: an undeclared POST goes without a body to the same generated-id URL; not where the
cell carries a required query field of the path's GET), and the
three headers and the query field go first in one POST that carries all four (tag ``every header and the
query=M``). Answered like the plain POST (the common case: no override middleware), none of them is honoured
and they are not sent one by one; answered otherwise, each is sent alone, to tell which one the server runs.
The form carrier is always sent alone: a layer that answers every form body the same (422) would hide a
header honoured behind it.

Which ``M``: ``ProbeOptions.override_probes`` is ``"one"`` (default: DELETE or PATCH, the declared one
first, as its answer most likely differs from POST's: 3 requests per path where nothing is honoured, 7 where
something is), ``"all"`` (DELETE and PATCH: 5 to 13) or ``"off"``. Only methods in the run's probe set are
named, and only when POST is in it too: an override never sends a method the run would not send anyway
(``--read-only`` sends none).

The probes add no side effect of their own (in every mode: ``--allow-writes`` opens the declared operations,
not conform405's own extras). They never go where a plain POST could act: not on a path with a declared
POST, nor where the POST cell is withheld, and each is sent only after the path's own POST probe was
refused (404, 405, 501), so a server that ignores the override never gets a POST it would serve (the five
``POST /terminals`` that started five terminals). They name DELETE or PATCH only, never PUT (it creates
what does not exist), only when that cell is sent itself, and -- unless the path's values are generated
ids that name nothing -- only after that method was refused too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlparse

from .base import ExtraProbe, ProbeContext

if TYPE_CHECKING:  # a path's plan, in annotations only (the plan counts what this family builds)
    from ..plan import PathPlan


ROLE = "override"
HEADERS = ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override")
TARGETS = ("DELETE", "PATCH")
PLAIN = "plain"
#: a POST with a form body that names no method: what any form body gets on this URL (a validation layer
#: that answers 422 to every form body says nothing about the override)
PLAIN_FORM = "plain (form)"
FORM = {"content-type": "application/x-www-form-urlencoded", "connection": "close"}
#: the carrier named by the POST that carries the three headers and the query field at once
EVERY = "every header and the query"


def targets(pp: PathPlan, mode: str) -> list[str]:
    probed = {c.method for c in pp.cells if c.withheld is None}
    if mode == "off" or "POST" not in probed or "POST" in pp.item.operations:
        return []  # a declared POST could act there: so could its override twins
    candidates = [m for m in TARGETS if m in probed]
    if mode == "all" or not candidates:
        return candidates
    declared = [m for m in candidates if m in pp.item.operations]
    return [(declared or candidates)[0]]


def informative(pp: PathPlan, options: object) -> bool:
    """Whether this path's answers can show an override honoured: only where the method it names is declared
    (its answer then differs from a refused POST's). Elsewhere the overridden request is refused as the POST
    is, and an honoured override looks like an ignored one (checker/adaptive.py samples a mount here)."""
    return any(m in pp.item.operations for m in targets(pp, getattr(options, "override_probes", "one")))


def tag(carrier: str, method: str) -> str:
    return f"{carrier}={method}"


def override_probes(pp: PathPlan, ctx: ProbeContext) -> list[ExtraProbe]:
    methods = targets(pp, getattr(ctx.options, "override_probes", "one"))
    if not methods:
        return []
    url = ctx.write_url
    sep = "&" if urlparse(url).query else "?"
    gate = ("POST",)  # a POST that a handler serves is never repeated
    # the path's own POST cell, when it was this very request, already is the plain POST's answer
    same = ctx.requests.get("POST") == (url, {}, None)
    out = [ExtraProbe(ROLE, "POST", url, {}, None, tag=PLAIN, only_if_refused=gate, cell_answer=same),
           ExtraProbe(ROLE, "POST", url, dict(FORM), b"c405=1", tag=PLAIN_FORM, only_if_refused=gate)]
    for m in methods:
        # an id that names nothing: the override acts on nothing; otherwise only where M itself was refused
        g = gate + (() if ctx.inert else (m,))
        # the three headers and the query field at once: answered like the plain POST, none of them is honoured
        # and the four are not sent one by one; answered otherwise, they are, to tell which one is
        every = tag(EVERY, m)
        out.append(ExtraProbe(ROLE, "POST", f"{url}{sep}_method={m}", {h: m for h in HEADERS}, None, tag=every,
                              only_if_refused=g))
        for h in HEADERS:
            out.append(ExtraProbe(ROLE, "POST", url, {h: m}, None, tag=tag(h, m), only_if_refused=g,
                                  only_if_unlike=(PLAIN, every)))
        out.append(ExtraProbe(ROLE, "POST", f"{url}{sep}_method={m}", {}, None, tag=tag("_method (query)", m),
                              only_if_refused=g, only_if_unlike=(PLAIN, every)))
        # Connection: close -- a route that answers without reading the body (a 405 handler) leaves
        # "_method=M" in the stream of a server that does not drain it, where it would prefix the next
        # request line on that keep-alive connection (seen on http.server: "_method=DELETEPOST /x")
        out.append(ExtraProbe(ROLE, "POST", url, dict(FORM), f"_method={m}".encode(), tag=tag("_method (form)", m),
                              only_if_refused=g))
    return out


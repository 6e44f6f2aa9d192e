"""Method override: POST + ``X-HTTP-Method-Override: DELETE`` (or ``_method=DELETE``) executed as DELETE."""

from __future__ import annotations

from typing import Iterator

from ..probes.override import EVERY, PLAIN, PLAIN_FORM, ROLE
from .base import Finding, PathContext, Rule, finding, served

HONOURED = Rule(
    id="method-override-honoured",
    title="The server honours a method override",
    severity="warning",
    summary=(
        "A POST naming another method (X-HTTP-Method-Override, X-HTTP-Method, X-Method-Override header, or a "
        "`_method` query or form field) gets the answer of that method, not the answer of a plain POST. "
        "Path-level; the finding's method is the overridden one. Error when the real method is refused at the "
        "public URL but the override reaches the application (a gateway bypass, seen with --direct-url)."
    ),
    why=(
        "Method restrictions enforced outside the application (a gateway or WAF that blocks DELETE, CSRF rules "
        "that only guard some methods, logs and rate limits per method) are bypassed by a POST that the "
        "application then runs as DELETE. The spec does not describe it, so nobody reviews it."
    ),
    rfc="RFC 9110 §9.1 (the method is the request line's), §9.3.3 (POST)",
    example=(
        "> POST /items/42                                   -> 405 Allow: GET, DELETE\n"
        "> POST /items/42  X-HTTP-Method-Override: DELETE   -> 204\n"
        "> DELETE /items/42                                 -> 204"
    ),
    fix=(
        "Remove the override middleware (Express method-override, Rack::MethodOverride, Laravel/Symfony "
        "http_method_override, ASP.NET UseHttpMethodOverride) or restrict it to HTML form routes; if it must "
        "stay, apply every method restriction after it."
    ),
    family="override",
)

RULES = (HONOURED,)

_NOISE = {429, 502, 503, 504}


def check(ctx: PathContext) -> Iterator[Finding]:
    extras = ctx.extras.get(ROLE, ())
    if not extras:
        return
    direct = {(o.method, o.example): o for o in ctx.extras.get("direct", ()) if o.status is not None}
    groups: dict[str, list] = {}  # method -> [first obs, carriers, plain, real, bypass]
    for example in sorted({o.example for o in extras}):
        mine = [o for o in extras if o.example == example and o.status is not None]
        plain = next((o for o in mine if o.tag == PLAIN), None)
        if plain is None or plain.status in _NOISE:
            continue
        plain_form = next((o for o in mine if o.tag == PLAIN_FORM), None)
        for obs in mine:
            if obs.tag in (PLAIN, PLAIN_FORM) or "=" not in obs.tag:
                continue
            carrier, method = obs.tag.rsplit("=", 1)
            if carrier == EVERY:  # answered unlike the plain POST: each carrier was then sent alone, and is judged
                continue
            status = obs.status
            if status == plain.status or status in _NOISE:
                continue
            if carrier.endswith("(form)") and (plain_form is None or plain_form.status == status):
                continue  # any form body gets this answer here (a validation layer): the override decided nothing
            real = next((o for o in ctx.probes.get(method, ()) if o.example == example and o.status is not None), None)
            twin = direct.get((method, example))
            bypass = False
            if real is not None and real.status == status:
                pass
            elif twin is not None and twin.status == status and served(status):
                bypass = real is not None and not served(real.status)
            else:
                continue
            entry = groups.setdefault(method, [obs, [], plain, real, False])
            if carrier not in entry[1]:
                entry[1].append(carrier)
            entry[4] = entry[4] or bypass
    for method, (obs, carriers, plain, real, bypass) in groups.items():
        msg = (f"POST with {', '.join(carriers)} naming {method} answered {obs.status} like {method} itself "
               f"({real.status if real is not None else '?'}), not like a plain POST ({plain.status}): "
               f"the server runs the override")
        if bypass:
            msg += f"; {method} itself is refused at the public URL, so the override bypasses that restriction"
        yield finding(HONOURED, ctx, obs, msg, method=method,
                      facts={"method": method, "carriers": sorted(carriers)},
                      extra={"carriers": carriers,
                             "plain_post": {"url": plain.url, "status": plain.status},
                             "real_method": {"method": method, "url": real.url if real else None,
                                             "status": real.status if real else None}},
                      severity="error" if bypass else None)

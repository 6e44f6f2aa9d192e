"""Hand-made observations for rule unit tests: no server, just the facts a probe would have seen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checker import api
from checker.judge import judge, path_context
from checker.observe import Exchange, Observation
from checker.judge import JudgeOptions
from checker.rules import RULES, allow, head_options, methods, network

#: The rule families under test here (other features' rules judge the same facts in their own tests).
FAMILIES = (methods, allow, head_options, network)
MINE = {r.id for f in FAMILIES for r in f.RULES}
ONLY_MINE = JudgeOptions(severity={r: "off" for r in RULES if r not in MINE})

BASE = "http://127.0.0.1:9"

SPEC = """
openapi: 3.1.0
info: {title: unit, version: "1"}
paths:
  /items:
    get: {responses: {"200": {description: ok}}}
    post: {responses: {"201": {description: ok}}}
  /items/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: ok}}}
  /login:
    post: {responses: {"200": {description: ok}}}
"""


def plan(tmp: Path, text: str = SPEC, methods: tuple[str, ...] | None = None):
    f = tmp / "spec.yaml"
    f.write_text(text)
    return api.build_plan(api.load(str(f)), api.PlanOptions(base_url=BASE, methods=methods))


def ex(method: str, url: str, status: int | None, *, allow: str | None = None, headers: tuple = (),
       body: bytes = b"", error: str | None = None) -> Exchange:
    hs = tuple(headers) + ((("allow", allow),) if allow is not None else ())
    return Exchange(method, url, status=status, headers=hs, body=body, body_size=len(body), error=error)


def ob(path: str, method: str, status: int | None, *, url: str | None = None, role: str = "probe", example: int = 0,
       values: dict[str, str] | None = None, chain: tuple[Exchange, ...] | None = None, **kw: Any) -> Observation:
    """One probe of ``method`` on ``path`` (its URL: the template filled with ``values``, or ``url``)."""
    if url is None:
        url = BASE + path
        for k, v in (values or {}).items():
            url = url.replace("{" + k + "}", v)
    if chain is None:
        chain = (ex(method, url, status, **kw),)
    return Observation(path=path, method=method, role=role, example=example, values=values or {},
                       value_sources={k: "generated" for k in values or {}}, chain=chain)


def findings(p, observations: list[Observation], path: str):
    """``{(method, rule)}`` and the context after every check ran on ``path``'s observations."""
    pp = next(x for x in p.paths if x.item.template == path)
    ctx = path_context(pp, [o for o in observations if o.path == path])
    out = [f for family in FAMILIES for f in family.check(ctx)]
    return out, ctx


def cells(p, observations: list[Observation]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["path"], c["method"]): c for c in judge(p, observations, ONLY_MINE).matrix}

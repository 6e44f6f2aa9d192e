"""Shrinking: where a cell's verdict differs between examples, the smallest request that still fails.

With ``--examples N`` every cell is probed with N sets of path values. When the examples of
one cell disagree (one id answers 405, another 500), the failing example is rarely the most
telling one. After the asynchronous probing, for each such cell, :func:`shrink` runs
``hypothesis.find`` over the strategies the cell's generated path values came from: every
attempt sends the cell's request again (synchronously, with httpx; the control GET too when
the cell needs one), judges the path with the attempt in place of the failing example, and
counts as failing when the cell's findings still include the failing example's rules.
Hypothesis then shrinks to the smallest such values. The attempts are bounded per cell
(``max_attempts``) and so is the number of cells shrunk (``max_cells``). Only generated (and
enum) values are shrunk, and a state-changing probe is never sent with a value the run knows
to be real (a spec example, a discovered id, a ``--path-param``).

The result is one observation per shrunk cell with the role ``shrunk``: its values are the
minimal ones, its tag a JSON object ``{"from": values of the original failing example,
"rules": [...], "attempts": n}``; the judge puts it in the evidence of the cell's findings
(``shrunk_from``, ``minimal_values``) and in their ``reproduce`` command.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlparse

from .judge import SHRUNK_ROLE, JudgeOptions, judge_path
from .observe import Exchange, Observation
from .plan import PathPlan, Plan
from .reproduce import secret_ref
from .spec.model import SAFE_METHODS
from .spec.paths import fill
from .values import ValueSource

#: Path-value sources that came from a strategy and may therefore be shrunk.
_SHRINKABLE = ("generated", "enum")


@dataclass(frozen=True)
class ShrinkOptions:
    max_attempts: int = 60  #: requests (attempts) per shrunk cell, the control GETs not counted
    max_cells: int = 20  #: cells shrunk per run
    max_requests: int | None = None  #: all requests shrinking may send (what --max-requests leaves), None: no cap
    timeout: float = 10.0
    max_body: int = 64 * 1024
    max_hops: int = 5
    seed: int = 0


def outcomes(pp: PathPlan, observations: list[Observation], options: JudgeOptions | None = None
             ) -> dict[str, dict[int, frozenset[str] | str]]:
    """Per method, per example: the rules that fired on the cell, or "ok"/"inconclusive"/"no-answer"."""
    examples = sorted({o.example for o in observations if o.role == "probe"})
    out: dict[str, dict[int, frozenset[str] | str]] = {}
    for i in examples:
        subset = [o for o in observations if o.example == i or o.role == "discovery"]
        findings, _, ctx = judge_path(pp, subset, options)
        for cell in pp.cells:
            probes = [o for o in ctx.probes.get(cell.method, ()) if o.example == i]
            if not probes or all(o.skipped for o in probes):
                continue
            rules = frozenset(f.rule for f in findings if f.method == cell.method or cell.method in f.evidence.get("seen_on", ()))
            if rules:
                out.setdefault(cell.method, {})[i] = rules
            elif all(o.status is None for o in probes):
                out.setdefault(cell.method, {})[i] = "no-answer"
            else:
                out.setdefault(cell.method, {})[i] = "inconclusive" if (cell.method, i) in ctx.inconclusive else "ok"
    return out


def candidates(plan: Plan, observations: list[Observation], options: JudgeOptions | None = None
               ) -> list[tuple[PathPlan, str, int, frozenset[str]]]:
    """``(path plan, method, failing example, its rules)`` for every cell whose examples disagree."""
    if plan.options.examples < 2:
        return []
    by_path: dict[str, list[Observation]] = {}
    for o in observations:
        by_path.setdefault(o.path, []).append(o)
    out = []
    for pp in plan.paths:
        obs = by_path.get(pp.item.template, [])
        if not obs:
            continue
        for method, per_example in outcomes(pp, obs, options).items():
            if len(set(per_example.values())) < 2:
                continue
            failing = [(i, r) for i, r in sorted(per_example.items()) if isinstance(r, frozenset)]
            if failing:
                out.append((pp, method, failing[0][0], failing[0][1]))
    return out


def shrink(plan: Plan, observations: list[Observation], values: ValueSource, headers: dict[str, str],
           masked: set[str] | frozenset[str] = frozenset(), judge_options: JudgeOptions | None = None,
           options: ShrinkOptions | None = None) -> tuple[list[Observation], int]:
    """The ``shrunk`` observations for the cells whose verdict differs between examples, and the
    number of requests sent to find them."""
    options = options or ShrinkOptions()
    found = candidates(plan, observations, judge_options)[: options.max_cells]
    if not found:
        return [], 0
    import httpx

    out: list[Observation] = []
    with httpx.Client(follow_redirects=False, timeout=options.timeout, trust_env=False) as client:
        sender = _Sender(client, headers, masked, options)
        for pp, method, example, rules in found:
            obs = _shrink_cell(plan, pp, method, example, rules, observations, values, sender, judge_options, options)
            if obs is not None:
                out.append(obs)
    return out, sender.sent


class _Sender:
    def __init__(self, client: Any, headers: dict[str, str], masked: set[str] | frozenset[str], options: ShrinkOptions) -> None:
        from .http.client import USER_AGENT

        self.client = client
        self.headers = {"user-agent": USER_AGENT, "accept": "*/*", **{k.lower(): v for k, v in headers.items()}}
        self.masked = {m.lower() for m in masked}
        self.options = options
        self.sent = 0

    def chain(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[Exchange, ...]:
        """Send, following 307/308 within the origin (as the engine does)."""
        out: list[Exchange] = []
        for _ in range(self.options.max_hops + 1):
            ex = self.one(method, url, headers, body)
            out.append(ex)
            location = ex.header("location")
            if ex.status in (307, 308) and location:
                nxt = urljoin(url, location)
                if urlparse(nxt)[:2] != urlparse(url)[:2] or any(c.url == nxt for c in out):
                    break
                url = nxt
                continue
            break
        return tuple(out)

    def one(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Exchange:
        import httpx

        req_headers = {**self.headers, **{k.lower(): v for k, v in headers.items()}}
        shown = tuple((k, secret_ref(k) if k in self.masked else v) for k, v in req_headers.items())
        started = time.perf_counter()
        self.sent += 1
        try:
            with self.client.stream(method, url, headers=req_headers, content=body) as response:
                chunks: list[bytes] = []
                size = 0
                if method.upper() != "HEAD":
                    for chunk in response.iter_raw():
                        size += len(chunk)
                        chunks.append(chunk)
                        if size > self.options.max_body:
                            break
                data = b"".join(chunks)
                return Exchange(method, url, shown, body, status=response.status_code,
                                reason=response.reason_phrase,
                                headers=tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in response.headers.raw),
                                body=data[: self.options.max_body], body_size=size,
                                body_truncated=size > self.options.max_body, http_version=response.http_version,
                                elapsed=time.perf_counter() - started)
        except httpx.HTTPError as exc:
            return Exchange(method, url, shown, body, error=f"network: {exc.__class__.__name__}: {exc}",
                            elapsed=time.perf_counter() - started)


def _shrink_cell(plan: Plan, pp: PathPlan, method: str, example: int, rules: frozenset[str],
                 observations: list[Observation], values: ValueSource, sender: _Sender,
                 judge_options: JudgeOptions | None, options: ShrinkOptions) -> Observation | None:
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    mine = [o for o in observations if o.path == pp.item.template and (o.example == example or o.role == "discovery")]
    failing = next((o for o in mine if o.role == "probe" and o.method == method), None)
    if failing is None or not failing.chain:
        return None
    names = [n for n, src in failing.value_sources.items() if src in _SHRINKABLE]
    if not names:
        return None  # nothing generated: the examples differ for another reason (the server is not stable)
    cell = next((c for c in pp.cells if c.method == method), None)
    if method not in SAFE_METHODS and getattr(pp, "harmless", False) and (cell is None or cell.declared):
        # harmless by default (checker/writes.py): trials of a declared write are requests of conform405's own
        # that could act (a smaller id may name a real row); an undeclared method's trials are the finding's
        return None
    strategies = {n: values.path_strategy(pp.item, n) for n in names}
    if method not in SAFE_METHODS:
        # a state-changing probe never carries a value the run knows to be real (an example, a discovered
        # id, the user's), however small shrinking would like it to be
        for n in names:
            real = {o.values[n] for o in observations if o.path == pp.item.template and n in o.values
                    and o.value_sources.get(n) in ("example", "discovered", "user")}
            if real:
                strategies[n] = strategies[n].filter(lambda v, real=frozenset(real): v not in real)
    strategy = st.fixed_dictionaries(strategies)
    first = failing.chain[0]
    query = urlparse(first.url).query
    own_headers = {k: v for k, v in first.request_headers if k not in sender.headers and k not in sender.masked}
    control = next((o for o in mine if o.role == "control"), None)
    attempts = 0
    seen: dict[str, Observation] = {}  #: failing candidates and their observation
    passed: set[str] = set()

    def fails(candidate: dict[str, str]) -> bool:
        nonlocal attempts
        key = json.dumps(candidate, sort_keys=True)
        if key in seen or key in passed:
            return key in seen
        if attempts >= options.max_attempts or (options.max_requests is not None and sender.sent + 2 > options.max_requests):
            return False  # the budget is spent: the smallest failing request so far stands
        attempts += 1
        vals = {**failing.values, **candidate}
        url = fill(pp.url, vals) + (f"?{query}" if query else "")
        chain = sender.chain(method, url, own_headers, first.body_sent)
        probe = Observation(path=pp.item.template, method=method, role="probe", example=example, values=vals,
                            value_sources=failing.value_sources, chain=chain)
        trial = [o for o in mine if not (o.role == "probe" and o.method == method) and o.role != "control"] + [probe]
        if control is not None and method not in SAFE_METHODS and control.chain:
            c_first = control.chain[0]
            c_query = urlparse(c_first.url).query
            c_url = fill(pp.url, vals) + (f"?{c_query}" if c_query else "")
            trial.append(Observation(path=pp.item.template, method="GET", role="control", example=example, values=vals,
                                     value_sources=failing.value_sources, chain=sender.chain("GET", c_url, {}, None)))
        findings, _, _ = judge_path(pp, trial, judge_options)
        got = {f.rule for f in findings if f.method == method or method in f.evidence.get("seen_on", ())}
        if rules <= got:
            seen[key] = probe
            return True
        passed.add(key)
        return False

    try:
        minimal = find(strategy, fails, random=random.Random(options.seed),
                       settings=settings(max_examples=options.max_attempts, database=None, deadline=None,
                                         phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck)))
    except (NoSuchExample, Unsatisfiable):
        return None
    except Exception:  # noqa: BLE001 - shrinking is a refinement: never lose the run over it
        return None
    probe = seen.get(json.dumps(minimal, sort_keys=True))
    if probe is None:
        return None
    tag = json.dumps({"from": {n: failing.values[n] for n in names}, "rules": sorted(rules), "attempts": attempts},
                     sort_keys=True)
    return Observation(path=pp.item.template, method=method, role=SHRUNK_ROLE, example=example,
                       tag=tag, values=dict(probe.values), value_sources=dict(probe.value_sources), chain=probe.chain)

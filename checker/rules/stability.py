"""A path whose answer changes between identical requests: reported as unstable, never judged.

How it is detected (and what it costs): for every path with a GET cell, the engine sends the GET
probe's exact request again ``repeats`` times (default 2), back to back, right after the probe's
own answer (role ``repeat``; ``ProbeOptions.repeats = 0`` turns it off). That is **two extra
requests per path and example** (about +20 % on the default eight-method probe set). The path is
*unstable* when the status changes on **every** one of these consecutive requests (200, 500, 200):
a single change (200, 404, 404) is what a state change made by another probe, a cache warming up or
a deployment looks like, and is not reported. 429 answers (throttling) and network failures are left
out of the comparison.

On an unstable path, the other rules' findings are set aside (listed under ``ignored`` in the JSON
report, with the reason) and its cells are ``inconclusive``: a verdict drawn from one sample of a
coin flip would be noise, on a conformant server as much as on a broken one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from ..observe import Observation
from .base import Finding, PathContext, Rule, finding

#: The observations' role of the repeated GETs (set by checker/engine.py).
REPEAT_ROLE = "repeat"
#: Statuses left out of the comparison: throttling says nothing about the resource.
_IGNORED_STATUSES = frozenset({429})

UNSTABLE_ANSWER = Rule(
    id="unstable-answer",
    title="The answer changes between identical requests",
    severity="warning",
    summary="The same GET, sent back to back three times, got a different status every time; the path's other cells are not judged.",
    why=("Method conformance is judged from one answer per cell; when identical requests get different answers "
         "(a flapping instance behind a load balancer, a failing dependency, a random fault injector), any verdict "
         "on the path would be noise. The flapping is itself worth fixing: clients and caches cannot rely on it."),
    rfc="RFC 9110 §9.2.1 (safe methods), §9.2.2 (idempotent methods)",
    example="> GET /items  ->  200\n> GET /items  ->  500\n> GET /items  ->  200",
    fix=("Find which instance or dependency answers differently (the Server/Via headers and timings in the evidence help); "
         "check health checks and load-balancer pools. Run conform405 again once the path answers consistently."),
    family="stability",
)

RULES = (UNSTABLE_ANSWER,)


def statuses(first: Observation, repeats: Iterable[Observation]) -> list[int]:
    """The final statuses of the GET probe and its repeats, in the order they were sent."""
    seq = [first, *sorted(repeats, key=lambda o: o.tag)]
    return [o.status for o in seq if o.status is not None and o.status not in _IGNORED_STATUSES]


def is_unstable(seq: list[int]) -> bool:
    return len(seq) >= 3 and all(a != b for a, b in zip(seq, seq[1:]))


def unstable_paths(observations: Iterable[Observation]) -> dict[str, str]:
    """``{path template: "200, 500, 200"}`` for every unstable path (read before judging)."""
    gets: dict[tuple[str, int], Observation] = {}
    reps: dict[tuple[str, int], list[Observation]] = {}
    for o in observations:
        if o.method != "GET":
            continue
        if o.role == "probe":
            gets[(o.path, o.example)] = o
        elif o.role == REPEAT_ROLE:
            reps.setdefault((o.path, o.example), []).append(o)
    out: dict[str, str] = {}
    for key, first in gets.items():
        seq = statuses(first, reps.get(key, ()))
        if is_unstable(seq):
            out.setdefault(key[0], ", ".join(map(str, seq)))
    return out


@dataclass(frozen=True)
class UnstableIgnore:
    """Sets aside every finding on an unstable path except the ones that describe the instability itself.
    (Shaped like :class:`checker.judge.Ignore`, which the judge reads it as.)"""

    path: str
    reason: str
    rule: str = "*"
    method: str = "*"

    def matches(self, f: Finding) -> bool:
        return f.path == self.path and f.rule not in (UNSTABLE_ANSWER.id, "request-failed")


def ignores_for(observations: Iterable[Observation]) -> tuple[UnstableIgnore, ...]:
    return tuple(
        UnstableIgnore(path=path, reason=f"not judged: the path's answer is unstable (GET gave {seq})")
        for path, seq in unstable_paths(observations).items()
    )


def check(ctx: PathContext) -> Iterator[Finding]:
    repeats = ctx.extras.get(REPEAT_ROLE, [])
    if not repeats:
        return
    for first in ctx.probes.get("GET", ()):
        mine = [r for r in repeats if r.example == first.example and r.method == "GET"]
        seq = statuses(first, mine)
        if not is_unstable(seq):
            continue
        shown = ", ".join(map(str, seq))
        reason = f"unstable: identical GETs got {shown}"
        for obs_list in ctx.probes.values():
            for obs in obs_list:
                if obs.example == first.example:
                    ctx.mark_inconclusive(obs, reason)
        yield finding(UNSTABLE_ANSWER, ctx, first,
                      f"GET {ctx.template} got a different status on each of {len(seq)} identical requests ({shown}); "
                      "the path's other cells are not judged",
                      facts={"unstable": True}, extra={"statuses": seq})

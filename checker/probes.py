"""Extra probes: requests beyond the path × method cells (trailing-slash twins, method overrides,
CORS preflights, unknown method tokens, the direct-to-backend twin of a gateway URL, ...).

A feature registers a *factory* in ``EXTRA_PROBES``; for every path and example the engine
calls each factory and sends what it returns. Each answer becomes an
:class:`~checker.observe.Observation` with the probe's ``role`` and ``tag``, and the rules
read them from ``PathContext.extras[role]``. Factories only describe requests; they send nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .plan import PathPlan


@dataclass(frozen=True)
class ExtraProbe:
    role: str  #: a family name: "twin", "override", "preflight", "unknown-method", "direct", ...
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    tag: str = ""  #: what tells it apart within its role (e.g. "X-HTTP-Method-Override=DELETE")
    raw: bool = False  #: send once over a raw HTTP/1.1 socket (checker/http/raw.py), no redirects: sees what clients hide (a HEAD body)
    #: methods whose cell probe (same path and example) must have been refused (404, 405, 501: no handler
    #: acted) before this is sent; otherwise it is not sent. A state-changing extra probe is sent after
    #: every cell probe of its path, so the answers are known (checker/engine.py).
    only_if_refused: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProbeContext:
    """What a factory may use to build its requests for one path and one example."""

    example: int
    safe_url: str  #: the path's URL filled with real values (user, example, discovered) -- for safe methods
    write_url: str  #: the path's URL filled with generated values -- for state-changing methods
    options: object  #: the run's ProbeOptions (features read their own fields)
    #: the cell probes of this path and example, method -> (url, headers, body), exactly as sent
    requests: dict[str, tuple[str, dict[str, str], bytes | None]] = field(default_factory=dict)
    #: every value in ``write_url`` is a generated id unlike a real one (checker/writes.py)
    inert: bool = False


ExtraProbeFactory = Callable[[PathPlan, ProbeContext], list[ExtraProbe]]

#: Registered factories, in order. A feature module appends to this at import time and is
#: imported from ``_load()`` below, so the list is complete before a run starts.
EXTRA_PROBES: list[ExtraProbeFactory] = []

_FEATURE_MODULES: tuple[str, ...] = ()
_FEATURE_MODULES += ("checker.gateway", "checker.override", "checker.cors", "checker.unknown_method",
                      "checker.head_depth")
_FEATURE_MODULES += ("checker.slashes",)  # trailing-slash twins


def factories() -> list[ExtraProbeFactory]:
    import importlib

    for name in _FEATURE_MODULES:
        importlib.import_module(name)
    return EXTRA_PROBES

"""What every probe family builds: an :class:`ExtraProbe` (a request beyond the path × method cells) from a
:class:`ProbeContext` (what it may know of one path and one example). Factories only describe requests;
the engine sends them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # a factory takes a path's plan; the plan counts what factories return
    from ..plan import PathPlan


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
    #: the path's cell probe of this method (same example) was exactly this request -- URL, headers, body: its
    #: answer is this probe's too, recorded with the cell's exchanges and never sent a second time
    cell_answer: bool = False
    #: two tags of this role: sent only when the path's probes with those tags (same example) answered with
    #: different statuses, or one of them got no answer. When they answered alike, what this probe would show is
    #: known already (checker/probes/override.py: no carrier honoured when all of them at once were not): it is
    #: neither sent nor recorded
    only_if_unlike: tuple[str, str] = ()


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


ExtraProbeFactory = Callable[["PathPlan", ProbeContext], list[ExtraProbe]]

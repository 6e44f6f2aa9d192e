"""How to probe: the options that planning (to count requests) and probing (to send them) both read.

Apart from both so that neither imports the other: :mod:`checker.plan` counts what a run with these
options sends, :mod:`checker.engine` sends it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProbeOptions:
    seed: int = 0
    path_params: tuple[tuple[str, str], ...] = ()  #: --path-param NAME=VALUE
    send_bodies: bool = False  #: schema-valid bodies on declared state-changing operations
    use_real_ids: bool = False  #: examples and discovered ids on state-changing probes too
    max_requests: int | None = None
    max_time: float | None = None  #: whole-run deadline (seconds)
    rate_limit: float | None = None  #: requests per second
    retries: int = 1  #: re-sends of a safe-method probe whose connection failed (connect/reset); never other methods
    retry_after_cap: float = 30.0  #: 429/503 Retry-After waits honoured, in total per run (seconds); beyond, not waited for
    repeats: int = 2  #: back-to-back GETs repeated per path and example, for the unstable-answer rule (0: off)
    client: str = "fetch"  #: --client: the redirect-following profile chains are judged by (checker/http/redirects.py)
    direct_url: str | None = None  #: --direct-url: the application behind the gateway (replaces the base URL, like --base-url)
    direct_host: str | None = None  #: --direct-host: the Host header sent to direct_url (the public host name)
    cors_origin: str | None = None  #: --cors-origin: send browser preflights from this Origin
    override_probes: str = "one"  #: --override-probes one|all|off: method-override probes per path (checker/probes/override.py)
    unknown_method: bool = True  #: one made-up method token per path (checker/probes/unknown_method.py)
    head_raw: bool = True  #: one raw-socket HEAD per path with a GET, to see a HEAD body (checker/http/raw.py)
    #: --exhaustive: every stack-level probe family on every path; by default they are asked of a sample of paths
    #: and extended where the answers differ (checker/adaptive.py)
    exhaustive: bool = False
    slash_twins: bool = True  #: the trailing-slash twin of each path's probes (checker/probes/slashes.py; --no-slash-twins)

"""Observations: what was sent and what came back. Facts only, no judgement.

Keeping facts apart from findings lets a rule be tested on a hand-made observation
with no server, and lets a saved report be judged again without sending anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Response headers kept in full in an observation (others are kept too, but these are what rules read).
KEY_HEADERS = ("allow", "location", "content-type", "content-length", "server", "retry-after", "www-authenticate")


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its answer (or the network error instead of an answer)."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...] = ()
    body_sent: bytes | None = None
    status: int | None = None
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()  #: response headers, names lower-cased, in order
    body: bytes = b""  #: at most the body cap
    body_size: int = 0  #: bytes read (may exceed len(body) when truncated)
    body_truncated: bool = False
    http_version: str = "HTTP/1.1"
    error: str | None = None  #: network-level failure: "timeout: ...", "connect: ...", "protocol: ..."
    elapsed: float = 0.0

    def header(self, name: str) -> str | None:
        """All values of ``name`` joined with ", " (RFC 9110 §5.3), or None when absent."""
        name = name.lower()
        found = None
        for k, v in self.headers:  # a handful of fields: one pass, no list (the rules call this ~4 times an answer)
            if k == name:
                found = v if found is None else f"{found}, {v}"
        return found

    def has_header(self, name: str) -> bool:
        name = name.lower()
        for k, _ in self.headers:
            if k == name:
                return True
        return False

    @property
    def ok(self) -> bool:
        return self.status is not None and self.error is None

    def to_dict(self, body_excerpt: int = 512) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "url": self.url}
        if self.request_headers:
            out["request_headers"] = dict(self.request_headers)
        if self.body_sent is not None:
            out["body_sent"] = self.body_sent[:body_excerpt].decode("utf-8", "replace")
        if self.error is not None:
            out["error"] = self.error
        if self.status is not None:
            out["status"] = self.status
            out["headers"] = _headers_dict(self.headers)
            if self.body:
                out["body_excerpt"] = self.body[:body_excerpt].decode("utf-8", "replace")
            out["body_size"] = self.body_size
            if self.body_truncated:
                out["body_truncated"] = True
        out["elapsed_ms"] = round(self.elapsed * 1000, 1)
        return out


def _headers_dict(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in headers:
        out[k] = f"{out[k]}, {v}" if k in out else v
    return out


@dataclass(frozen=True, slots=True)
class Observation:
    """What one probe of a cell saw: the first request, every redirect hop followed, the final answer."""

    path: str  #: template as written in the spec
    method: str
    role: str  #: "probe" | "control" (GET on the generated-id URL) | "discovery" | an extra probe's role
    example: int  #: index of the example (0..examples-1)
    tag: str = ""  #: for extra probes: what tells it apart within its role
    values: dict[str, str] = field(default_factory=dict)  #: path parameter values used
    value_sources: dict[str, str] = field(default_factory=dict)
    chain: tuple[Exchange, ...] = ()  #: every exchange, first to last (redirects followed)
    skipped: str | None = None  #: why nothing was sent (could not generate a value, bound reached)
    #: a sampled path whose answer this is, carried over to this path (checker/adaptive.py): the request was not
    #: sent here; ``chain`` holds this path's request and the sampled path's answer
    inferred_from: str | None = None

    @property
    def first(self) -> Exchange | None:
        return self.chain[0] if self.chain else None

    @property
    def final(self) -> Exchange | None:
        return self.chain[-1] if self.chain else None

    @property
    def status(self) -> int | None:
        chain = self.chain  # not self.final: the rules read this often
        return chain[-1].status if chain else None

    @property
    def url(self) -> str | None:
        return self.chain[0].url if self.chain else None

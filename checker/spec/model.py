"""The spec model: what an OpenAPI document promises about paths and methods.

Only what conformance on methods needs is modelled; schemas stay plain JSON-Schema
dictionaries (with ``$ref``s resolved on demand through :class:`Resolver`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

#: Methods whose effects a server must not treat as state-changing (RFC 9110 §9.2.1).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "QUERY"})

#: The method universe of each OpenAPI family (operation keys of a Path Item).
METHOD_UNIVERSE: dict[str, tuple[str, ...]] = {
    "2.0": ("get", "put", "post", "delete", "options", "head", "patch"),
    "3.0": ("get", "put", "post", "delete", "options", "head", "patch", "trace"),
    "3.1": ("get", "put", "post", "delete", "options", "head", "patch", "trace"),
    "3.2": ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query"),
}

#: The default probe set before a document adds its own (QUERY, additionalOperations).
DEFAULT_PROBE_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


@dataclass(frozen=True, slots=True)
class Problem:
    """A validation problem in the document: where (JSON pointer) and what."""

    pointer: str
    message: str
    fatal: bool = False
    file: str | None = None
    line: int | None = None

    def describe(self) -> str:
        loc = f"{self.file}:{self.line}: " if self.file and self.line else (f"{self.file}: " if self.file else "")
        return f"{loc}{self.pointer or '/'}: {self.message}"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str  # path | query | header | cookie
    required: bool
    schema: dict[str, Any] | None  # JSON Schema (may hold $refs; resolve through Spec.resolver)
    base: str  # URI of the document the schema came from (for relative $refs)
    example: Any = None
    has_example: bool = False
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    media_type: str | None  # the media type a probe sends (application/json preferred)
    schema: dict[str, Any] | None
    base: str
    example: Any = None
    has_example: bool = False


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # as sent on the wire: "GET", "QUERY", or an additionalOperations key as written ("PURGE")
    key: str  # as written in the document ("get", "query", "PURGE")
    pointer: str  # JSON pointer of the operation object in its document
    source: str  # URI of the document holding the operation
    operation_id: str | None
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    servers: tuple[str, ...]  # server URLs in force for this operation (variables substituted)
    responses: tuple[str, ...] = ()  # declared response codes ("200", "4XX", "default")


@dataclass(frozen=True, slots=True)
class PathItem:
    template: str  # exactly as written in the document
    pointer: str  # JSON pointer of the path key in the root document ("/paths/~1pets")
    source: str  # URI of the document holding the path item (differs when it is a $ref)
    operations: dict[str, Operation]  # wire method -> operation, in document order
    parameters: tuple[Parameter, ...]  # path-level parameters (already merged into each operation)
    servers: tuple[str, ...]

    @property
    def declared_methods(self) -> tuple[str, ...]:
        return tuple(self.operations)

    @property
    def path_parameters(self) -> tuple[str, ...]:
        """Names of the ``{name}`` segments of the template, in order."""
        from .paths import template_names

        return template_names(self.template)


@dataclass(slots=True)
class Spec:
    """A loaded OpenAPI document."""

    location: str  # what the user gave (path or URL)
    uri: str  # absolute URI of the root document
    version: str  # as written: "2.0", "3.0.3", "3.1.0", "3.2.0"
    family: str  # "2.0" | "3.0" | "3.1" | "3.2"
    title: str
    syntax: str  # "json" | "yaml"
    paths: tuple[PathItem, ...]
    servers: tuple[str, ...]  # root server URLs, variables substituted
    problems: tuple[Problem, ...]
    resolver: Any = field(repr=False)  # checker.spec.refs.Resolver
    _locator: Callable[[str, str], tuple[int, int] | None] | None = field(default=None, repr=False)

    @property
    def operation_count(self) -> int:
        return sum(len(p.operations) for p in self.paths)

    @property
    def extra_methods(self) -> tuple[str, ...]:
        """Methods beyond the default probe set that this document names (QUERY, additionalOperations)."""
        seen: dict[str, None] = {}
        if self.family == "3.2":
            seen["QUERY"] = None
        for item in self.paths:
            for method in item.operations:
                if method not in DEFAULT_PROBE_METHODS:
                    seen[method] = None
        return tuple(seen)

    def positions_call(self, pointers: tuple[str, ...]) -> tuple[Any, tuple[Any, ...]] | None:
        """The call that looks ``pointers`` up in the root document, for the command's second process
        (checker/worker.py); None where the locator cannot hand it over (checker/spec/lines.py)."""
        call = getattr(self._locator, "positions_call", None)
        return call(self.uri, pointers) if call is not None else None

    def locate(self, pointer: str, source: str | None = None) -> tuple[int, int] | None:
        """Line and column (1-based) of the node at ``pointer`` in its source file, if known."""
        if self._locator is None:
            return None
        return self._locator(source or self.uri, pointer)

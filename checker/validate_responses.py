"""``--validate-responses``: the answers of declared operations against the responses the document declares.

openapi-core does the validation (status code lookup with ``2XX`` ranges and ``default``, media type
matching, deserialising and validating the body against the schema, 3.0 and 3.1 dialects, formats); this
module only adapts a run's answers to it. It is imported only when the option is given: loading openapi-core
and building its view of a large document costs seconds that a run on methods alone never pays
(tests/test_startup.py checks that a default run does not import it).

The document is the one conform405 already loaded and resolved its references with: openapi-core reads the
same dictionaries, and a ``$ref`` to another file is fetched through conform405's own resolver, under the same
rules (no remote document unless ``--allow-remote-refs``). Operations are looked up by their path template
and method, not by matching URLs against ``servers``: the run already knows which operation it probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .spec.model import Spec

#: findings say which schema rule failed, where in the body; at most this many per answer
MAX_ERRORS = 5


@dataclass(frozen=True)
class Problem:
    kind: str  #: "status" | "media-type" | "missing-body" | "body" | "headers"
    message: str
    errors: tuple[dict[str, str], ...] = ()  #: {"message", "at"} per schema error


class ResponseValidator:
    """Validates one answer of one declared operation. Built once per run (it holds openapi-core's view of the spec)."""

    def __init__(self, spec: Spec) -> None:
        from jsonschema_path import SchemaPath
        from openapi_core import V30ResponseValidator, V31ResponseValidator

        self.family = spec.family
        self.failures: list[str] = []  #: answers openapi-core could not validate (why, per answer)
        self.supported = spec.family in ("3.0", "3.1", "3.2")
        if not self.supported:
            return
        resolver = spec.resolver

        def fetch(uri: str) -> Any:  # other documents: through conform405's resolver and its rules
            return _str_keys(resolver.document(uri.split("#", 1)[0], "--validate-responses"), {})

        root = _str_keys(resolver.documents[resolver.root_uri], {})
        self.spec = SchemaPath.from_dict(root, base_uri=resolver.root_uri,
                                         handlers={"file": fetch, "http": fetch, "https": fetch})
        cls: Any = V30ResponseValidator if spec.family == "3.0" else V31ResponseValidator
        if spec.family == "3.2":
            try:
                from openapi_core import V32ResponseValidator as cls  # noqa: N813
            except ImportError:  # an older openapi-core: 3.1's dialect is the nearest
                pass
        self.validator = cls(self.spec)
        self._operations: dict[tuple[str, str], Any] = {}

    def operation(self, template: str, method: str) -> Any | None:
        key = (template, method)
        if key not in self._operations:
            op = self.spec / "paths" / template / method.lower()
            self._operations[key] = op if op.exists() else None
        return self._operations[key]

    def documented(self, template: str, method: str, status: int) -> bool | None:
        """Whether ``status`` has a response in the operation (an exact code, its ``NXX`` range or ``default``)."""
        try:
            op = self.operation(template, method)
            if op is None:
                return None
            keys = {str(k).upper() for k in (op / "responses").keys()} if (op / "responses").exists() else set()
        except Exception as exc:  # noqa: BLE001 - a document openapi-core cannot read here: no verdict
            self.failures.append(f"{method} {template}: {exc.__class__.__name__}: {exc}"[:300])
            return None
        return str(status) in keys or f"{str(status)[0]}XX" in keys or "DEFAULT" in keys

    def problems(self, template: str, method: str, status: int, headers: dict[str, str], body: bytes,
                 truncated: bool = False) -> list[Problem]:
        """What is wrong with this answer for the documented operation (empty: it conforms, or cannot be told).

        openapi-core failing on a part of the document (a reference it cannot follow, a schema it cannot
        compile) is not a finding about the server: the answer is counted in ``failures`` (a note of the report)."""
        try:
            return self._problems(template, method, status, headers, body, truncated)
        except Exception as exc:  # noqa: BLE001 - never lose a run's judgement over one unvalidatable answer
            self.failures.append(f"{method} {template}: {exc.__class__.__name__}: {exc}"[:300])
            return []

    def _problems(self, template: str, method: str, status: int, headers: dict[str, str], body: bytes,
                  truncated: bool) -> list[Problem]:
        from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
        from openapi_core.templating.responses.exceptions import ResponseNotFound
        from openapi_core.validation.response.exceptions import DataValidationError, InvalidData, MissingData

        op = self.operation(template, method)
        if op is None:
            return []
        if self.documented(template, method, status) is False:
            return [Problem("status", f"status {status} is not among the documented responses "
                                      f"({', '.join(sorted(str(k) for k in (op / 'responses').keys()))})")]
        if method == "HEAD" or truncated:  # no body to read (HEAD), or not all of it (--max-body)
            return []
        mimetype = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        out: list[Problem] = []
        for exc in self.validator._iter_errors(status, body, headers, mimetype, op):
            cause = exc.__cause__
            if isinstance(exc, ResponseNotFound):
                out.append(Problem("status", str(exc)))
            elif isinstance(exc, MissingData):
                out.append(Problem("missing-body", "the response documents content, but the answer has no body"))
            elif isinstance(cause, MediaTypeNotFound):
                out.append(Problem("media-type", f"media type {mimetype or '(none)'} is not documented for {status} "
                                                 f"(documented: {', '.join(cause.availableMimetypes)})"))
            elif isinstance(exc, (InvalidData, DataValidationError)):
                errors = tuple({"message": getattr(e, "message", str(e))[:300], "at": _at(getattr(e, "absolute_path", ()))}
                               for e in list(getattr(cause, "schema_errors", ()) or ())[:MAX_ERRORS])
                first = f"{errors[0]['message']} at {errors[0]['at']}" if errors else str(cause or exc)[:300]
                out.append(Problem("body", f"the body does not match the documented schema: {first}", errors))
            else:  # a header schema, a body that cannot be deserialised ...
                out.append(Problem("headers" if "header" in type(exc).__name__.lower() else "body", str(exc)[:300]))
        return out


def _str_keys(node: Any, memo: dict[int, Any]) -> Any:
    """The document with every mapping key a string, as in JSON: YAML reads ``200:`` as an integer, which
    openapi-core does not accept as a response code. Shared nodes (YAML anchors) stay shared, cycles end."""
    if isinstance(node, dict):
        if id(node) in memo:
            return memo[id(node)]
        out: dict[str, Any] = {}
        memo[id(node)] = out
        for k, v in node.items():
            out[k if isinstance(k, str) else str(k).lower() if isinstance(k, bool) else str(k)] = _str_keys(v, memo)
        return out
    if isinstance(node, list):
        if id(node) in memo:
            return memo[id(node)]
        items: list[Any] = []
        memo[id(node)] = items
        items.extend(_str_keys(v, memo) for v in node)
        return items
    return node


def _at(path: Any) -> str:
    """A JSON path (``$.items[0].id``) for a jsonschema error's ``absolute_path``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out

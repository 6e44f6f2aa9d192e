"""Loading an OpenAPI document (file or URL; Swagger 2.0, OpenAPI 3.0/3.1/3.2) into the model.

The default is lenient: problems that leave the document usable become warnings
(``Spec.problems``), problems that make it unusable raise :class:`SpecError` with
the JSON pointer and line. ``strict=True`` makes every problem fatal.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urljoin, urlparse

from ..errors import SpecError
from .model import METHOD_UNIVERSE, Operation, Parameter, PathItem, Problem, RequestBody, Spec
from .parse import MAX_DOCUMENT_BYTES, parse_document, too_large
from .paths import join_pointer, template_names, template_problem
from .refs import RefRefused, Resolver, display, path_to_uri, uri_to_path

#: Problems given a line number (each costs a look at the source text; the first use of a YAML file composes it).
MAX_LOCATED = 200


@dataclass(frozen=True)
class LoadOptions:
    allow_remote_refs: bool = False
    allow_outside_refs: bool = False
    strict: bool = False
    fetch_timeout: float = 15.0
    #: Largest document file (or fetched document, or $ref'd file) read, in bytes: refused before it is read.
    max_spec_size: int = MAX_DOCUMENT_BYTES


_SIZE_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(|b|bytes?|k|kb|kib|m|mb|mib|g|gb|gib)", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "byte": 1, "bytes": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10,
          "m": 1 << 20, "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}


def parse_size(text: str, option: str = "--max-spec-size") -> int:
    """``50MB``, ``200M``, ``1.5GB``, ``65536``: a size in bytes (K, M and G are powers of 1024)."""
    m = _SIZE_RE.fullmatch(text.strip())
    size = int(float(m.group(1)) * _UNITS[m.group(2).lower()]) if m else 0
    if size < 1:
        from ..errors import UsageError

        raise UsageError(f"{option} must be a size such as 64MB, 200M or 1048576 (bytes), not {text!r}")
    return size


def load_spec(source: str | Path, options: LoadOptions | None = None) -> Spec:
    """Load, resolve and model the document at ``source`` (a path or an http(s) URL)."""
    options = options or LoadOptions()
    source = str(source)
    if urlparse(source).scheme in ("http", "https"):
        uri = source
    else:
        path = Path(source)
        if not path.exists():
            raise SpecError("no such file", source)
        if path.is_dir():
            raise SpecError("is a folder, not an OpenAPI document", source)
        uri = path_to_uri(path)
    texts: dict[str, bytes] = {}
    nodes: dict[str, Any] = {}  # YAML node trees, kept only while the problems are given their lines
    with _gc_paused():
        doc, syntax = _fetch(uri, options, texts, nodes)
        resolver = Resolver(
            doc,
            uri,
            fetch=lambda u: _fetch(u, options, texts, nodes),
            allow_remote=options.allow_remote_refs,
            allow_outside=options.allow_outside_refs,
        )
        resolver.syntax[uri] = syntax
        resolver.texts = texts
        spec = _Builder(source, uri, doc, syntax, resolver, options, nodes).build()
    nodes.clear()
    fatal = [p for p in spec.problems if p.fatal or options.strict]
    if fatal:
        first = fatal[0]
        more = f" (and {len(fatal) - 1} more problem{'' if len(fatal) == 2 else 's'})" if len(fatal) > 1 else ""
        raise SpecError(first.message + more, _where(first))
    return spec


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a document is parsed and modelled.

    Parsing allocates hundreds of thousands of containers and none of them is garbage
    yet, so every collection the allocations trigger walks a growing tree for nothing:
    on large YAML documents that was up to half the load time. Collection resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _where(problem: Problem) -> str:
    loc = problem.file or ""
    if problem.line:
        loc += f":{problem.line}"
    return f"{loc} {problem.pointer or '/'}".strip()


def _fetch(uri: str, options: LoadOptions, texts: dict[str, bytes], nodes: dict[str, Any] | None = None) -> tuple[Any, str]:
    where = display(uri)
    limit = options.max_spec_size
    if uri.startswith("file:"):
        path = uri_to_path(uri)
        try:
            with path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size > limit:  # refused before a byte is read
                    raise too_large(size, limit, where)
                data = f.read(limit + 1)  # a file that grows (or a pipe) stops at the limit too
            if len(data) > limit:
                raise too_large(None, limit, where)
        except FileNotFoundError:
            raise SpecError("no such file", where) from None
        except IsADirectoryError:
            raise SpecError("is a folder, not an OpenAPI document", where) from None
        except OSError as exc:
            raise SpecError(f"cannot read: {exc.strerror}", where) from None
    else:
        data = _fetch_url(uri, options.fetch_timeout, limit)
        texts[uri] = data  # for the line map, which decodes what it needs (a file is read again instead)
    composed: list[Any] = []
    doc, syntax = parse_document(data, where, composed, limit)
    if nodes is not None and composed:
        nodes[uri] = composed[0]
    return doc, syntax


def _fetch_url(url: str, timeout: float, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    import time

    import httpx

    # ``timeout`` bounds each connect and each read, and the whole body too: a server that
    # trickles a byte a second cannot hold the load open for ever.
    deadline = time.monotonic() + timeout
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5) as client:
            with client.stream("GET", url, headers={"Accept": "application/json, application/yaml, */*"}) as resp:
                if resp.status_code != 200:
                    raise SpecError(f"fetching the document answered HTTP {resp.status_code}", url)
                announced = resp.headers.get("content-length", "")
                if announced.isdigit() and int(announced) > limit and "content-encoding" not in resp.headers:
                    raise too_large(int(announced), limit, url)  # refused before the body is read
                chunks: list[bytes] = []
                total = 0
                for chunk in resp.iter_bytes():  # decoded bytes: a compressed body is bounded by what it expands to
                    total += len(chunk)
                    if total > limit:
                        raise too_large(None, limit, url)
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("the whole document did not arrive in time")
                    chunks.append(chunk)
                return b"".join(chunks)
    except httpx.TimeoutException:
        raise SpecError(f"no answer within {timeout:g} s (--fetch-timeout)", url) from None
    except httpx.ConnectError as exc:
        raise SpecError(f"cannot connect: {_reason(exc)}", url) from None
    except httpx.TooManyRedirects:
        raise SpecError("too many redirects while fetching the document", url) from None
    except httpx.HTTPError as exc:
        raise SpecError(f"cannot fetch: {exc.__class__.__name__}: {exc}", url) from None


def _ref_failure(node: Any, exc: SpecError) -> str:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return f"$ref {ref!r}: {exc.message}" if ref is not None else exc.message


def _reason(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return text.split("] ", 1)[-1] if text.startswith("[Errno") else text


_VAR_RE = re.compile(r"\{([^{}]*)\}")


class _Builder:
    def __init__(self, location: str, uri: str, doc: Any, syntax: str, resolver: Resolver, options: LoadOptions,
                 nodes: dict[str, Any] | None = None):
        self.nodes = nodes if nodes is not None else {}
        self.location = location
        self.uri = uri
        self.doc = doc
        self.syntax = syntax
        self.resolver = resolver
        self.options = options
        self.problems: list[Problem] = []
        self._sources: list[str] = []  # URI of the document each problem is in (for its line)
        self._shown: dict[str, str] = {}  # URI -> as the user would write it (every operation's context names it)
        self.where = self.display(uri)

    def display(self, uri: str) -> str:
        """:func:`display`, once per document of the load (it asks the working folder each time)."""
        shown = self._shown.get(uri)
        if shown is None:
            shown = self._shown[uri] = display(uri)
        return shown

    # -- problems ----------------------------------------------------------------------------
    def problem(self, pointer: str, message: str, *, fatal: bool = False, source: str | None = None) -> None:
        self.problems.append(Problem(pointer, message, fatal, self.display(source or self.uri)))
        self._sources.append(source or self.uri)

    def fail(self, pointer: str, message: str, source: str | None = None) -> SpecError:
        return SpecError(message, f"{self.display(source or self.uri)} {pointer or '/'}")

    # -- document ------------------------------------------------------------------------------
    def build(self) -> Spec:
        doc = self.doc
        if not isinstance(doc, dict):
            raise SpecError(f"not an OpenAPI document: the top level is {_kind(doc)}", self.where)
        version, family = self._version(doc)
        info = doc.get("info")
        title = info.get("title") if isinstance(info, dict) else None
        if not isinstance(title, str):
            self.problem("/info/title", "missing info.title")
            title = ""
        servers = self._root_servers(doc, family)
        paths_node = doc.get("paths")
        items: list[PathItem] = []
        if paths_node is None:
            if family in ("2.0", "3.0"):
                self.problem("/paths", "missing 'paths' (required in this version)")
        elif not isinstance(paths_node, dict):
            raise self.fail("/paths", f"'paths' must be an object, not {_kind(paths_node)}")
        else:
            for template, node in paths_node.items():
                item = self._path_item(str(template), node, family, servers)
                if item is not None:
                    items.append(item)
        spec = Spec(
            location=self.location,
            uri=self.uri,
            version=version,
            family=family,
            title=title,
            syntax=self.syntax,
            paths=tuple(items),
            servers=servers,
            problems=(),
            resolver=self.resolver,
        )
        from .lines import Locator

        spec._locator = locator = Locator(self.resolver, self.nodes)
        spec.problems = tuple(self._with_lines(spec))
        locator.forget_nodes()  # a later lookup (a SARIF report) composes the file again, once
        return spec

    def _with_lines(self, spec: Spec) -> list[Problem]:
        # Line numbers cost a second look at the source: only for the problems there are.
        out = []
        for p, uri in zip(self.problems[:MAX_LOCATED], self._sources):
            pos = spec.locate(p.pointer, uri)
            out.append(Problem(p.pointer, p.message, p.fatal, p.file, pos[0] if pos else None))
        out.extend(self.problems[MAX_LOCATED:])
        return out

    def _version(self, doc: dict[str, Any]) -> tuple[str, str]:
        if "swagger" in doc:
            v = str(doc["swagger"])
            if v != "2.0":
                raise self.fail("/swagger", f"unsupported Swagger version {v!r} (only 2.0)")
            return v, "2.0"
        if "openapi" in doc:
            v = str(doc["openapi"])
            m = re.match(r"^3\.(\d+)(\.\d+)?", v)
            if not m:
                raise self.fail("/openapi", f"unsupported OpenAPI version {v!r} (2.0 and 3.0 to 3.2 are supported)")
            minor = int(m.group(1))
            if minor > 2:
                self.problem("/openapi", f"OpenAPI {v} is newer than this tool knows; read as 3.2")
                return v, "3.2"
            return v, f"3.{minor}"
        raise SpecError("not an OpenAPI document: no 'openapi' or 'swagger' field at the top level", self.where)

    # -- servers ---------------------------------------------------------------------------------
    def _root_servers(self, doc: dict[str, Any], family: str) -> tuple[str, ...]:
        if family == "2.0":
            host = doc.get("host")
            base_path = doc.get("basePath") or ""
            if not isinstance(base_path, str):
                self.problem("/basePath", "basePath must be a string")
                base_path = ""
            schemes = doc.get("schemes")
            scheme = schemes[0] if isinstance(schemes, list) and schemes and isinstance(schemes[0], str) else None
            if isinstance(host, str) and host:
                if scheme is None:
                    scheme = "https" if not self.uri.startswith("http:") else "http"
                return (f"{scheme}://{host}{base_path}",)
            return (self._absolute(base_path or "/"),)  # 2.0: no host means the host serving the document
        return self._servers(doc.get("servers"), "/servers", self.uri) or (self._absolute("/"),)

    def _absolute(self, url: str) -> str:
        """A server URL resolved against the document's own URL when it was fetched (OAS 3 §4.8.5)."""
        if self.uri.startswith(("http:", "https:")) and not urlparse(url).scheme:
            return urljoin(self.uri, url)
        return url

    def _servers(self, node: Any, pointer: str, source: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, list):
            self.problem(pointer, "'servers' must be an array", source=source)
            return ()
        out = []
        for i, server in enumerate(node):
            if not isinstance(server, dict) or not isinstance(server.get("url"), str):
                self.problem(f"{pointer}/{i}", "a server needs a 'url' string", source=source)
                continue
            url = server["url"]
            variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}

            def sub(m: re.Match[str], variables: dict[str, Any] = variables, i: int = i) -> str:
                var = variables.get(m.group(1))
                if isinstance(var, dict) and "default" in var:
                    return str(var["default"])
                self.problem(f"{pointer}/{i}/variables", f"server variable {m.group(1)!r} has no default", source=source)
                return ""

            out.append(self._absolute(_VAR_RE.sub(sub, url)))
        return tuple(out)

    # -- path items -----------------------------------------------------------------------------
    def _path_item(self, template: str, node: Any, family: str, root_servers: tuple[str, ...]) -> PathItem | None:
        pointer = join_pointer("paths", template)
        if template.startswith("x-"):
            return None  # specification extension, not a path
        why = template_problem(template)
        if why:
            raise self.fail(pointer, f"{why}: {template!r}")
        source = self.uri
        item_pointer = pointer
        if isinstance(node, dict) and "$ref" in node:
            try:
                target, source, item_pointer = self.resolver.lookup(node["$ref"], self.uri, f"{self.where} {pointer}")
                target, source = self.resolver.resolve(target, source, f"{self.where} {pointer}")
            except RefRefused:
                raise
            except SpecError as exc:
                self.problem(pointer, f"path item skipped: {_ref_failure(node, exc)}")
                return None
            extra = {k: v for k, v in node.items() if k != "$ref"}
            node = {**target, **extra} if isinstance(target, dict) and extra else target
        if node is None:
            node = {}
        if not isinstance(node, dict):
            raise self.fail(item_pointer, f"a path item must be an object, not {_kind(node)}", source)
        servers = self._servers(node.get("servers"), item_pointer + "/servers", source) or root_servers
        path_params = self._parameters(node.get("parameters"), item_pointer + "/parameters", source, family)
        operations: dict[str, Operation] = {}
        universe = METHOD_UNIVERSE[family]
        for key in node:  # document order
            if key in universe:
                op = self._operation(key.upper(), key, node[key], f"{item_pointer}/{key}", source, family, path_params, servers)
                if op is not None:
                    operations[op.method] = op
        for key in node:
            if isinstance(key, str) and key.lower() in METHOD_UNIVERSE["3.2"] and key not in METHOD_UNIVERSE[family] and key.lower() == key:
                self.problem(f"{item_pointer}/{key}", f"'{key}' is not an operation in OpenAPI {family}; ignored", source=source)
        if family == "3.2" and "additionalOperations" in node:
            extra_ops = node["additionalOperations"]
            if not isinstance(extra_ops, dict):
                raise self.fail(item_pointer + "/additionalOperations", "additionalOperations must be an object", source)
            for key, op_node in extra_ops.items():
                key = str(key)
                if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", key):
                    self.problem(f"{item_pointer}/additionalOperations/{key}", f"{key!r} is not a valid HTTP method token; skipped", source=source)
                    continue
                if key.upper() in operations or key.lower() in METHOD_UNIVERSE[family]:
                    self.problem(f"{item_pointer}/additionalOperations/{key}", f"{key!r} must be a fixed field, not an additional operation; skipped", source=source)
                    continue
                op = self._operation(key, key, op_node, f"{item_pointer}/additionalOperations/{join_pointer(key)[1:]}", source, family, path_params, servers)
                if op is not None:
                    operations[op.method] = op
        self._check_path_params(template, operations, path_params, item_pointer, source)
        return PathItem(template, pointer, source, operations, path_params, servers)

    def _check_path_params(self, template, operations, path_params, pointer, source) -> None:
        names = set(template_names(template))
        for op in operations.values():
            declared = {p.name for p in op.parameters if p.location == "path"}
            for missing in sorted(names - declared):
                self.problem(f"{op.pointer}", f"path parameter {missing!r} of {template} is not declared", source=source)
                break
        if not operations:
            declared = {p.name for p in path_params if p.location == "path"}
            del declared

    def _operation(self, method, key, node, pointer, source, family, path_params, servers) -> Operation | None:
        where = f"{self.display(source)} {pointer}"
        if isinstance(node, dict) and "$ref" in node:
            ref_source = source
            try:
                node, source = self.resolver.resolve(node, source, where)
            except RefRefused:
                raise
            except SpecError as exc:
                self.problem(pointer, f"operation skipped: {_ref_failure(node, exc)}", source=ref_source)
                return None
        if not isinstance(node, dict):
            raise self.fail(pointer, f"an operation must be an object, not {_kind(node)}", source)
        params = self._parameters(node.get("parameters"), pointer + "/parameters", source, family)
        merged: dict[tuple[str, str], Parameter] = {(p.name, p.location): p for p in path_params}
        for p in params:
            merged[(p.name, p.location)] = p
        body = None
        if family == "2.0":
            body = self._swagger_body(node, merged, pointer, source)
        elif "requestBody" in node:
            body = self._request_body(node["requestBody"], pointer + "/requestBody", source)
        op_servers = servers
        if family != "2.0" and "servers" in node:
            op_servers = self._servers(node.get("servers"), pointer + "/servers", source) or servers
        responses = node.get("responses")
        codes = tuple(str(k) for k in responses) if isinstance(responses, dict) else ()
        op_id = node.get("operationId")
        return Operation(
            method=method,
            key=key,
            pointer=pointer,
            source=source,
            operation_id=op_id if isinstance(op_id, str) else None,
            parameters=tuple(p for p in merged.values() if p.location in ("path", "query", "header", "cookie")),
            request_body=body,
            servers=op_servers,
            responses=codes,
        )

    def _parameters(self, node: Any, pointer: str, source: str, family: str) -> tuple[Parameter, ...]:
        if node is None:
            return ()
        if not isinstance(node, list):
            self.problem(pointer, "'parameters' must be an array", source=source)
            return ()
        out = []
        for i, raw in enumerate(node):
            where = f"{self.display(source)} {pointer}/{i}"
            base = source
            if isinstance(raw, dict) and "$ref" in raw:
                try:
                    raw, base = self.resolver.resolve(raw, source, where)
                except RefRefused:
                    raise
                except SpecError as exc:
                    self.problem(f"{pointer}/{i}", f"parameter skipped: {_ref_failure(raw, exc)}", source=source)
                    continue
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not isinstance(raw.get("in"), str):
                self.problem(f"{pointer}/{i}", "a parameter needs 'name' and 'in' strings", source=source)
                continue
            loc = raw["in"]
            if family == "2.0" and loc in ("body", "formData"):
                out.append(Parameter(raw["name"], loc, bool(raw.get("required")), raw.get("schema") if loc == "body" else _swagger_schema(raw), base))
                continue
            if loc not in ("path", "query", "header", "cookie"):
                self.problem(f"{pointer}/{i}/in", f"unknown parameter location {loc!r}", source=source)
                continue
            if family == "2.0":
                schema = _swagger_schema(raw)
            else:
                schema = raw.get("schema")
                if schema is None and isinstance(raw.get("content"), dict) and raw["content"]:
                    media = next(iter(raw["content"].values()))
                    schema = media.get("schema") if isinstance(media, dict) else None
            if schema is not None and not isinstance(schema, (dict, bool)):
                self.problem(f"{pointer}/{i}/schema", "schema must be an object", source=source)
                schema = None
            example, has_example = _example_of(raw, schema)
            examples = ()
            if isinstance(raw.get("examples"), dict):
                examples = tuple(
                    ex["value"] for ex in raw["examples"].values() if isinstance(ex, dict) and "value" in ex
                )
            required = bool(raw.get("required")) or loc == "path"
            out.append(Parameter(raw["name"], loc, required, schema if isinstance(schema, dict) else None, base, example, has_example, examples))
        return tuple(out)

    def _swagger_body(self, node, merged, pointer, source) -> RequestBody | None:
        body = next((p for p in merged.values() if p.location == "body"), None)
        form = [p for p in merged.values() if p.location == "formData"]
        consumes = node.get("consumes") or self.doc.get("consumes") or []
        consumes = [c for c in consumes if isinstance(c, str)] if isinstance(consumes, list) else []
        if body is not None:
            media = next((c for c in consumes if "json" in c), consumes[0] if consumes else "application/json")
            return RequestBody(body.required, media, body.schema if isinstance(body.schema, dict) else None, body.base)
        if form:
            media = next((c for c in consumes if "form" in c), "application/x-www-form-urlencoded")
            schema = {
                "type": "object",
                "properties": {p.name: p.schema or {} for p in form},
                "required": [p.name for p in form if p.required],
            }
            return RequestBody(any(p.required for p in form), media, schema, source)
        return None

    def _request_body(self, node: Any, pointer: str, source: str) -> RequestBody | None:
        where = f"{self.display(source)} {pointer}"
        base = source
        if isinstance(node, dict) and "$ref" in node:
            try:
                node, base = self.resolver.resolve(node, source, where)
            except RefRefused:
                raise
            except SpecError as exc:
                self.problem(pointer, f"requestBody ignored: {_ref_failure(node, exc)}", source=source)
                return None
        if not isinstance(node, dict):
            self.problem(pointer, "requestBody must be an object", source=source)
            return None
        content = node.get("content")
        if not isinstance(content, dict) or not content:
            return RequestBody(bool(node.get("required")), None, None, base)
        media = next((m for m in content if isinstance(m, str) and _is_json(m)), next(iter(content)))
        media_obj = content.get(media)
        schema = media_obj.get("schema") if isinstance(media_obj, dict) else None
        example, has_example = _example_of(media_obj if isinstance(media_obj, dict) else {}, schema)
        return RequestBody(bool(node.get("required")), str(media), schema if isinstance(schema, dict) else None, base, example, has_example)


def _is_json(media: str) -> bool:
    m = media.split(";", 1)[0].strip().lower()
    return m == "application/json" or m.endswith("+json")


def _example_of(obj: dict[str, Any], schema: Any) -> tuple[Any, bool]:
    if "example" in obj:
        return obj["example"], True
    if isinstance(obj.get("examples"), dict):
        for ex in obj["examples"].values():
            if isinstance(ex, dict) and "value" in ex:
                return ex["value"], True
    if isinstance(schema, dict):
        if "example" in schema:
            return schema["example"], True
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0], True
    return None, False


_SWAGGER_SCHEMA_KEYS = (
    "type", "format", "items", "enum", "default", "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf",
)


def _swagger_schema(param: dict[str, Any]) -> dict[str, Any]:
    """A Swagger 2.0 non-body parameter's type fields as a JSON Schema."""
    schema = {k: param[k] for k in _SWAGGER_SCHEMA_KEYS if k in param}
    if schema.get("type") == "file":
        schema = {"type": "string"}
    return schema


def _kind(value: Any) -> str:
    return {
        dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
    }.get(type(value), "null" if value is None else type(value).__name__)

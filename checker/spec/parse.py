"""Bytes to a Python document: JSON with a JSON parser, YAML with libyaml, all bounded.

Told apart by content, not by the file's extension: a document whose first
non-blank character is ``{`` or ``[`` is parsed as JSON first (orjson, then the
standard library for what orjson refuses), anything else as YAML with the C loader.
YAML anchors and aliases are allowed but their expansion is bounded (the
"billion laughs" document is refused), and recursive aliases are refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import SpecError
from .bounds import MAX_DEPTH, MAX_EXPANDED_NODES, MAX_NODES, check_expansion, long_integer, too_many_nodes, uses_aliases

__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_BYTES", "MAX_EXPANDED_NODES", "MAX_NODES", "check_expansion", "check_json_nodes",
           "decode", "format_size", "long_integer", "parse_document", "too_large", "too_many_nodes", "uses_aliases"]

try:  # orjson is a dependency, but stay importable without it
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

#: Largest document accepted by default (bytes; ``--max-spec-size``, ``LoadOptions.max_spec_size``). The
#: largest real description we know (GitHub's) is 13 MB; loading costs about 9 times the size in memory
#: for JSON and about 25 times for YAML (README, "Loading documents").
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
#: A JSON string (its escapes included): removed before the structural characters are counted.
_JSON_STRING_RE = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def check_json_nodes(data: bytes | memoryview, where: str) -> None:
    """Refuse JSON holding more than MAX_NODES values, before parsing it.

    Every value but the first of an array or object follows a comma, and every array or object starts
    with a bracket, so commas + brackets + 1 bounds the number of values. Counted over the raw bytes
    first (fast, but strings may hold commas); only past the bound are the strings taken out and the
    count made exact, so a real document never pays for that.
    """
    raw = bytes(data) if isinstance(data, memoryview) else data

    def bound(b: bytes) -> int:
        return b.count(b",") + b.count(b"[") + b.count(b"{") + 1

    if bound(raw) > MAX_NODES and bound(_JSON_STRING_RE.sub(b"", raw)) > MAX_NODES:
        raise too_many_nodes(where)

def decode(data: bytes, where: str) -> str:
    """UTF-8 (with or without BOM); UTF-16/32 with a BOM; anything else is refused with the byte offset."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SpecError(f"invalid UTF-16 at byte {exc.start}", where) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SpecError(
            f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line})",
            where,
        ) from None


def format_size(n: int) -> str:
    """A byte count as ``--max-spec-size`` reads it back: ``64MB``, ``1.5MB``, ``900KB``, ``12 bytes``."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + unit
    return f"{n} bytes"


def too_large(size: int | None, limit: int, where: str) -> SpecError:
    what = f"the document is {format_size(size)} ({size:,} bytes)" if size is not None else "the document is larger"
    return SpecError(f"{what}, over the limit of {format_size(limit)} (--max-spec-size)", where)


def parse_document(data: bytes, where: str, nodes: list[Any] | None = None,
                   max_bytes: int = MAX_DOCUMENT_BYTES) -> tuple[Any, str]:
    """Parse ``data`` and return ``(document, syntax)`` where syntax is ``"json"`` or ``"yaml"``.

    For YAML, ``nodes`` (when given) receives the composed node tree, whose marks give the
    line of any pointer: the line map then needs no second parse of the same text.
    """
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes, where)
    body = memoryview(data)[3:] if data.startswith(b"\xef\xbb\xbf") else data
    head = bytes(body[:64])
    first = head.lstrip()[:1]
    if first in (b"{", b"["):
        check_json_nodes(body, where)
    if orjson is not None and first in (b"{", b"["):
        # The fast path: orjson validates UTF-8 itself, so a 13 MB document is never decoded twice.
        try:
            return orjson.loads(body), "json"
        except orjson.JSONDecodeError as exc:
            if "depth" in str(exc).lower() or "recursion" in str(exc).lower():
                raise SpecError("nesting deeper than the JSON parser allows (1024 levels)", where) from None
    text = decode(data, where)
    stripped = text.lstrip()
    if not stripped:
        raise SpecError("the document is empty", where)
    if stripped[0] in "{[":
        doc = _parse_json(text, where)
        if doc is not _NOT_JSON:
            return doc, "json"
    from .yaml_doc import parse_yaml  # PyYAML is imported only for a YAML document (start-up)

    return parse_yaml(text, where, nodes), "yaml"


_NOT_JSON = object()


def _parse_json(text: str, where: str) -> Any:
    # orjson refused it already (or is missing): the standard library accepts a few things orjson does
    # not (lone surrogate escapes, NaN); anything it refuses too may still be YAML.
    try:
        return json.loads(text)
    except RecursionError:
        raise SpecError("nesting too deep to parse", where) from None
    except json.JSONDecodeError:
        # Not valid JSON: it may still be YAML flow style ({a: b}); let YAML try and report.
        return _NOT_JSON
    except ValueError:
        # Valid JSON, but an integer longer than Python converts from text (CVE-2020-10735's bound;
        # orjson refused it first: beyond a double's range)
        raise long_integer(text, where) from None

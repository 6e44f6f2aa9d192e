"""The JSON line map against a plain reference: every pointer of documents written several ways.

The reference parses the decoded text whole, with a small recursive parser of its own, and
counts lines and columns on the text the simplest way; the locator reads the file's bytes and
indexes only what each pointer needs. Both must agree on every member, every element and
pointers that name nothing, asked in document order and shuffled (the locator's index grows
differently), for documents pretty-printed, compact (one line), ASCII-escaped, with CRLF
newlines, with a BOM, larger than a block of the line map, with multi-byte characters in keys,
values and long lines, repeated keys and nested arrays.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from checker.spec import load_spec
from checker.spec.lines import Locator
from checker.spec.refs import path_to_uri

from .support.servers import serve_wsgi

# -- the reference ------------------------------------------------------------------------------
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _parse(text: str, i: int) -> tuple[Any, int]:
    """``(node, end)``: ``("object", [(key, key offset, value node)])``, ``("array", [(offset, node)])``, ``("scalar",)``."""
    opening = text[i]
    if opening not in "{[":
        m = _STRING.match(text, i) or _SCALAR.match(text, i)
        if m is None:
            raise ValueError(f"no JSON value at {i}")
        return ("scalar",), m.end()
    members: list[Any] = []
    i = _skip_ws(text, i + 1)
    close = "}" if opening == "{" else "]"
    while text[i] != close:
        if opening == "{":
            m = _STRING.match(text, i)
            if m is None:
                raise ValueError(f"no key at {i}")
            key, key_at = json.loads(m.group()), i
            i = _skip_ws(text, m.end())
            if text[i] != ":":
                raise ValueError(f"no ':' at {i}")
            i = _skip_ws(text, i + 1)
            node, i = _parse(text, i)
            members.append((key, key_at, node))
        else:
            at = i
            node, i = _parse(text, i)
            members.append((at, node))
        i = _skip_ws(text, i)
        if text[i] == ",":
            i = _skip_ws(text, i + 1)
        elif text[i] != close:
            raise ValueError(f"no ',' at {i}")
    return ("object" if opening == "{" else "array", members), i + 1


class Reference:
    def __init__(self, text: str) -> None:
        self.text = text
        self.root_at = _skip_ws(text, 0)
        try:
            self.root: Any = _parse(text, self.root_at)[0]
        except (ValueError, IndexError):
            self.root = None

    def __call__(self, pointer: str) -> tuple[int, int] | None:
        at = self.root_at
        if pointer not in ("", "/"):
            if self.root is None:
                return None
            node = self.root
            for raw in pointer[1:].split("/"):
                token = raw.replace("~1", "/").replace("~0", "~")
                if node[0] == "object":
                    hits = [(key_at, child) for key, key_at, child in node[1] if key == token]
                    if not hits:
                        return None
                    at, node = hits[0]  # the first of repeated keys
                elif node[0] == "array":
                    try:
                        at, node = node[1][int(token)]  # int() and list indexing: what the locator has always done
                    except (ValueError, IndexError):
                        return None
                else:
                    return None
        line_start = self.text.rfind("\n", 0, at) + 1
        return self.text.count("\n", 0, at) + 1, at - line_start + 1

    def pointers(self) -> list[str]:
        """Every member and element, in document order, then pointers that name nothing."""
        out: list[str] = []

        def walk(node: Any, prefix: str) -> None:
            if node[0] == "object":
                for key, _, child in node[1]:
                    p = prefix + "/" + key.replace("~", "~0").replace("/", "~1")
                    out.append(p)
                    walk(child, p)
            elif node[0] == "array":
                for i, (_, child) in enumerate(node[1]):
                    out.append(f"{prefix}/{i}")
                    walk(child, f"{prefix}/{i}")

        walk(self.root, "")
        bogus = ["", "/", "/nope", "/paths/~1nope", "/info/title/deeper", "/0", "nope"]
        for p in out[::7][:60]:
            bogus += [p + "/nope", p + "/0", p + "/-1", p + "/99999", p + "/x/y"]
        return out + bogus


# -- the documents ------------------------------------------------------------------------------
WORDS = ["pets", "café", "naïve", "日本語", "🪲 bug", "a~b", "x/y", "~1", "quote\"d", "back\\slash", "tab\tbed",
         "line\nbreak", "\u2028sep", "plain"]


def _document(rng: random.Random, n_paths: int) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for i in range(n_paths):
        template = f"/{rng.choice(WORDS).replace(chr(10), '')}/{i}" + ("/{id}" if i % 3 == 0 else "")
        item: dict[str, Any] = {}
        for method in rng.sample(["get", "put", "post", "delete"], rng.randint(1, 3)):
            item[method] = {
                "summary": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))),
                "tags": [rng.choice(WORDS) for _ in range(rng.randint(0, 3))],
                "responses": {"200": {"description": rng.choice(WORDS)}, "404": {"description": "gone"}},
            }
        paths[template] = item
    return {
        "openapi": "3.0.3",
        "info": {"title": "t é 🪲", "version": "1"},
        "paths": paths,
        "components": {
            "x-nested": [[1, [2.5e3, {"a": [None, True, False, -0.5]}]], [], {}, "s", [[[]]]],
            "schemas": {w: {"type": "string", "enum": [w, w * 2]} for w in WORDS},
        },
    }


HANDWRITTEN = (
    '{ "openapi" : "3.0.3" ,"info":{"title":"t","version":"1"},\n'
    '  "paths" : {\n'
    '    "/caf\\u00e9" : { "get" : { "responses" : { } } },\n'
    '    "/café" : { "put" : { "responses" : { } } },\n'  # the same key as the line above, once decoded
    '    "/a~b\\/c" : { "get" : { "responses" : { "200" : { "description" : "x" } } } } ,\n'
    '    "/\\ud83e\\udeb2" : {"get":{"responses":{}}},\n'
    '    "/dup" : { "get" : { "responses" : {} }, "get" : { "summary" : "second" , "responses" : {} } }\n'
    '  },\n'
    '  "x-arrays" : [ [ ] , [ 1 , [ 2 , [ 3 , { "k" : [ "v" ] } ] ] ] , { } , "é" , null ]\n'
    '}\n'
)


def _variants() -> dict[str, bytes]:
    small = _document(random.Random(1), 6)
    large = _document(random.Random(2), 150)  # well over one block of the line map
    pretty = json.dumps(large, indent=2, ensure_ascii=False)
    wide = _document(random.Random(3), 40)  # long values of 2-, 3- and 4-byte characters: blocks end inside them
    for n, item in enumerate(wide["paths"].values()):
        for op in item.values():
            op["description"] = "é日🪲" * (n * 7 % 90) + "日" * (n % 5)
    return {
        "pretty": pretty.encode(),
        "compact": json.dumps(large, separators=(",", ":"), ensure_ascii=False).encode(),
        "spaced-one-line": json.dumps(large, ensure_ascii=False).encode(),
        "ascii-escaped": json.dumps(large, indent="\t", ensure_ascii=True).encode(),
        "crlf": pretty.replace("\n", "\r\n").encode(),
        "bom": b"\xef\xbb\xbf" + pretty.encode(),
        "bom-compact-small": b"\xef\xbb\xbf" + json.dumps(small, separators=(",", ":"), ensure_ascii=False).encode(),
        "small-sorted": json.dumps(small, indent=1, sort_keys=True, ensure_ascii=False).encode(),
        "handwritten": HANDWRITTEN.encode(),
        "multibyte-compact": json.dumps(wide, separators=(",", ":"), ensure_ascii=False).encode(),
        "multibyte-pretty": json.dumps(wide, indent=2, ensure_ascii=False).encode(),
        "handwritten-crlf-bom": b"\xef\xbb\xbf" + HANDWRITTEN.replace("\n", "\r\n").encode(),
    }


VARIANTS = _variants()


def _compare(locate: Any, reference: Reference, pointers: list[str]) -> None:
    got = {p: locate(p) for p in pointers}
    want = {p: reference(p) for p in pointers}
    assert got == want
    assert sum(v is not None for v in want.values()) > len(want) // 3  # the documents were really located


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_json_file_locations_match_the_reference(tmp_path: Path, name: str):
    data = VARIANTS[name]
    path = tmp_path / f"{name}.json"
    path.write_bytes(data)
    spec = load_spec(path)
    assert spec.syntax == "json"
    reference = Reference(data.decode("utf-8-sig"))
    pointers = reference.pointers()
    _compare(lambda p: spec.locate(p), reference, pointers)  # the loader's locator, document order
    shuffled = list(pointers)
    random.Random(name).shuffle(shuffled)
    fresh = Locator(spec.resolver)
    _compare(lambda p: fresh(spec.uri, p), reference, shuffled)


def test_fetched_json_locations_match_the_reference():
    # documents loaded from a URL: the loader keeps their bytes, no file is read again

    def app(environ: Any, start_response: Any) -> list[bytes]:
        data = VARIANTS[environ["PATH_INFO"].strip("/")]
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    with serve_wsgi(app) as url:
        for name in ("pretty", "compact", "handwritten", "multibyte-compact", "bom", "handwritten-crlf-bom"):
            spec = load_spec(f"{url}/{name}")
            data = VARIANTS[name]
            assert spec.syntax == "json" and spec.resolver.texts[spec.uri] == data
            reference = Reference(data.decode("utf-8-sig"))  # a fetched document's BOM is skipped as a file's
            _compare(lambda p: spec.locate(p), reference, reference.pointers())


def test_spec_locations_order_matches_the_reference(tmp_path: Path):
    # what the report asks (a path, then its operations), on a document of several blocks
    path = tmp_path / "doc.json"
    path.write_bytes(VARIANTS["compact"])
    spec = load_spec(path)
    reference = Reference(VARIANTS["compact"].decode())
    asked = [p for item in spec.paths for p in [item.pointer, *(op.pointer for op in item.operations.values())]]
    assert len(asked) > 300
    _compare(lambda p: spec.locate(p, path_to_uri(path)), reference, asked)

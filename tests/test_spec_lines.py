"""Validation problems carry their JSON pointer and their line, in JSON and YAML, in the root file or another."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import SpecError
from checker.spec import LoadOptions, load_spec

from .support.run import cli

LINES = Path(__file__).parent / "specs" / "lines"


def test_problems_have_pointer_file_and_line_across_files():
    spec = load_spec(LINES / "main.json")
    found = {(p.file.replace("\\", "/").split("specs/lines/")[-1], p.pointer, p.line) for p in spec.problems}
    assert found == {
        ("main.json", "/servers/0/variables", 7),  # JSON, root document
        ("main.json", "/paths/~1here/get/parameters/1", 17),
        ("parts/item.json", "/post/parameters/0", 7),  # JSON, an operation in another file
        ("parts/item.yaml", "/Item/delete/parameters/0/in", 9),  # YAML, an operation in another file
    }


def test_operations_are_located_in_the_file_they_are_written_in():
    spec = load_spec(LINES / "main.json")
    where = {(item.template, op.method): (op.source.rsplit("/", 1)[-1], spec.locate(op.pointer, op.source))
             for item in spec.paths for op in item.operations.values()}
    assert where == {
        ("/json-op", "GET"): ("item.json", (2, 3)),
        ("/json-op", "POST"): ("item.json", (5, 3)),
        ("/yaml-op", "GET"): ("item.yaml", (3, 3)),
        ("/yaml-op", "DELETE"): ("item.yaml", (6, 3)),
        ("/here", "GET"): ("main.json", (14, 7)),
    }


def test_locate_escaped_pointer_tokens(tmp_path: Path):
    doc = tmp_path / "esc.json"
    doc.write_text('{"openapi": "3.0.0",\n "info": {"title": "t", "version": "1"},\n "paths": {\n'
                   '  "/a~b/{id}": {"get": {"responses": {}}},\n  "/caf\\u00e9": {"get": {"responses": {}}}}}\n')
    spec = load_spec(doc)
    assert spec.locate("/paths/~1a~0b~1{id}/get") == (4, 17)
    assert spec.locate("/paths/~1café") == (5, 3)
    assert spec.locate("/paths/~1nope") is None
    ydoc = tmp_path / "esc.yaml"
    ydoc.write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a~b/{id}:\n    get:\n"
                    "      responses:\n        200: {description: ok}\n")
    yspec = load_spec(ydoc)
    assert yspec.locate("/paths/~1a~0b~1{id}/get") == (5, 5)
    assert yspec.locate("/paths/~1a~0b~1{id}/get/responses/200") == (7, 9)


def test_lenient_default_warns_and_strict_is_fatal():
    lenient = cli("plan", str(LINES / "main.json"), "--json", "-")
    assert lenient.code == 0, lenient.stderr
    assert "4 validation problems; checking it anyway" in lenient.stderr
    assert "tests/specs/lines/parts/item.yaml:9: /Item/delete/parameters/0/in: unknown parameter location 'nowhere'" in lenient.stderr
    problems = lenient.json()["problems"]
    assert {"pointer": "/servers/0/variables", "message": "server variable 'region' has no default",
            "file": "tests/specs/lines/main.json", "line": 7} in problems
    strict = cli("plan", str(LINES / "main.json"), "--strict")
    assert strict.code == 2 and "Traceback" not in strict.stderr
    [line] = strict.stderr.strip().splitlines()
    assert line == ("conform405: error: tests/specs/lines/main.json:7 /servers/0/variables: "
                    "server variable 'region' has no default (and 3 more problems)")
    with pytest.raises(SpecError):
        load_spec(LINES / "main.json", LoadOptions(strict=True))

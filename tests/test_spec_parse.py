"""The cheap pre-checks in front of libyaml: exact where it matters, and silent on real documents."""

from __future__ import annotations

import pytest
import yaml

from checker.errors import SpecError
from checker.spec.parse import parse_document, uses_aliases
from checker.spec.yaml_doc import MAX_YAML_DEPTH, yaml_depth_bound

from .support.run import SHARED


@pytest.mark.parametrize(("text", "expected"), [
    ("a: &x [1]\nb: *x\n", True),
    ("a: &x1\n  - 1\nb: {k: [*x1, *x1]}\n", True),
    ("a: &x 1\n*x : 2\n", True),
    ("a: &my-anchor_2 {}\nb: *my-anchor_2\n", True),
    ("a: '**bold** and *note*'\nb: https://x/?a=1&b=2\n", False),  # Markdown and URLs, no pair
    ("a: &B x\nb: '**Built-in**'\n", False),  # '*Built-in' is not an alias of 'B'
    ("a: *x\n", False),  # an alias without an anchor is a YAML error, not an expansion
])
def test_uses_aliases(text: str, expected: bool):
    assert uses_aliases(text) is expected


def _depth(node) -> int:
    if isinstance(node, dict):
        return 1 + max((_depth(v) for v in node.values()), default=0)
    if isinstance(node, list):
        return 1 + max((_depth(v) for v in node), default=0)
    return 0


@pytest.mark.parametrize("text", [
    "a: [[[1]], {b: {c: [2]}}]\n",
    "a:\n  b:\n    c:\n      - - - x\n      - y: [1, {z: 2}]\n",
    "- - - - a\n- ? b\n  : c\n",
    "k:\n- a:\n  - b:\n    - c\n",
])
def test_depth_bound_is_an_upper_bound(text: str):
    bound = yaml_depth_bound(text)
    assert bound is not None and bound >= _depth(yaml.safe_load(text))


def test_depth_bound_gives_up_on_deep_shapes_and_the_scan_refuses_them():
    for text in ("x:\n" + "- " * 3000 + "a\n", "x: " + "[" * 7000 + "]" * 7000, "a:\n" + " " * 2000 + "b\n"):
        assert yaml_depth_bound(text) is None
    deep = ("x:\n" + "- " * 2000 + "a\n").encode()
    with pytest.raises(SpecError, match=f"nesting deeper than {MAX_YAML_DEPTH} levels at line 2"):
        parse_document(deep, "deep.yaml")
    # many flow characters make the cheap bound give up: the exact scan runs, and 500 levels are fine
    ok = ("x:\n" + "- " * 500 + "a\ny: [" + "[], " * 7000 + "[]]\n").encode()
    assert yaml_depth_bound(ok.decode()) is None
    assert parse_document(ok, "ok.yaml")[1] == "yaml"


def test_real_yaml_documents_skip_both_checks():
    corpus = SHARED / "specs-corpus"
    if not corpus.is_dir():
        pytest.skip(f"shared corpus not found at {corpus}")
    for name in ("stripe-spec3.yaml", "openai-openapi.yaml", "docker-engine-swagger.yaml", "adyen-ManagementService-v3.yaml"):
        text = (corpus / name).read_text(encoding="utf-8")
        assert not uses_aliases(text), name  # no expansion walk over a document that has no alias
        assert yaml_depth_bound(text) is not None, name  # no event scan before loading


# -- the fast YAML constructor (checker/spec/yaml_doc.py: construct) gives exactly what PyYAML's gives --------

FAST_CASES = [
    "a: 1\nb: [1, 2.5, .inf, -.Inf, 0x1F, 0o17, 017, 1_000, +3, 1:20, 0b101]\nc: ~\nd: null\ne:\n",
    "f: yes\ng: True\nh: FALSE\ni: '123'\nj: !!str 5\nk: 2024-01-01\nl: on\n",
    "x: &A {k: v}\ny: *A\nz: [*A, *A]\n",                      # aliases share one object
    "base: &b {a: 1}\nderived:\n  <<: *b\n  c: 2\n",            # a merge key: PyYAML's own constructor
    "200: ok\n404:\n  d: x\n",                                  # integer keys, as OpenAPI responses often are
    "k: !!binary aGVsbG8=\n",                                   # another tag: PyYAML's own constructor
    "= : v\n",
    "a: 1\na: 2\n",                                             # a duplicate key: the last one wins
    "- 1\n- [2, [3, [4]]]\n",
    "k: .nan\n",
    "paths:\n  /a:\n    get:\n      parameters:\n        - &p {name: id, in: path}\n        - *p\n",
]


def _both(text: str):
    from checker.spec.yaml_doc import _Loader, construct

    fast_loader, slow_loader = _Loader(text), _Loader(text)
    try:
        return construct(fast_loader, fast_loader.get_single_node()), \
            slow_loader.construct_document(slow_loader.get_single_node())
    finally:
        fast_loader.dispose()
        slow_loader.dispose()


@pytest.mark.parametrize("text", FAST_CASES)
def test_fast_yaml_constructor_equals_pyyaml(text):
    fast, slow = _both(text)
    assert repr(fast) == repr(slow)  # repr: nan == nan is False, and types must match too (1 vs 1.0 vs True)
    if isinstance(fast, dict) and "y" in fast:
        assert fast["y"] is fast["x"]  # an alias is the same object, as PyYAML makes it


def test_fast_yaml_constructor_refuses_what_pyyaml_refuses():
    from yaml.constructor import ConstructorError

    with pytest.raises(ConstructorError):
        _both("? [a, b]\n: 1\n")  # an unhashable key: PyYAML's own error


def test_fast_yaml_constructor_equals_pyyaml_on_every_yaml_spec():
    from pathlib import Path

    root = Path(__file__).resolve().parent
    files = sorted(root.glob("specs/**/*.yaml")) + sorted((root.parent.parent / "shared" / "specs-corpus").glob("*.yaml"))
    assert files
    from checker.spec.yaml_doc import _Loader, construct

    def outcome(build):
        loader = _Loader(path.read_text(encoding="utf-8", errors="replace"))
        try:
            return build(loader, loader.get_single_node())
        except yaml.YAMLError as exc:  # a deliberately broken test spec: both must refuse it alike
            return type(exc)
        finally:
            loader.dispose()

    for path in files:
        assert outcome(construct) == outcome(lambda loader, node: loader.construct_document(node)), path.name


def test_yaml_loads_after_the_host_imports_yaml_again():
    """pytest's pytester drops and re-imports modules between in-process runs; PyYAML's C parser, loaded
    once per process, keeps building the node classes it first knew: documents must still load."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from checker.spec.yaml_doc import parse_yaml\n"
        "first = parse_yaml('a: 1\\nb: [x, {c: d}, true]\\n', 'w')\n"
        "for m in [m for m in sys.modules if m == 'yaml' or m.startswith(('yaml.', 'checker'))]:\n"
        "    del sys.modules[m]\n"
        "from checker.spec.yaml_doc import parse_yaml\n"
        "again = parse_yaml('a: 1\\nb: [x, {c: d}, true]\\n', 'w')\n"
        "assert first == again == {'a': 1, 'b': ['x', {'c': 'd'}, True]}, (first, again)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


# -- large YAML documents are built from libyaml's events (construct_streaming): the same document ----------

def _streamed(text: str):
    from checker.spec.yaml_doc import _Unusual, construct_streaming

    try:
        return construct_streaming(text)
    except _Unusual:
        return _Unusual


@pytest.mark.parametrize("text", FAST_CASES + ["", "just text\n", "[1, 2]\n", "x: &a [1, *a]\n"])
def test_streaming_yaml_constructor_equals_pyyaml_or_leaves_it_to_pyyaml(text):
    from checker.spec.yaml_doc import _Unusual

    streamed, (_, slow) = _streamed(text), _both(text) if text.strip() else (None, None)
    if streamed is _Unusual:  # a merge key, another tag, a complex key: composed and built by PyYAML instead
        assert any(mark in text for mark in ("<<", "!!binary", "= :"))
        return
    assert repr(streamed) == repr(slow)
    if isinstance(streamed, dict) and "y" in streamed:
        assert streamed["y"] is streamed["x"]


@pytest.mark.parametrize("text", ["---\na: 1\n---\nb: 2\n", "a: *nope\n", "? [a, b]\n: 1\n"])
def test_streaming_yaml_constructor_leaves_errors_to_pyyaml(text):
    from checker.spec.yaml_doc import _Unusual

    assert _streamed(text) is _Unusual  # parse_yaml composes it then, and PyYAML's error is reported as ever


def test_streaming_yaml_constructor_equals_pyyaml_on_every_yaml_spec():
    from pathlib import Path

    from checker.spec.yaml_doc import _Loader, _Unusual, construct

    root = Path(__file__).resolve().parent
    files = sorted(root.glob("specs/**/*.yaml")) + sorted((root.parent.parent / "shared" / "specs-corpus").glob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            streamed = _streamed(text)
        except yaml.YAMLError as exc:
            streamed = type(exc)
        if streamed is _Unusual:
            continue
        loader = _Loader(text)
        try:  # the node-based constructor, which the test above holds equal to PyYAML's
            composed = construct(loader, loader.get_single_node())
        except yaml.YAMLError as exc:
            composed = type(exc)
        finally:
            loader.dispose()
        assert repr(streamed) == repr(composed), path.name


def test_a_streamed_yaml_document_still_gives_the_lines_of_its_problems(monkeypatch, tmp_path):
    from checker.spec import load_spec
    from checker.spec import yaml_doc

    doc = tmp_path / "spec.yaml"
    doc.write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
                   "      parameters:\n        - {name: q, in: nowhere}\n      responses: {'200': {description: ok}}\n")
    composed = load_spec(doc)
    monkeypatch.setattr(yaml_doc, "STREAM_FROM", 0)  # every document streamed
    streamed = load_spec(doc)
    assert [(p.pointer, p.line) for p in streamed.problems] == [(p.pointer, p.line) for p in composed.problems]
    assert [p.line for p in streamed.problems] == [7]


def test_a_streamed_yaml_document_refuses_a_long_integer_alike(monkeypatch):
    from checker.errors import SpecError
    from checker.spec import yaml_doc

    text = ("openapi: 3.0.0\npaths: {}\nx: " + "9" * 5000 + "\n").encode()
    monkeypatch.setattr(yaml_doc, "STREAM_FROM", 0)
    with pytest.raises(SpecError, match="an integer of 5,000 digits at line 3, column 4"):
        parse_document(text, "long.yaml")


# -- the number of values a document may hold (MAX_NODES) ------------------------------------------------------

@pytest.fixture
def few_nodes(monkeypatch):
    from checker.spec import bounds, parse, yaml_doc

    for module in (bounds, parse, yaml_doc):
        monkeypatch.setattr(module, "MAX_NODES", 1000)
    monkeypatch.setattr(yaml_doc, "STREAM_FROM", 8000)  # dense YAML is streamed from 1,000 characters on
    monkeypatch.setattr(yaml_doc, "STREAM_NODES", 500)


def test_too_many_values_are_refused_in_json_and_yaml(few_nodes):
    from checker.errors import SpecError

    refused = {
        "json": b'{"openapi": "3.0.0", "x": [' + b"[]," * 1000 + b"[]]}",
        "yaml streamed": b"openapi: 3.0.0\nx:\n" + b"- []\n" * 1000,
        "yaml with a merge key": b"openapi: 3.0.0\nb: &b {k: 1}\nm: {<<: *b}\nx:\n" + b"- []\n" * 1000,
    }
    for name, text in refused.items():
        with pytest.raises(SpecError, match="holds more than 1,000 values"):
            parse_document(text, name)


def test_commas_in_strings_are_not_values(few_nodes):
    text = b'{"openapi": "3.0.0", "description": "' + b", [{" * 2000 + b'"}'
    assert parse_document(text, "prose.json")[0]["openapi"] == "3.0.0"
    yaml_text = b"openapi: 3.0.0\ndescription: '" + b"- a: b, " * 400 + b"'\n"  # a bound past 500: streamed, counted
    assert parse_document(yaml_text, "prose.yaml")[0]["openapi"] == "3.0.0"

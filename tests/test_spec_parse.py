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

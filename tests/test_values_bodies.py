"""Schema-valid bodies (``--send-bodies``) really come out of hypothesis-jsonschema.

Guards the dependency pin: hypothesis-jsonschema breaks on hypothesis releases that
changed its private internals, and then every object body silently disappears.
"""

from __future__ import annotations

import json
from pathlib import Path

from checker.spec import load_spec
from checker.values import ValueSource

ROOT = Path(__file__).resolve().parents[1]


def test_object_bodies_are_generated_from_the_schema():
    spec = load_spec(ROOT / "specs" / "bookshop.yaml")
    item = next(p for p in spec.paths if p.template == "/books")
    op = item.operations["POST"]
    values = ValueSource(spec, seed=1, examples=3)
    bodies = [values.body(op, i) for i in range(3)]
    assert all(b is not None for b in bodies), "no body generated: is hypothesis-jsonschema compatible with hypothesis?"
    for raw, media in bodies:
        assert media == "application/json"
        doc = json.loads(raw)
        assert isinstance(doc, dict)
        assert isinstance(doc["title"], str) and len(doc["title"]) >= 1  # required, minLength 1
        if "year" in doc:
            assert isinstance(doc["year"], int)

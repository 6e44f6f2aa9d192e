"""Scale: the synthetic N x GitHub documents of benchmarks/synthetic.py. Nothing here times anything: the figures
are ``make bench``'s (benchmarks/scale.py)."""

from __future__ import annotations

import json

import pytest

from benchmarks import synthetic
from checker.plan import build_plan
from checker.spec import load_spec

SMALL = {
    "openapi": "3.0.3",
    "info": {"title": "small", "version": "1"},
    "paths": {
        "/items": {"get": {"operationId": "listItems", "responses": {"200": {"$ref": "#/components/responses/ok"}}}},
        "/items/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"operationId": "getItem", "responses": {"200": {"$ref": "#/components/responses/ok"}}},
            "delete": {"operationId": "deleteItem", "responses": {"204": {"description": "gone"}}},
        },
    },
    "components": {"responses": {"ok": {"description": "ok"}}},
}


def test_replicate_mounts_every_path_under_each_prefix_with_unique_operation_ids(tmp_path):
    doc = synthetic.replicate(SMALL, 3)
    assert list(doc["paths"]) == [f"/api{k}{p}" for k in range(3) for p in SMALL["paths"]]
    ids = [op["operationId"] for item in doc["paths"].values() for m, op in item.items() if m != "parameters"]
    assert len(ids) == len(set(ids)) == 9
    assert "api2-getItem" in ids
    assert doc["components"] == SMALL["components"]
    assert SMALL["paths"]["/items"]["get"]["operationId"] == "listItems"  # the source is not changed
    source = tmp_path / "small.json"
    source.write_text(json.dumps(SMALL))
    spec = load_spec(str(synthetic.write(3, tmp_path, source)))
    assert len(spec.paths) == 6 and spec.operation_count == 9 and not spec.problems
    with pytest.raises(ValueError):
        synthetic.replicate(SMALL, 0)


@pytest.mark.skipif(not synthetic.SOURCE.is_file(), reason=f"{synthetic.SOURCE} is absent (../shared)")
def test_github_twice_loads_and_plans_as_two_githubs(tmp_path):
    source_paths = json.loads(synthetic.SOURCE.read_bytes())["paths"]
    assert len(source_paths) == 811
    spec = load_spec(str(synthetic.write(2, tmp_path)))
    assert len(spec.paths) == 2 * 811 and not spec.problems
    assert [p.template for p in spec.paths] == [f"/api{k}{t}" for k in (0, 1) for t in source_paths]
    plan = build_plan(spec)
    assert len(plan.cells) == 2 * 811 * len(plan.methods)
    # each copy overlaps only itself: the second's overlaps are the first's under its own prefix
    copies = [[pp for pp in plan.paths if pp.item.template.startswith(f"/api{k}/")] for k in (0, 1)]
    assert sum(bool(pp.overlaps) for pp in copies[0]) > 50
    for first, second in zip(*copies):
        assert second.overlaps == tuple((t.replace("/api0/", "/api1/", 1), m) for t, m in first.overlaps)

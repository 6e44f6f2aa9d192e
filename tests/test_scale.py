"""Scale: the synthetic N x GitHub documents of benchmarks/synthetic.py, and the overlap index that keeps planning
linear in the number of paths (checker/plan.py's ``route_shapes``). Nothing here times anything: the figures are
``make bench``'s (benchmarks/scale.py)."""

from __future__ import annotations

import json
import random

import pytest

from benchmarks import synthetic
from checker.plan import _segment_matches, _segments, build_plan, route_shapes
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


class _Item:
    def __init__(self, template: str, methods: tuple[str, ...]) -> None:
        self.template, self.declared_methods = template, methods


class _Spec:
    def __init__(self, templates: list[str]) -> None:
        self.paths = [_Item(t, ("GET",) if i % 2 else ("POST",)) for i, t in enumerate(templates)]


def _pair_by_pair(spec: _Spec) -> dict:
    """route_shapes by its definition: every template against every other of its segment count."""
    import re

    entries = [(p.template, _segments(p.template), "/".join(re.sub(r"\{[^{}/]*\}", "{}", s) for s in _segments(p.template)))
               for p in spec.paths if "?" not in p.template and "#" not in p.template]
    methods = {p.template: p.declared_methods for p in spec.paths}

    def wild(segs: list[str]) -> bool:
        return len(segs) > 1 and "{" in segs[1]

    out = {}
    for length in dict.fromkeys(len(s) for _, s, _ in entries):
        group = [e for e in entries if len(e[1]) == length]
        for template, segs, shape in group:
            others = [e for e in group if e[0] != template]
            if not wild(segs):  # those with a parameter as first segment after the others
                others = [e for e in others if not wild(e[1])] + [e for e in others if wild(e[1])]
            twins = [o for o, _, oshape in others if oshape == shape]
            overlaps = [(o, methods[o]) for o, osegs, oshape in others
                        if oshape == shape or all(_segment_matches(r, s) for r, s in zip(osegs, segs))]
            if overlaps:
                out[template] = (tuple(twins), tuple(overlaps))
    return out


def test_route_shapes_finds_what_comparing_every_pair_finds():
    segments = ["a", "b", "users", "login", "x.json", "{id}", "{name}", "{id}.json", "v{n}", "{a}-{b}", "a-b", ""]
    rng = random.Random(405)
    for _ in range(400):
        templates = []
        for _ in range(rng.randint(1, 30)):
            t = "/" + "/".join(rng.choice(segments) for _ in range(rng.randint(0, 4)))
            templates.append(t + "/" if rng.random() < 0.1 else t + "?q" if rng.random() < 0.03 else t)
        spec = _Spec(list(dict.fromkeys(templates)))
        got, want = route_shapes(spec), _pair_by_pair(spec)  # type: ignore[arg-type]
        assert got == want and list(got) == list(want), spec.paths


def test_route_shapes_under_one_common_prefix():
    """Every path under one prefix (a gateway's /api): the overlaps are those of the paths without it."""
    bare = ["/users/login", "/users/{id}", "/users/{id}/keys", "/users/me/keys", "/orgs/{org}", "/orgs/{org}/{repo}",
            "/orgs/acme/tools", "/{any}/acme/tools"]
    plain = route_shapes(_Spec(bare))  # type: ignore[arg-type]
    prefixed = route_shapes(_Spec(["/api" + t for t in bare]))  # type: ignore[arg-type]
    assert prefixed == {"/api" + t: (tuple("/api" + o for o in twins), tuple(("/api" + o, m) for o, m in ov))
                        for t, (twins, ov) in plain.items()}
    assert [o for o, _ in plain["/users/login"][1]] == ["/users/{id}"]
    assert [o for o, _ in plain["/orgs/acme/tools"][1]] == ["/orgs/{org}/{repo}", "/{any}/acme/tools"]

"""Property: whatever the bytes, the loader either loads a Spec or raises SpecError, nothing else."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.errors import SpecError
from checker.plan import build_plan
from checker.spec import Spec, load_spec

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=20))
keys = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["openapi", "swagger", "paths", "info", "servers", "get", "put", "query", "additionalOperations",
                     "parameters", "$ref", "requestBody", "responses", "content", "schema", "in", "name", "url",
                     "variables", "default", "host", "basePath", "schemes", "/", "/a/{id}", "/{x}", "x-ext"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=30)
refs = st.sampled_from(["#/paths", "#/paths/~1a", "#/components/x", "#", "#/", "other.yaml", "../x.yaml",
                        "http://127.0.0.1:9/x", "file:///etc/passwd", "#/paths/~1a/get", "#/info/title", "%zz"])


@st.composite
def openapi_like(draw) -> dict:
    """Documents shaped enough like OpenAPI to get past the version check and into the model."""
    version = draw(st.sampled_from([{"swagger": "2.0"}, {"openapi": "3.0.3"}, {"openapi": "3.1.0"},
                                    {"openapi": "3.2.0"}, {"openapi": draw(scalars)}]))
    templates = st.one_of(st.sampled_from(["/a", "/a/{id}", "/{x}/{y}", "/a/", "/b#frag", "/c?x=1"]), st.text(max_size=10))
    method = st.sampled_from(["get", "put", "post", "delete", "options", "head", "patch", "trace", "query", "PURGE"])
    param = st.one_of(values, st.fixed_dictionaries({"name": st.text(max_size=5), "in": st.sampled_from(["path", "query", "header", "body", "x"])},
                                                   optional={"schema": values, "required": st.booleans(), "$ref": refs}))
    operation = st.one_of(values, st.fixed_dictionaries({}, optional={"parameters": st.lists(param, max_size=3),
                                                                     "requestBody": values, "servers": values,
                                                                     "responses": values, "$ref": refs}))
    item = st.one_of(values, st.builds(dict, st.dictionaries(method, operation, max_size=3)),
                     st.fixed_dictionaries({"$ref": refs}),
                     st.fixed_dictionaries({"additionalOperations": st.dictionaries(st.text(max_size=6), operation, max_size=2)},
                                           optional={"parameters": st.lists(param, max_size=2), "servers": values}))
    doc = {**version, "info": draw(st.one_of(values, st.fixed_dictionaries({"title": st.text(max_size=5)}))),
           "paths": draw(st.one_of(values, st.dictionaries(templates, item, max_size=4)))}
    if draw(st.booleans()):
        doc["servers"] = draw(st.one_of(values, st.lists(st.fixed_dictionaries(
            {"url": st.sampled_from(["/", "http://h/{v}", "{a}{b}", "https://x"])}, optional={"variables": values}), max_size=2)))
    if draw(st.booleans()):
        doc["host"], doc["basePath"], doc["schemes"] = draw(values), draw(values), draw(values)
    if draw(st.booleans()):
        doc["components"] = {"pathItems": {"x": draw(item)}}
    return doc


def load_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc"
        path.write_bytes(data)
        try:
            spec = load_spec(path)
        except SpecError as exc:
            assert str(exc)  # a message the user can read
            assert "\n" not in exc.message
            return
        assert isinstance(spec, Spec)
        build_plan(spec).to_dict()


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes):
    load_bytes(data)


@SETTINGS
@given(values)
def test_random_structures_as_json_and_yaml(doc):
    load_bytes(json.dumps(doc).encode())
    load_bytes(yaml.safe_dump(doc, allow_unicode=True).encode())


@SETTINGS
@given(openapi_like(), st.booleans())
def test_openapi_shaped_documents(doc: dict, as_yaml: bool):
    text = yaml.safe_dump(doc, allow_unicode=True) if as_yaml else json.dumps(doc)
    load_bytes(text.encode())


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("[]{}:,-?&*!|>'\"#%@` \n\tab1")), max_size=300))
def test_yaml_syntax_soup(text: str):
    load_bytes(("openapi: 3.0.0\n" + text).encode())
    load_bytes(text.encode())

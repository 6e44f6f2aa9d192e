"""Small documents of our own (tests/specs/) for each version and feature the loader must handle."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checker.errors import SpecError
from checker.plan import PlanOptions, build_plan
from checker.spec import LoadOptions, load_spec

SPECS = Path(__file__).parent / "specs"


def params(op) -> dict[tuple[str, str], object]:
    return {(p.name, p.location): p for p in op.parameters}


def test_swagger_20_host_basepath_schemes_and_merged_parameters():
    spec = load_spec(SPECS / "v20.yaml")
    assert (spec.family, spec.version, spec.syntax) == ("2.0", "2.0", "yaml")
    assert spec.servers == ("https://api.example.com:8443/v2",)  # first scheme + host + basePath
    item = {p.template: p for p in spec.paths}["/pets/{petId}"]
    assert list(item.operations) == ["GET", "DELETE"]  # 'trace' is not a 2.0 operation
    get = params(item.operations["GET"])
    assert get[("petId", "path")].schema == {"type": "integer"}  # from the path level
    assert get[("verbose", "query")].schema == {"type": "string", "enum": ["yes", "no"]}  # operation overrides path
    assert params(item.operations["DELETE"])[("verbose", "query")].schema == {"type": "boolean"}
    post = {p.template: p for p in spec.paths}["/pets"].operations["POST"]
    assert post.request_body is not None and post.request_body.schema == {"$ref": "#/definitions/Pet"}
    [problem] = spec.problems
    assert problem.pointer == "/paths/~1pets~1{petId}/trace" and "not an operation in OpenAPI 2.0" in problem.message
    assert problem.line == 24 and problem.file.endswith("v20.yaml")


def test_swagger_20_without_host_uses_the_basepath(tmp_path: Path):
    doc = tmp_path / "s.json"
    doc.write_text('{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/base",'
                   ' "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}}')
    spec = load_spec(doc)
    assert spec.servers == ("/base",)
    plan = build_plan(spec, PlanOptions(origin="http://127.0.0.1:8000"))
    assert plan.paths[0].url == "http://127.0.0.1:8000/base/x"


def test_openapi_30_server_variables_path_and_operation_servers():
    spec = load_spec(SPECS / "v30.json")
    assert (spec.family, spec.syntax) == ("3.0", "json")
    assert spec.servers == ("https://three.example.com:9443/api/v3",)  # every variable takes its default
    items = {p.template: p for p in spec.paths}
    assert items["/items"].servers == spec.servers
    one = items["/items/{id}"]
    assert one.servers == ("https://items.example.com/store",)  # path-level servers
    assert one.operations["GET"].servers == ("https://items.example.com/store",)
    assert one.operations["PUT"].servers == ("https://writes.example.com/w",)  # operation-level servers
    assert list(one.operations) == ["GET", "PUT", "TRACE"]
    get = params(one.operations["GET"])
    assert get[("id", "path")].schema == {"type": "string", "format": "uuid"}  # operation wins over the path level
    assert ("X-Trace", "header") in get and ("fields", "query") in get
    put = one.operations["PUT"]
    assert put.request_body.required and put.request_body.media_type == "application/json"
    assert ("X-Trace", "header") in params(put)
    assert spec.problems == ()


def test_server_variable_without_default_is_a_problem_with_its_line(tmp_path: Path):
    doc = tmp_path / "vars.yaml"
    doc.write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\nservers:\n  - url: https://{region}.example.com\n"
                   "    variables:\n      region: {enum: [eu, us]}\npaths: {}\n")
    spec = load_spec(doc)
    [problem] = spec.problems
    assert problem.pointer == "/servers/0/variables" and "'region' has no default" in problem.message
    assert problem.line == 5
    with pytest.raises(SpecError, match="no default"):
        load_spec(doc, LoadOptions(strict=True))


def test_openapi_31_path_item_refs_and_relative_server():
    spec = load_spec(SPECS / "v31.yaml")
    assert spec.family == "3.1"
    items = {p.template: p for p in spec.paths}
    assert list(items["/users"].operations) == ["GET", "OPTIONS"]
    user = items["/users/{name}"]
    assert list(user.operations) == ["GET", "PATCH", "HEAD"]
    assert user.pointer == "/paths/~1users~1{name}"
    assert user.operations["GET"].pointer == "/components/pathItems/User/get"  # where it is really written
    assert ("name", "path") in params(user.operations["PATCH"])
    plan = build_plan(spec)
    assert plan.paths[0].url == "/relative/base/users"
    assert any("--base-url" in w for w in plan.warnings)


def test_openapi_32_query_and_additional_operations():
    spec = load_spec(SPECS / "v32.yaml")
    assert spec.family == "3.2"
    items = {p.template: p for p in spec.paths}
    assert list(items["/search"].operations) == ["GET", "QUERY"]
    assert list(items["/cache/{key}"].operations) == ["GET", "PURGE", "Link"]  # exactly as written
    assert items["/cache/{key}"].operations["PURGE"].pointer == "/paths/~1cache~1{key}/additionalOperations/PURGE"
    assert list(items["/files/{name}"].operations) == ["COPY"]
    assert spec.extra_methods == ("QUERY", "PURGE", "Link", "COPY")


def test_multi_file_relative_refs():
    spec = load_spec(SPECS / "multifile" / "main.yaml")
    items = {p.template: p for p in spec.paths}
    pets = items["/pets"]
    assert pets.source.endswith("/multifile/paths/pets.yaml")
    assert list(pets.operations) == ["GET", "POST"]
    body = pets.operations["POST"].request_body
    assert body.schema == {"$ref": "../schemas/pet.yaml#/Pet"} and body.base.endswith("/paths/pets.yaml")
    node, base = spec.resolver.resolve(body.schema, body.base, "test")  # relative to the file it is written in
    assert node["type"] == "object" and base.endswith("/schemas/pet.yaml")
    one = items["/pets/{id}"]
    assert list(one.operations) == ["GET", "DELETE"]
    pid = params(one.operations["GET"])[("id", "path")]
    assert pid.schema == {"type": "integer", "minimum": 1} and pid.base.endswith("/schemas/params.yaml")
    delete = one.operations["DELETE"]
    assert delete.pointer == "/item/delete" and ("force", "query") in params(delete)  # $ref operation merged
    assert spec.problems == ()


def test_circular_schema_refs_load_and_plan():
    spec = load_spec(SPECS / "v30.json")  # Node -> Node, Other -> Node -> Other
    plan = build_plan(spec)
    assert len(plan.cells) == 16
    node, _ = spec.resolver.resolve({"$ref": "#/components/schemas/Other"}, spec.uri, "test")
    assert node["type"] == "object"


def test_circular_ref_chain_is_a_problem_and_never_hangs():
    spec = load_spec(SPECS / "circular-chain.yaml")
    assert [p.template for p in spec.paths] == ["/ok"]
    [problem] = spec.problems
    assert problem.pointer == "/paths/~1a" and "circular $ref chain" in problem.message and problem.line == 7
    with pytest.raises(SpecError, match="circular"):
        load_spec(SPECS / "circular-chain.yaml", LoadOptions(strict=True))


def test_self_referencing_ref_and_missing_target(tmp_path: Path):
    doc = tmp_path / "self.yaml"
    doc.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
                   "  /self: {$ref: '#/paths/~1self'}\n"
                   "  /gone: {$ref: '#/components/pathItems/Nope'}\n"
                   "  /param:\n    get:\n      parameters: [{$ref: '#/components/parameters/Nope'}]\n"
                   "      responses: {'200': {description: ok}}\n")
    spec = load_spec(doc)
    assert [p.template for p in spec.paths] == ["/param"]
    messages = {p.pointer: p.message for p in spec.problems}
    assert "circular" in messages["/paths/~1self"]
    assert "not found" in messages["/paths/~1gone"]
    assert "parameter skipped" in messages["/paths/~1param/get/parameters/0"]


def test_ref_to_a_url_is_not_fetched_by_default():
    with pytest.raises(SpecError) as info:
        load_spec(SPECS / "remote-ref.yaml")
    assert "$ref to a URL (http://127.0.0.1:9/item.yaml) is not fetched unless --allow-remote-refs is given" in str(info.value)
    assert "/paths/~1remote" in str(info.value)


def test_file_ref_leaving_the_folder_is_refused_unless_allowed(tmp_path: Path):
    with pytest.raises(SpecError, match=r"\$ref leaves the spec's folder .*--allow-outside-refs"):
        load_spec(SPECS / "outside" / "spec" / "main.yaml")
    spec = load_spec(SPECS / "outside" / "spec" / "main.yaml", LoadOptions(allow_outside_refs=True))
    assert [p.template for p in spec.paths] == ["/inside", "/outside"]
    # a symlink inside the folder that points outside is outside too
    root = tmp_path / "spec"
    root.mkdir()
    (tmp_path / "secret.yaml").write_text("get: {responses: {'200': {description: ok}}}\n")
    (root / "link.yaml").symlink_to(tmp_path / "secret.yaml")
    shutil.copy(SPECS / "v32.yaml", root / "v32.yaml")
    (root / "main.yaml").write_text("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /x: {$ref: link.yaml}\n")
    with pytest.raises(SpecError, match="leaves the spec's folder"):
        load_spec(root / "main.yaml")


def test_yaml_and_json_told_apart_by_content(tmp_path: Path):
    as_json = tmp_path / "looks.yaml"
    as_json.write_text('{"openapi": "3.0.0", "info": {"title": "j", "version": "1"}, "paths": {}}')
    assert load_spec(as_json).syntax == "json"
    as_yaml = tmp_path / "looks.json"
    as_yaml.write_text("openapi: 3.0.0\ninfo: {title: y, version: '1'}\npaths: {}\n")
    assert load_spec(as_yaml).syntax == "yaml"
    flow = tmp_path / "flow.json"
    flow.write_text("{openapi: 3.0.0, info: {title: f, version: '1'}, paths: {}}")  # YAML flow style, not JSON
    assert load_spec(flow).syntax == "yaml"
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + as_json.read_bytes())
    assert load_spec(bom).title == "j"


def test_json_surrogate_pair_escapes_load(tmp_path: Path):
    doc = tmp_path / "emoji.json"
    doc.write_text('{"openapi": "3.0.0", "info": {"title": "\\ud83d\\udc4d", "version": "1"}, "paths": {}}')
    assert load_spec(doc).title == "\U0001f44d"

"""``conform405 diff``: the method matrix of two spec versions, and which changes a live server already matches."""

from __future__ import annotations

import copy
import json

import pytest

from .support.run import cli
from .support.servers import serve_asgi
from .test_report_formats import SPEC, make_app, write_spec


def _versions() -> tuple[dict, dict]:
    old = copy.deepcopy(SPEC)
    old["paths"]["/retired"] = {"get": {"responses": {"200": {"description": "gone in the new version"}}}}
    new = copy.deepcopy(SPEC)
    new["paths"]["/items"]["delete"] = {"responses": {"204": {"description": "clear"}}}  # server: 405
    del new["paths"]["/items/{itemId}"]["put"]  # server: 405 already
    new["paths"]["/admin"]["post"] = {"responses": {"200": {"description": "admin action"}}}  # server: served already
    new["paths"]["/legacy/"] = new["paths"].pop("/legacy")  # the server's own spelling
    new["paths"]["/reports"] = {"get": {"responses": {"200": {"description": "new"}}}}  # server: 404
    return old, new


def test_compare_methods_paths_and_renames(tmp_path):
    from checker.diff import compare
    from checker.spec import load_spec

    old, new = _versions()
    new["paths"]["/items/{id}"] = new["paths"].pop("/items/{itemId}")
    new["paths"]["/items/{id}"]["parameters"][0]["name"] = "id"
    d = compare(load_spec(str(write_spec(tmp_path, "yaml", old, "old"))), load_spec(str(write_spec(tmp_path, "json", new, "new"))))
    changes = {(c["change"], c.get("old_path"), c["path"], c["method"]) for c in d.changes}
    assert changes == {
        ("method-added", "/items", "/items", "DELETE"),
        ("path-renamed", "/items/{itemId}", "/items/{id}", None),
        ("method-removed", "/items/{itemId}", "/items/{id}", "PUT"),
        ("method-added", "/admin", "/admin", "POST"),
        ("path-renamed", "/legacy", "/legacy/", None),
        ("method-added", None, "/reports", "GET"),
        ("path-removed", "/retired", None, None),
    }
    how = {c["path"]: c["how"] for c in d.changes if c["change"] == "path-renamed"}
    assert how == {"/items/{id}": "parameter names", "/legacy/": "trailing slash"}
    rows = {(r["old_path"], r["path"]): r for r in d.rows}
    assert rows[("/items", "/items")]["methods"] == {"GET": "both", "POST": "both", "DELETE": "added"}
    assert rows[("/retired", None)]["change"] == "path-removed"
    assert d.summary["methods_added"] == 3 and d.summary["methods_removed"] == 1 and d.summary["paths_renamed"] == 2


def test_unchanged_spec_has_no_change(tmp_path):
    from checker.diff import compare
    from checker.spec import load_spec

    a = load_spec(str(write_spec(tmp_path, "yaml", SPEC, "a")))
    b = load_spec(str(write_spec(tmp_path, "json", SPEC, "b")))
    d = compare(a, b)
    assert d.changes == [] and {r["change"] for r in d.rows} == {"unchanged"}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("diff")
    old, new = _versions()
    old_path, new_path = write_spec(tmp, "yaml", old, "old"), write_spec(tmp, "yaml", new, "new")
    with serve_asgi(make_app()) as url:
        # --allow-writes: the changes include a declared bulk DELETE /items and POST /admin, withheld by default
        result = cli("diff", old_path.name, new_path.name, "--base-url", url, "--json", "-", "--markdown", "d.md",
                     "--allow-writes", cwd=tmp)
    return result, tmp, url


def test_live_diff_withholds_declared_writes_by_default(tmp_path):
    old, new = _versions()
    old_path, new_path = write_spec(tmp_path, "yaml", old, "old"), write_spec(tmp_path, "yaml", new, "new")
    with serve_asgi(make_app()) as url:
        result = cli("diff", old_path.name, new_path.name, "--base-url", url, "--json", "-", cwd=tmp_path)
    assert result.code == 0, result.stderr
    live = {(c["change"], c["path"] or c["old_path"], c["method"]): c["live"] for c in result.json()["changes"]}
    for change in (("method-added", "/items", "DELETE"), ("method-added", "/admin", "POST")):
        assert live[change]["verdict"] == "unknown" and "could change data" in live[change]["why"]
    assert live[("method-added", "/reports", "GET")]["verdict"] == "does not match"  # the safe changes are probed


def test_live_server_matches_some_changes(live):
    result, tmp, url = live
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["kind"] == "diff" and data["live"]["base_url"] == url and data["live"]["requests"] > 0
    verdicts = {(c["change"], c["path"] or c["old_path"], c["method"]): c["live"]["verdict"] for c in data["changes"]}
    assert verdicts == {
        ("method-added", "/items", "DELETE"): "does not match",   # still 405
        ("method-removed", "/items/{itemId}", "PUT"): "matches",   # already 405 with an Allow without PUT
        ("method-added", "/admin", "POST"): "matches",            # already served
        ("path-renamed", "/legacy/", None): "matches",            # the server routes /legacy/
        ("method-added", "/reports", "GET"): "does not match",    # 404: no route yet
        ("path-removed", "/retired", None): "matches",            # 404: gone
    }
    assert data["summary"]["matches"] == 4 and data["summary"]["does_not_match"] == 2
    md = (tmp / "d.md").read_text()
    assert md.startswith("### conform405 diff: old.yaml → new.yaml")
    assert "| `/items` | ✓ | ✓ |  | **+ added** |" in md
    assert "| DELETE added on /items | ❌ does not match" in md
    assert "| path renamed (trailing slash): /legacy → /legacy/ | ✅ matches" in md


def test_terminal_diff_and_bad_input(tmp_path):
    old, new = _versions()
    write_spec(tmp_path, "yaml", old, "old")
    write_spec(tmp_path, "yaml", new, "new")
    result = cli("diff", "old.yaml", "new.yaml", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "path renamed (trailing slash): /legacy → /legacy/" in result.stdout
    assert "DELETE added on /items" in result.stdout and "PUT removed on /items/{itemId}" in result.stdout
    assert "3 methods added, 1 removed" in result.stdout
    missing = cli("diff", "old.yaml", "nope.yaml", cwd=tmp_path)
    assert missing.code == 2 and "nope.yaml" in missing.stderr and "Traceback" not in missing.stderr
    data = json.loads(cli("diff", "old.yaml", "new.yaml", "--json", "-", cwd=tmp_path).stdout)
    assert "live" not in data and data["summary"]["changes"] == len(data["changes"]) == 6

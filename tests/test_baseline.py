"""Baselines: new / persisting / fixed / not rechecked, exit codes on new findings only, stable fingerprints."""

from __future__ import annotations

import json
import re

import pytest

from .support.run import cli
from .support.servers import serve_asgi
from .test_report_formats import make_app, write_spec


def _fp(report: dict, rule: str, path: str, method: str) -> str:
    return next(f["fingerprint"] for f in report["findings"]
                if f["rule"] == rule and f["path"] == path and f["method"] == method)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("baseline")
    spec = str(write_spec(tmp, "yaml"))
    # enough for every drift of the app, and fast; --allow-writes: the declared PUT that is not implemented is one
    methods = ("--methods", "GET,POST,PUT,DELETE", "--allow-writes")
    base = tmp / "baseline.json"
    out: dict = {"tmp": tmp, "base": base}
    log: list[str] = []
    with serve_asgi(make_app(log=log)) as url:
        out["a"] = cli(spec, *methods, "--base-url", url, "--seed", "1", "--examples", "2", "--write-baseline", str(base), "-q")
        out["log_a"], log[:] = list(log), []
        out["b"] = cli(spec, *methods, "--base-url", url, "--seed", "2", "--examples", "2", "--baseline", str(base), "--json", str(tmp / "b.json"))
        out["log_b"] = list(log)
        out["c"] = cli(spec, *methods, "--base-url", url, "--baseline", str(base), "--exclude-path", "/admin", "--json", str(tmp / "c.json"), "-q")
    # the next release: POST /admin is fixed, DELETE /items is a new drift
    with serve_asgi(make_app(admin_post=False, items_delete=True)) as url:
        out["d"] = cli(spec, *methods, "--base-url", url, "--baseline", str(base), "--json", str(tmp / "d.json"),
                       "--markdown", str(tmp / "d.md"), "--html", str(tmp / "d.html"))
    for k in "bcd":
        out[k + "_report"] = json.loads((tmp / f"{k}.json").read_text())
    out["base_report"] = json.loads(base.read_text())
    return out


def test_write_baseline_records_the_run(runs):
    assert runs["a"].code == 1  # without a baseline every error counts
    base = runs["base_report"]
    assert base["kind"] == "run" and base["findings"]
    assert all(f["fingerprint"] for f in base["findings"])


def test_fingerprints_ignore_generated_values(runs):
    """Another seed generates other ids (other URLs), yet every finding keeps its fingerprint."""
    base, b = runs["base_report"], runs["b_report"]
    ids = lambda log: {p for p in log if re.fullmatch(r"/items/\d{10}", p)}  # noqa: E731 - generated ids (>= 10**9)
    assert ids(runs["log_a"]) != ids(runs["log_b"]), "the two seeds sent the same ids: the test would prove nothing"
    assert base["started"] != "" and base["target"]["seed"] != b["target"]["seed"]
    assert {f["fingerprint"] for f in base["findings"]} == {f["fingerprint"] for f in b["findings"]}
    # so an unchanged server has nothing new: exit 0 under the baseline, although the run has errors
    assert runs["b"].code == 0, runs["b"].stdout
    assert b["baseline"]["new"] == [] and b["baseline"]["fixed"] == []
    assert len(b["baseline"]["persisting"]) == len({f["fingerprint"] for f in b["findings"]}) > 0
    assert {f["baseline"] for f in b["findings"]} == {"persisting"}
    assert runs["b"].stdout.rstrip().splitlines()[-1].startswith("PASS")
    assert f"baseline: 0 new, {len(b['baseline']['persisting'])} persisting, 0 fixed" in runs["b"].stdout


def test_new_fixed_and_persisting(runs):
    base, d = runs["base_report"], runs["d_report"]
    fixed_fp = _fp(base, "undeclared-method-accepted", "/admin", "POST")
    new_fp = _fp(d, "undeclared-method-accepted", "/items", "DELETE")
    kept_fp = _fp(d, "declared-method-rejected", "/items/{itemId}", "PUT")
    bl = d["baseline"]
    assert new_fp in bl["new"] and new_fp not in {f["fingerprint"] for f in base["findings"]}
    assert kept_fp in bl["persisting"] and kept_fp not in bl["new"]
    assert fixed_fp in bl["fixed"]
    assert any(f["fingerprint"] == fixed_fp and f["path"] == "/admin" for f in bl["fixed_findings"])
    assert d["summary"]["new"] == len(bl["new"]) and d["summary"]["fixed"] == len(bl["fixed"])
    import jsonschema

    from .support.run import ROOT

    schema = json.loads((ROOT / "checker" / "report" / "report.schema.json").read_text())
    jsonschema.validate(d, schema, cls=jsonschema.Draft202012Validator)
    # the new error fails the run
    assert runs["d"].code == 1
    # the terminal lists new (NEW) and fixed (FIXED) findings
    out = runs["d"].stdout
    assert "NEW DELETE  /items" in out
    assert "FIXED POST    /admin" in out
    # markdown: only the new findings in the table, and the fixed ones
    md = (runs["tmp"] / "d.md").read_text()
    new_section = md.split("#### New findings", 1)[1].split("####", 1)[0]
    assert "`/items` |" in new_section and "declared-method-rejected" not in new_section
    assert "#### Fixed since the baseline" in md and "`/admin`" in md.split("#### Fixed since the baseline", 1)[1]
    html = (runs["tmp"] / "d.html").read_text()
    assert 'id="f-new"' in html and "Fixed since the baseline" in html and 'data-new="1"' in html


def test_unprobed_findings_are_not_called_fixed(runs):
    c = runs["c_report"]
    admin = {f["fingerprint"] for f in runs["base_report"]["findings"] if f["path"] == "/admin"}
    assert admin and admin <= set(c["baseline"]["unverified"])
    assert not admin & set(c["baseline"]["fixed"])
    assert runs["c"].code == 0


def test_bad_baseline_is_a_usage_error(tmp_path):
    spec = write_spec(tmp_path, "yaml")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = cli(str(spec), "--base-url", "http://127.0.0.1:9", "--baseline", str(bad))
    assert result.code == 2 and str(bad) in result.stderr and "Traceback" not in result.stderr
    missing = cli(str(spec), "--base-url", "http://127.0.0.1:9", "--baseline", str(tmp_path / "none.json"))
    assert missing.code == 2 and "no such baseline file" in missing.stderr

"""Sharded runs: ``--shard K/N`` on a real server, then ``conform405 merge``, give back the unsharded report."""

from __future__ import annotations

import json

import pytest

from checker.demo.server import DemoServer
from checker.errors import UsageError
from checker.shard import parse_shard, shard_of

from .support.run import ROOT, cli

SPEC = str(ROOT / "specs" / "bookshop.yaml")


def test_a_path_lands_in_the_same_shard_everywhere():
    # sha256 of the template: these values hold on every machine, Python version and hash seed
    assert [shard_of(t, 3) for t in ("/books", "/books/{bookId}", "/authors", "/health", "/orders")] == [1, 1, 2, 1, 3]
    assert [shard_of(t, 4) for t in ("/books", "/books/{bookId}", "/authors", "/health", "/orders")] == [4, 1, 1, 4, 2]
    assert shard_of("/anything", 1) == 1


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "x/2", "2", "1/2/3", ""])
def test_bad_shard_is_a_usage_error(text):
    with pytest.raises(UsageError):
        parse_shard(text)


def _comparable(report: dict) -> tuple:
    return ([f["fingerprint"] for f in report["findings"]], [(f["rule"], f["path"], f["method"]) for f in report["findings"]],
            report["matrix"])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("shards")
    with DemoServer() as url:
        full = cli(SPEC, "--base-url", url, "--json", str(out / "full.json"), "--quiet", "--no-progress")
        assert full.code == 1, full.stderr
        for n in (3, 4):  # in 4 shards, shard 3 of the 5 paths is empty
            for k in range(1, n + 1):
                r = cli(SPEC, "--base-url", url, "--shard", f"{k}/{n}", "--json", str(out / f"s{k}of{n}.json"),
                        "--quiet", "--no-progress")
                assert r.code in (0, 1), r.stderr
    return out


@pytest.mark.parametrize("n", [3, 4])
def test_union_of_shards_is_the_unsharded_run(runs, n):
    shards = [str(runs / f"s{k}of{n}.json") for k in range(1, n + 1)]
    merged_path = runs / f"merged{n}.json"
    r = cli("merge", *shards, "--json", str(merged_path), "--junit", str(runs / f"merged{n}.xml"), "--quiet")
    assert r.code == 1, r.stderr  # the demo's drift fails the merged run as it fails the whole run
    full = json.loads((runs / "full.json").read_text())
    merged = json.loads(merged_path.read_text())
    assert _comparable(merged) == _comparable(full)
    assert merged["summary"]["requests"] == full["summary"]["requests"]
    assert merged["summary"]["complete"] is True and "shard" not in merged["target"]
    assert merged["target"]["merged_shards"] == {"total": n, "merged": list(range(1, n + 1))}
    assert (runs / f"merged{n}.xml").read_text().startswith("<?xml")
    # every question was asked of (or inferred for) the same paths as in the whole run
    def asked(report):
        return {name: set(q["sampled"]) | set(q["extended"]) | set(q["inferred"])
                for name, q in report["sampling"]["questions"].items()}
    assert asked(merged) == asked(full) and merged["sampling"]["mode"] == "adaptive"
    # each shard holds only its own paths, every path in exactly one shard
    seen = []
    for k, path in enumerate(shards, start=1):
        doc = json.loads(open(path).read())
        assert doc["target"]["shard"]["index"] == k and doc["target"]["shard"]["total"] == n
        paths = list(dict.fromkeys(row["path"] for row in doc["matrix"]))
        assert all(shard_of(p, n) == k for p in paths)
        seen += paths
    assert sorted(seen) == sorted({row["path"] for row in full["matrix"]})


def test_a_missing_shard_makes_the_merge_incomplete(runs):
    r = cli("merge", str(runs / "s1of3.json"), str(runs / "s3of3.json"), "--json", "-", "--fail-on", "never")
    assert r.code == 4, r.stderr
    merged = r.json()
    assert merged["summary"]["complete"] is False
    assert "shard 2/3 missing" in merged["summary"]["incomplete_reason"]


@pytest.mark.parametrize("case", ["twice", "mixed-totals", "not-json", "unsharded"])
def test_merge_refuses_bad_input_in_one_line(runs, tmp_path, case):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    args = {
        "twice": [runs / "s1of3.json", runs / "s1of3.json"],
        "mixed-totals": [runs / "s1of3.json", runs / "s2of4.json"],
        "not-json": [runs / "s1of3.json", bad],
        "unsharded": [runs / "s1of3.json", runs / "full.json"],
    }[case]
    r = cli("merge", *map(str, args), "--json", "-")
    assert r.code == 2
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr

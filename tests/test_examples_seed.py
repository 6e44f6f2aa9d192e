"""--examples, shrinking and --seed against a real server whose answer depends on the path value
(tests/servers/value_dependent.py: DELETE /files/{id} is 405 below 9000 and 500 from 9000 on; generated ids are 7501..10000)."""

from __future__ import annotations

import pytest

from checker import api

from .servers import value_dependent
from .servers.common import spec_path, table
from .support.run import SHARED
from .support.servers import serve_asgi

SPEC = spec_path("value_dependent.yaml")


def run(url: str, *, examples: int, seed: int):
    """The report and every request sent, as (role, method, URL), in a stable order."""
    sent = []
    plan = api.build_plan(api.load(SPEC), api.PlanOptions(base_url=url, examples=examples))
    report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(seed=seed)),
                     progress=lambda o: sent.append((o.role, o.example, o.method, o.url)))
    return report.to_dict(), sorted(sent, key=str)


@pytest.fixture(scope="module")
def server():
    with serve_asgi(value_dependent.make_app()) as url:
        yield url


def test_differing_examples_are_shrunk_to_the_smallest_failing_request(server):
    for seed in range(8):  # the first seed whose examples straddle the threshold
        report, _ = run(server, examples=5, seed=seed)
        cell = next(c for c in report["matrix"] if c["method"] == "DELETE")
        if set(cell["statuses"]) == {405, 500}:
            break
    else:
        pytest.fail("no seed in 0..7 drew ids on both sides of 9000")
    assert cell["verdict"] == "error" and cell["rules"] == ["wrong-status-for-undeclared-method"], table(report)
    [finding] = [f for f in report["findings"] if "DELETE" in (f["evidence"].get("seen_on") or [f["method"]])]
    ev = finding["evidence"]
    assert ev["minimal_values"] == {"file_id": "9000"}
    assert int(ev["shrunk_from"]["file_id"]) >= 9000
    assert ev["response"]["status"] == 500 and ev["request"]["url"] == f"{server}/files/9000"
    assert finding["reproduce"].endswith(f"{server}/files/9000")
    assert "file_id=9000" in finding["message"]
    assert cell["shrunk"] == {"minimal_values": {"file_id": "9000"}, "status": 500}
    assert 0 < ev["shrink_attempts"] <= 60
    # the cells whose examples agree are not shrunk, and are ok
    assert [c for c in report["matrix"] if c.get("shrunk") and c["method"] != "DELETE"] == []
    assert {c["verdict"] for c in report["matrix"] if c["method"] != "DELETE"} == {"ok"}, table(report)
    assert [f["rule"] for f in report["findings"] if f["severity"] != "info"] == ["wrong-status-for-undeclared-method"]


def test_one_example_never_shrinks(server):
    report, sent = run(server, examples=1, seed=0)
    assert not any(c.get("shrunk") for c in report["matrix"])
    assert {e for _, e, _, _ in sent} == {0}


def test_same_seed_repeats_the_run_exactly(server):
    first_report, first = run(server, examples=3, seed=1234)
    second_report, second = run(server, examples=3, seed=1234)
    assert first == second
    assert [c["statuses"] for c in first_report["matrix"]] == [c["statuses"] for c in second_report["matrix"]]
    # three examples: three distinct generated ids on the state-changing probes
    deletes = [u for role, _, m, u in first if role == "probe" and m == "DELETE"]
    assert len(deletes) == 3 and len(set(deletes)) == 3


def test_another_seed_draws_other_values(server):
    _, a = run(server, examples=3, seed=1)
    _, b = run(server, examples=3, seed=2)
    urls_a = {u for role, _, m, u in a if role == "probe" and m == "DELETE"}
    urls_b = {u for role, _, m, u in b if role == "probe" and m == "DELETE"}
    assert urls_a != urls_b


def test_values_for_every_path_of_the_github_spec():
    spec_file = SHARED / "specs-corpus" / "github-api.github.com.json"
    if not spec_file.exists():
        pytest.skip(f"needs the shared spec corpus ({spec_file} is absent)")
    from checker.values import ValueSource

    spec = api.load(str(spec_file))
    values = ValueSource(spec, seed=0, examples=3)
    values.prepare(spec.paths)
    for item in spec.paths:
        for i in range(3):
            got, sources, error = values.path_values(item, i, real=False)
            assert error is None, (item.template, error)
            assert all("/" not in v and v for v in got.values()), (item.template, got)
            assert all(v.isascii() for v in got.values())


def test_shrinking_a_state_changing_probe_never_sends_a_real_id():
    """With `example: 9000` on the parameter, 9000 is a real id: GET uses it, and shrinking the failing
    DELETE stops at 9001 without ever sending DELETE /files/9000."""
    log: list[tuple[str, int]] = []
    with serve_asgi(value_dependent.make_app(log)) as url:
        for seed in range(8):
            del log[:]
            plan = api.build_plan(api.load(spec_path("value_dependent_example.yaml")), api.PlanOptions(base_url=url, examples=5))
            report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(seed=seed))).to_dict()
            cell = next(c for c in report["matrix"] if c["method"] == "DELETE")
            if set(cell["statuses"]) == {405, 500}:
                break
        else:
            pytest.fail("no seed in 0..7 drew ids on both sides of 9000")
    assert ("GET", 9000) in log  # the example is used, by the safe methods
    assert ("DELETE", 9000) not in log
    assert cell["shrunk"]["minimal_values"] == {"file_id": "9001"}


def test_bounded_generated_ids_stay_in_the_top_quarter_of_their_range():
    """Real rows have small ids: a generated id for `minimum: 1, maximum: 10000` is drawn from 7501..10000."""
    spec = api.load(SPEC)
    from checker.values import ValueSource

    values = ValueSource(spec, seed=3, examples=10)
    values.prepare(spec.paths)
    drawn = {int(values.path_values(spec.paths[0], i, real=False)[0]["file_id"]) for i in range(10)}
    assert len(drawn) > 1 and all(7501 <= v <= 10000 for v in drawn), drawn

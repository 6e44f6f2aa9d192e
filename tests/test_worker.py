"""The command's second process (checker/worker.py): the values it draws and the positions it looks up are the
run's own, and nothing is lost when that process fails.

Forking inside the test process (pytest, xdist's threads) would be unsafe, so every fork happens in a fresh
``python -c`` child that prints what it drew; these tests compare those prints.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from checker import worker

from .support.run import ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                                reason="the value worker forks: Linux and other POSIX systems but macOS")

#: schemas of every kind the drawing handles: patterns (hypothesis's regex strategy), bounded and unbounded
#: integers, a quantity, formats, an enum, an invalid pattern (a fallback value), an array in a query
SPEC = {
    "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
    "paths": {
        "/accounts/{AccountSid}/calls/{Sid}": {
            "parameters": [
                {"name": "AccountSid", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": "^AC[0-9a-fA-F]{32}$", "minLength": 34, "maxLength": 34}},
                {"name": "Sid", "in": "path", "required": True,
                 "schema": {"type": "string", "pattern": "^CA[0-9a-fA-F]{32}$"}}],
            "get": {"parameters": [{"name": "tags", "in": "query", "required": True,
                                    "schema": {"type": "array", "items": {"type": "integer"}}}],
                    "responses": {"200": {"description": "ok"}}},
            "delete": {"responses": {"204": {"description": "gone"}}}},
        "/items/{id}/delay/{n}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}},
                           {"name": "n", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "get": {"responses": {"200": {"description": "ok"}}}},
        "/days/{day}/{uid}/{kind}": {
            "parameters": [{"name": "day", "in": "path", "required": True, "schema": {"type": "string", "format": "date"}},
                           {"name": "uid", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
                           {"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": ["a", "b"]}}],
            "get": {"responses": {"200": {"description": "ok"}}}},
        "/broken/{key}": {
            "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string", "pattern": "(unclosed"}}],
            "get": {"responses": {"200": {"description": "ok"}}}},
    },
}

#: ``python -c`` script: SPEC -> plan -> (optionally) the worker started and sent the calls -> the run's
#: ValueSource; prints the values, the fallbacks, and whether the worker's answer was taken
_DRAW = """
import json, os, signal, sys
from checker import worker
mode, spec_path, seed, run_seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if mode != "in-process":
    worker.start("checker.values:warm_up")
from checker import api
from checker.plan import PlanOptions, build_plan
from checker.values import ValueSource, draw_call, plan_items
plan = build_plan(api.load(spec_path), PlanOptions(base_url="http://127.0.0.1:9", examples=2))
if mode == "killed":  # the child gone before it was sent anything
    os.kill(worker._state["worker"].pid, signal.SIGKILL)
    os.waitpid(worker._state["worker"].pid, 0)
if mode != "in-process":
    worker.send(draw_call(plan, seed))
source = ValueSource(plan.spec, seed=run_seed, examples=2)
source.prepare_later(plan_items(plan))
remote = source._remote is not None
values = {item.template: [source.path_values(item, i, real=False) for i in range(2)] for item in plan_items(plan)}
query = {item.template: [source.required_params(op, i) for op in item.operations.values() for i in range(2)]
         for item in plan_items(plan)}
print(json.dumps({"values": values, "query": query, "fallbacks": source.fallback_notes(), "remote": remote,
                  "hypothesis_here": "hypothesis" in sys.modules}, sort_keys=True))
"""


def _draw(tmp_path, mode: str, seed: int = 0, run_seed: int | None = None) -> dict:
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    env = {k: v for k, v in os.environ.items() if k != "CONFORM405_NO_WORKER"}
    proc = subprocess.run([sys.executable, "-c", _DRAW, mode, str(spec), str(seed), str(seed if run_seed is None else run_seed)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _same(a: dict, b: dict) -> None:
    assert a["values"] == b["values"]
    assert a["query"] == b["query"]
    assert a["fallbacks"] == b["fallbacks"]


def _valid(drawn: dict) -> None:
    """Every value is a draw of its schema (whichever process drew it)."""
    import datetime
    import re
    import uuid

    for values, sources, error in drawn["values"]["/accounts/{AccountSid}/calls/{Sid}"]:
        assert error is None and sources == {"AccountSid": "generated", "Sid": "generated"}
        assert re.fullmatch("AC[0-9a-fA-F]{32}", values["AccountSid"]) and re.fullmatch("CA[0-9a-fA-F]{32}", values["Sid"])
    for values, sources, error in drawn["values"]["/items/{id}/delay/{n}"]:
        assert error is None and int(values["id"]) >= 10**9 and 0 <= int(values["n"]) <= 3  # far ids, small counts
    for values, sources, error in drawn["values"]["/days/{day}/{uid}/{kind}"]:
        datetime.date.fromisoformat(values["day"]), uuid.UUID(values["uid"])
        assert values["kind"] in ("a", "b") and sources["kind"] == "enum"
    for values, sources, error in drawn["values"]["/broken/{key}"]:
        assert sources["key"] == "fallback" and values["key"].startswith("c405")
    assert any("/broken/{key}" in note for note in drawn["fallbacks"])
    tags = [q["tags"] for q, _ in drawn["query"]["/accounts/{AccountSid}/calls/{Sid}"] if "tags" in q]
    assert tags and all(isinstance(json.loads(t), list) for t in tags)


def test_the_worker_draws_the_run_values_off_the_run_process(tmp_path):
    here = _draw(tmp_path, "in-process")
    ahead = _draw(tmp_path, "ahead")
    assert not here["remote"] and ahead["remote"]
    # the drawing did happen in the worker: the run's process never imported hypothesis
    assert here["hypothesis_here"] and not ahead["hypothesis_here"]
    for drawn in (here, ahead):
        _valid(drawn)
    _same(_draw(tmp_path, "ahead"), ahead)  # a run repeats its values exactly
    # the same draws as in the run's process, but for the constants hypothesis mixes in from the "local"
    # modules loaded at the time (in a source checkout, conform405's own: see checker/worker.py)
    assert ahead["values"]["/accounts/{AccountSid}/calls/{Sid}"][0] == here["values"]["/accounts/{AccountSid}/calls/{Sid}"][0]


def test_a_list_sent_ahead_for_another_seed_is_not_taken(tmp_path):
    here = _draw(tmp_path, "in-process", seed=5)
    other = _draw(tmp_path, "ahead", seed=0, run_seed=5)
    assert not other["remote"]  # the worker draws seed 0's values: the run draws its own, here
    _same(other, here)


def test_a_worker_that_dies_costs_nothing_but_time(tmp_path):
    killed = _draw(tmp_path, "killed")
    assert killed["remote"] and killed["hypothesis_here"]  # it was sent the list, died, and the run drew them itself
    _valid(killed)


_FDS = """
import os, time
from checker import worker
worker.start("checker.values:warm_up")
pid = worker._state["worker"].pid
links = lambda: [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in (0, 1, 2)]
deadline = time.monotonic() + 30  # the child swaps its streams right after the fork: wait for it, boundedly
while links() != [os.devnull] * 3 and time.monotonic() < deadline:
    time.sleep(0.01)
print(*links())
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads the child's descriptors from /proc")
def test_the_worker_holds_none_of_the_standard_streams():
    # a caller reading the command's output (a pipe, subprocess.run) must see its end when the command ends,
    # not when a child still importing hypothesis does
    proc = subprocess.run([sys.executable, "-c", _FDS], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr[-1000:]
    assert proc.stdout.split() == [os.devnull] * 3


def test_only_a_run_starts_the_worker():
    from checker.cli import SUBCOMMANDS

    assert worker.NO_WORKER == SUBCOMMANDS - {"run"}
    assert worker.wanted(["spec.yaml", "--base-url", "http://127.0.0.1:1"])
    assert worker.wanted(["run", "spec.yaml"])
    for args in ([], ["--version"], ["-h"], ["run", "-h"], ["spec.yaml", "--help"], ["plan", "spec.yaml"],
                 ["explain", "allow-missing"], ["merge", "a.json", "b.json"]):
        assert not worker.wanted(args), args


def test_switched_off_by_the_environment():
    env = {**os.environ, "CONFORM405_NO_WORKER": "1"}
    proc = subprocess.run([sys.executable, "-c", "from checker import worker; worker.start('checker.values:warm_up');"
                           " print(worker._state['worker'] is None)"], capture_output=True, text=True, cwd=ROOT, env=env,
                          timeout=60)
    assert proc.stdout.strip() == "True", proc.stderr


#: ``python -c`` script: a document's plan, the look-ups of the report (every path and operation) sent to the
#: worker or not, then located; prints them
_LOCATE = """
import json, os, signal, sys
from checker import worker
mode, spec_path = sys.argv[1], sys.argv[2]
if mode != "in-process":
    worker.start("checker.values:warm_up")
from checker import api
from checker.plan import PlanOptions, build_plan
from checker.report.model import locations_call, spec_locations
from checker.rules.base import Finding
plan = build_plan(api.load(spec_path), PlanOptions(base_url="http://127.0.0.1:9"))
call = locations_call(plan)
if mode == "killed":  # the child gone before it was sent anything
    os.kill(worker._state["worker"].pid, signal.SIGKILL)
    os.waitpid(worker._state["worker"].pid, 0)
sent = call is not None and worker.send(call)
findings = [Finding(rule="r", severity="info", path=pp.item.template, method="GET", message="m") for pp in plan.paths]
where = spec_locations(plan, findings, os.getcwd())
answered = bool(worker._state["worker"] and worker._state["worker"].results)
print(json.dumps({"where": where, "sent": sent, "answered": answered}, sort_keys=True))
"""


def _locate(tmp_path, mode: str, spec) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "CONFORM405_NO_WORKER"}
    proc = subprocess.run([sys.executable, "-c", _LOCATE, mode, str(spec)], capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_worker_finds_the_positions_the_run_would_find(tmp_path):
    # a JSON document with a BOM, a multi-byte key and odd spacing: lines and columns as the run counts them
    spec = tmp_path / "spec.json"
    text = json.dumps(SPEC, indent=1, ensure_ascii=False).replace('"/broken/{key}"', '"/broken/{key}"  ')
    text = text.replace('"title": "t"', '"title": "tëst ✓"')
    spec.write_bytes(b"\xef\xbb\xbf" + text.encode())
    here, ahead, killed = (_locate(tmp_path, mode, spec) for mode in ("in-process", "ahead", "killed"))
    assert not here["sent"] and ahead["sent"] and ahead["answered"] and killed["sent"] and not killed["answered"]
    assert ahead["where"] == here["where"] == killed["where"]
    lines = {path: where["line"] for path, where in here["where"].items()}
    assert len(lines) == 4 and all(isinstance(n, int) and n > 1 for n in lines.values())
    methods = here["where"]["/accounts/{AccountSid}/calls/{Sid}"]["methods"]
    assert methods.keys() == {"GET", "DELETE"} and methods["GET"]["line"] < methods["DELETE"]["line"]


def test_a_yaml_document_is_located_by_the_run_itself(tmp_path):
    import yaml

    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    ahead = _locate(tmp_path, "ahead", spec)
    assert not ahead["sent"]  # the worker reads JSON files only: the run looks YAML up itself, as before
    assert len(ahead["where"]) == 4 and all(w.get("line") for w in ahead["where"].values())


def test_stop_ends_and_reaps_the_child():
    script = ("import os\nfrom checker import worker\nworker.start('checker.values:warm_up')\n"
              "pid = worker._state['worker'].pid\nworker.stop()\n"
              "try:\n    os.kill(pid, 0)\n    print('alive')\nexcept ProcessLookupError:\n    print('gone')\n")
    env = {k: v for k, v in os.environ.items() if k != "CONFORM405_NO_WORKER"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert proc.stdout.strip() == "gone", proc.stderr[-1000:]


def test_the_run_takes_the_list_made_for_the_worker_only_for_the_same_items(tmp_path):
    # draw_call's list is what the run's own ValueSource would make: taken once, for the very items of that spec
    from checker import api
    from checker.plan import PlanOptions, build_plan
    from checker.values import ValueSource, draw_call, plan_items

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    plan = build_plan(api.load(str(spec)), PlanOptions(base_url="http://127.0.0.1:9"))
    made = draw_call(plan, 0)[1][0]
    items = plan_items(plan)
    assert ValueSource(plan.spec)._made_for(items) is made  # the same items: taken, not made again
    assert ValueSource(plan.spec)._made_for(items) is None  # once
    draw_call(plan, 0)
    assert ValueSource(plan.spec)._made_for(items[1:]) is None  # other items
    draw_call(plan, 0)
    other = build_plan(api.load(str(spec)), PlanOptions(base_url="http://127.0.0.1:9"))
    assert ValueSource(other.spec)._made_for(plan_items(other)) is None  # another spec object
    assert made == ValueSource(plan.spec)._todo(items, True)


def test_the_values_sent_before_the_plan_are_the_plans_own(tmp_path, monkeypatch):
    # the command sends the drawing as soon as the document is loaded when the plan will hold every path of it:
    # that call must be the one the plan's ValueSource asks for, or its answer is wasted (and drawn again here)
    from checker import api, cli
    from checker.plan import PlanOptions, build_plan
    from checker.values import draw_call, draw_call_for

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC))
    # every document the project ships or tests with: Swagger 2.0 to 3.2, odd path keys, several files
    documents = [spec, *(ROOT / "specs").glob("*.yaml"), *(ROOT / "tests" / "servers").glob("*.yaml"),
                 *(ROOT / "tests" / "specs").glob("v*.*"), ROOT / "tests" / "specs" / "multifile" / "main.yaml"]
    for document in documents:
        loaded = api.load(str(document))
        for examples in (1, 2):
            ahead = draw_call_for(loaded, list(loaded.paths), 3, examples)
            planned = draw_call(build_plan(loaded, PlanOptions(base_url="http://127.0.0.1:9", examples=examples)), 3)
            assert (ahead and ahead[1]) == (planned and planned[1]), document

    sent: list = []
    monkeypatch.setattr(worker, "waiting", lambda: True)
    monkeypatch.setattr(worker, "send", lambda *calls, meanwhile=None: sent.append(calls) or True)
    loaded = api.load(str(spec))
    for include, exclude, early in (([], [], True), (["/items/*"], [], False), ([], ["/broken/*"], False)):
        sent.clear()
        cli._draw_ahead_of_plan(loaded, cli._Args({"include_path": include, "exclude_path": exclude, "seed": 0, "examples": 1}))
        assert bool(sent) is early  # a selection waits for the plan: its items are not the document's

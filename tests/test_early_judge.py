"""Paths judged while the run is still probing (checker/api.py, ``_EarlyJudge``) are judged exactly as the
report would judge them at the end: the engine hands each path over once, with all its observations,
and only after its last probe finished. Against the demo API (every drift, every extra probe)."""

from __future__ import annotations

import asyncio

from checker.api import judge_path_now, _with_stability
from checker.demo.server import DemoServer
from checker.engine import ProbeOptions, observation_order, probe
from checker.http.client import HttpClient
from checker.judge import JudgeOptions, judge
from checker.plan import PlanOptions, build_plan
from checker.spec import LoadOptions, load_spec

from .support.run import ROOT


def _run_with_path_done(url: str):
    spec = load_spec(str(ROOT / "specs" / "bookshop.yaml"), LoadOptions())
    plan = build_plan(spec, PlanOptions(base_url=url))
    handed: list[tuple[str, list]] = []

    async def go():
        async with HttpClient() as client:
            def path_done(template, observations):
                handed.append((template, list(observations)))
            return await probe(plan, client, ProbeOptions(), path_done=path_done)

    return plan, asyncio.run(go()), handed


def test_each_path_is_handed_over_once_with_all_its_observations():
    with DemoServer() as url:
        plan, result, handed = _run_with_path_done(url)
    templates = [t for t, _ in handed]
    assert sorted(templates) == sorted(pp.item.template for pp in plan.paths)  # every path, once
    for template, observations in handed:
        final = [o for o in result.observations if o.path == template]
        assert sorted(map(id, observations)) == sorted(map(id, final)), template  # the same objects, none missing
        assert any(o.role == "probe" for o in observations)


def test_a_path_judged_early_is_judged_as_the_report_judges_it():
    with DemoServer() as url:
        plan, result, handed = _run_with_path_done(url)
    options = JudgeOptions()
    order = observation_order(plan)
    by_template = {pp.item.template: pp for pp in plan.paths}
    early = {t: judge_path_now(by_template[t], obs, order, options) for t, obs in handed}
    late = judge(plan, result.observations, _with_stability(options, result.observations))
    mixed = judge(plan, result.observations, _with_stability(options, result.observations), early)
    assert late.findings, "the demo's drift gives findings"
    assert [f.to_dict() for f in mixed.findings] == [f.to_dict() for f in late.findings]
    assert [(f.to_dict(), why) for f, why in mixed.ignored] == [(f.to_dict(), why) for f, why in late.ignored]
    assert mixed.matrix == late.matrix

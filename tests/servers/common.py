"""Running conform405 through the library API against a live server, and reading the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checker import api

HERE = Path(__file__).resolve().parent


def spec_path(name: str) -> str:
    return str(HERE / name)


def run_api(spec: str, base_url: str, *, examples: int = 1, seed: int = 0, allow_writes: bool = True,
            **probe: Any) -> dict[str, Any]:
    """The JSON report (as a dict) of a run of ``spec`` against ``base_url``.

    ``allow_writes``: these servers are disposable and their documented drift includes declared POSTs and
    PUTs that are not implemented, which only a request shows: their declared writes are sent (a default
    run withholds them, tests/test_harmless.py)."""
    loaded = api.load(spec)
    plan = api.build_plan(loaded, api.PlanOptions(base_url=base_url, examples=examples, allow_writes=allow_writes))
    report = api.run(plan, api.RunOptions(probe=api.ProbeOptions(seed=seed, **probe)))
    return report.to_dict()


def verdicts(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(c["path"], c["method"]): c["verdict"] for c in report["matrix"]}


def statuses(report: dict[str, Any]) -> dict[tuple[str, str], int | None]:
    return {(c["path"], c["method"]): c["status"] for c in report["matrix"]}


def table(report: dict[str, Any]) -> str:
    """The matrix as text (for assertion messages)."""
    return "\n".join(f"{c['path']:<28} {c['method']:<8} {c['declared']!s:<6} {c['status']!s:<5} {c['allow']!s:<28} "
                     f"{c['verdict']:<13} {c['reason']}" for c in report["matrix"])


def method_findings(report: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    """``findings_by_cell`` restricted to the method, Allow, HEAD/OPTIONS/TRACE and network rules
    (the families these tests are about; the redirect, slash and gateway features judge the same
    servers with their own rules and their own tests)."""
    from checker.rules import allow, head_options, methods, network
    from tests.support.run import findings_by_cell

    mine = {r.id for family in (methods, allow, head_options, network) for r in family.RULES}
    out = {}
    for cell, rules in findings_by_cell(report).items():
        if rules & mine:
            out[cell] = rules & mine
    return out


def assert_matrix(report: dict[str, Any], expected: dict[tuple[str, str], set[str]],
                  inconclusive: set[tuple[str, str]]) -> None:
    """Exactly the ``expected`` findings of the method rules per cell; cells with findings carry their worst severity,
    ``inconclusive`` cells are inconclusive and every other cell is ok."""
    got = method_findings(report)
    assert got == expected, f"findings differ: {sorted(set(got.items()) ^ set(expected.items()), key=str)}\n{table(report)}"
    severity = {"error": 3, "warning": 2, "info": 1}
    worst: dict[tuple[str, str], str] = {}
    for f in report["findings"]:
        for m in f["evidence"].get("seen_on") or [f["method"]]:
            key = (f["path"], m)
            if severity[f["severity"]] > severity.get(worst.get(key, ""), 0):
                worst[key] = f["severity"]
    for cell in report["matrix"]:
        key = (cell["path"], cell["method"])
        want = worst.get(key) or ("inconclusive" if key in inconclusive else "ok")
        assert cell["verdict"] == want, f"{key}: verdict {cell['verdict']!r} ({cell['reason']}), expected {want!r}\n{table(report)}"

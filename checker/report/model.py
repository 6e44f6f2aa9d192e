"""The report: one object every output format renders. Built once per run, never judged again here."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ..rules.base import Finding
from .outcome import NO_ANSWER_RULE, Outcome, Tolerance, counts, outcome

SCHEMA_VERSION = 1
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}
FAIL_ON = ("error", "warning", "info", "never")


@dataclass
class Report:
    tool: dict[str, Any]
    spec: dict[str, Any]
    target: dict[str, Any]
    findings: list[Finding]
    matrix: list[dict[str, Any]]
    ignored: list[tuple[Finding, str]] = field(default_factory=list)
    started: str = ""
    duration_s: float = 0.0
    requests_sent: int = 0
    incomplete: str | None = None  #: why the run stopped early (a bound, an interruption, an unreachable target)
    notes: list[str] = field(default_factory=list)
    spec_problems: list[dict[str, Any]] = field(default_factory=list)
    baseline: dict[str, Any] | None = None  #: {"file", "new", "persisting", "fixed", ...} when compared with a baseline
    kind: str = "run"  #: "run" | "plan" | "diff"
    #: where each path (and its declared operations) sits in the spec source, for SARIF and editors:
    #: ``{path: {"file", "line", "column", "methods": {METHOD: {"file", "line", "column"}}}}``, or a
    #: function computing it: then it is computed on first use (:meth:`spec_locations`), so a run whose
    #: formats never point at the spec (the terminal alone) never parses the source for line marks
    locations: Any = field(default_factory=dict, repr=False)
    fail_on: str = "error"  #: the run's --fail-on threshold (JUnit failures, PASS/FAIL in summaries)
    tolerance: Tolerance = field(default_factory=Tolerance)  #: unjudged cells a passing run may leave
    #: every state-changing request the run sent (method, url, kind, path, status): the audit of a run;
    #: None for reports that are not runs
    writes_sent: list[dict[str, Any]] | None = None
    #: which paths each stack-level question was asked of and which got the sample's verdict by inference
    #: (checker/adaptive.py): {"mode", "questions": {name: {"applies", "sampled", "extended", "inferred",
    #: "extended_because"}}}; None for reports that are not runs
    sampling: dict[str, Any] | None = None
    _outcome: tuple[list, tuple, Outcome] | None = field(default=None, init=False, repr=False, compare=False)

    # -- derived ----------------------------------------------------------------------------------
    def counted_findings(self) -> list[Finding]:
        """The findings that decide the exit code: all of them, or only the new ones under a baseline."""
        if self.baseline is None:
            return self.findings
        new = set(self.baseline.get("new", ()))
        return [f for f in self.findings if f.fingerprint in new]

    def spec_locations(self) -> dict[str, Any]:
        if callable(self.locations):
            try:
                self.locations = self.locations()
            except Exception:  # a location is a convenience: never lose a report over it
                self.locations = {}
        return self.locations or {}

    def is_new(self, f: Finding) -> bool | None:
        """True/False under a baseline, None without one."""
        if self.baseline is None:
            return None
        return f.fingerprint in set(self.baseline.get("new", ()))

    def location_of(self, f: Finding) -> dict[str, Any] | None:
        """The spec location a finding points at: its operation when declared, else its path item."""
        where = self.spec_locations().get(f.path)
        if not where:
            return None
        op = (where.get("methods") or {}).get(f.method or "")
        return op or {k: where[k] for k in ("file", "line", "column", "pointer") if k in where}

    def failing(self, fail_on: str) -> list[Finding]:
        """Findings at or above ``fail_on`` that count. ``request-failed`` findings stand for cells with no
        HTTP answer: those fail a run through ``--max-no-answer`` (:meth:`outcome`), not as findings."""
        if fail_on == "never":
            return []
        threshold = SEVERITY_RANK[fail_on]
        return [f for f in self.counted_findings()
                if SEVERITY_RANK.get(f.severity, 0) >= threshold and f.rule != NO_ANSWER_RULE]

    def outcome(self) -> Outcome:
        """What the run amounts to (checker/report/outcome.py): every format and the exit code read this.

        Remembered for as long as what it reads stays the same (the matrix's rows are never changed once
        judged): a GitHub-sized report's every format asks, and each answer read 6,488 rows four times."""
        failing = len(self.failing(self.fail_on))
        key = (failing, self.incomplete, self.tolerance, (self.target or {}).get("base_url"), len(self.matrix))
        memo = self._outcome
        if memo is not None and memo[0] is self.matrix and memo[1] == key:  # the matrix itself, not its id: an
            return memo[2]  # id outlives its list and may be a later list's
        result = outcome(self.matrix, failing=failing, incomplete=self.incomplete, tolerance=self.tolerance,
                         target=self.target)
        self._outcome = (self.matrix, key, result)
        return result

    @property
    def summary(self) -> dict[str, Any]:
        by_sev = {s: 0 for s in ("error", "warning", "info")}
        by_rule: dict[str, int] = {}
        for f in self.findings:
            by_sev[f.severity] = by_sev.get(f.severity, 0) + 1
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
        verdicts: dict[str, int] = {}
        for row in self.matrix:
            verdicts[row["verdict"]] = verdicts.get(row["verdict"], 0) + 1
        out: dict[str, Any] = {
            "paths": len({r["path"] for r in self.matrix}),
            "cells": len(self.matrix),
            "requests": self.requests_sent,
            "findings": len(self.findings),
            "by_severity": by_sev,
            "by_rule": dict(sorted(by_rule.items())),
            "verdicts": dict(sorted(verdicts.items())),
            **counts(self.matrix),
            "ignored": len(self.ignored),
            "duration_s": round(self.duration_s, 3),
            "complete": self.incomplete is None,
        }
        if self.incomplete:
            out["incomplete_reason"] = self.incomplete
        if self.kind == "run":
            out["outcome"] = self.outcome().to_dict()
        if self.baseline is not None:
            out["new"] = len(self.baseline.get("new", ()))
            out["persisting"] = len(self.baseline.get("persisting", ()))
            out["fixed"] = len(self.baseline.get("fixed", ()))
        return out

    def _finding_dict(self, f: Finding) -> dict[str, Any]:
        out = f.to_dict()
        new = self.is_new(f)
        if new is not None:
            out["baseline"] = "new" if new else "persisting"
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "tool": self.tool,
            "spec": self.spec,
            "target": self.target,
            "started": self.started,
            "summary": self.summary,
            "findings": [self._finding_dict(f) for f in self.findings],
            "matrix": self.matrix,
        }
        if self.writes_sent is not None:
            out["writes_sent"] = self.writes_sent
        if self.sampling is not None:
            out["sampling"] = self.sampling
        if self.ignored:
            out["ignored"] = [{**f.to_dict(), "ignore_reason": reason} for f, reason in self.ignored]
        if self.notes:
            out["notes"] = self.notes
        if self.spec_problems:
            out["spec_problems"] = self.spec_problems
        if self.baseline is not None:
            out["baseline"] = self.baseline
        if self.spec_locations():
            out["locations"] = self.spec_locations()
        return out


def spec_locations(plan: Any, findings: list[Finding], cwd: str | None = None) -> dict[str, Any]:
    """Line and column in the spec source of every path (and declared operation) that has a finding.

    Only the paths with findings are located, so a clean run never parses the source for marks.
    Files are named relative to ``cwd`` (the working directory) when they lie under it, which is
    what SARIF consumers (GitHub code scanning, editors) resolve against the repository root.
    """
    import os

    wanted = {f.path for f in findings}
    if not wanted:
        return {}
    cwd = cwd or os.getcwd()
    spec = plan.spec
    out: dict[str, Any] = {}
    for pp in plan.paths:
        item = pp.item
        if item.template not in wanted or item.template in out:
            continue
        entry: dict[str, Any] = _where(spec, item.pointer, spec.uri, cwd)  # the path key is in the root document
        methods = {}
        for method, op in item.operations.items():
            loc = _where(spec, op.pointer, op.source, cwd)
            if loc.get("line"):
                methods[method] = loc
        if methods:
            entry["methods"] = methods
        out[item.template] = entry
    return out


def locations_call(plan: Any) -> tuple[Any, tuple[Any, ...]] | None:
    """The look-ups :func:`spec_locations` may make, of every path and operation of the plan in the root
    document, as one call for the command's second process (checker/worker.py) to make while the run probes."""
    return locations_call_for(plan.spec, [pp.item for pp in plan.paths])


def locations_call_for(spec: Any, items: Any) -> tuple[Any, tuple[Any, ...]] | None:
    """:func:`locations_call` for these path items of ``spec`` (a plan's, or the document's before its plan)."""
    pointers: dict[str, None] = {}
    for item in items:
        pointers[item.pointer] = None
        for op in item.operations.values():
            if (op.source or spec.uri) == spec.uri:
                pointers[op.pointer] = None
    return spec.positions_call(tuple(pointers)) if pointers else None


def _where(spec: Any, pointer: str, source: str, cwd: str) -> dict[str, Any]:
    try:
        pos = spec.locate(pointer, source)
    except Exception:  # a location is a convenience: never fail a report for it
        pos = None
    out: dict[str, Any] = {"file": display_file(source, cwd), "pointer": pointer}
    if pos:
        out["line"], out["column"] = pos
    return out


@functools.lru_cache(maxsize=64)
def display_file(uri: str, cwd: str) -> str:
    """A file URI as a path relative to ``cwd`` (POSIX separators) when under it; else absolute; URLs as they are.
    Remembered: a report names the same few files for every path and operation it locates."""
    import os

    if not uri.startswith("file:"):
        return uri
    from ..spec.refs import uri_to_path

    path = os.path.abspath(str(uri_to_path(uri)))
    rel = os.path.relpath(path, cwd)
    if rel.startswith(".."):
        return path.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def lazy_spec_locations(plan: Any, findings: list[Finding]) -> Any:
    """:func:`spec_locations`, computed when a format first asks (file names relative to today's working directory)."""
    import os

    cwd = os.getcwd()
    return lambda: spec_locations(plan, findings, cwd)

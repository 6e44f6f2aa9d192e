"""What a run amounts to, for a job that reads one thing first: the exit code.

A cell is **judged** when it got an HTTP answer a rule could rule on (verdict ok, error, warning or
info). The others are **inconclusive** (an answer that says nothing about the method: a 404 for a
generated id, a 401), **no-answer** (no HTTP answer at all: timeout, reset, garbage, a cap hit) or
**skipped** (deliberately not sent: a bound was reached, a cell withheld as unsafe, no value).

A run passes only when what it was asked to judge was judged:

* no failing finding (``--fail-on``; ``request-failed`` findings describe unanswered cells and are
  counted through ``--max-no-answer`` instead);
* cells with no HTTP answer within ``--max-no-answer`` (default 0), inconclusive cells within
  ``--max-inconclusive`` (default: any number, listed by reason);
* at least one cell judged;
* the target does not answer every probe alike: the same 5xx everywhere is an unhealthy target, a
  404 for every method of every path is a wrong base URL, not an API to judge.

Every format reads the same :class:`Outcome` (the terminal's first word, the JSON ``summary``,
JUnit's errors, the exit code), so they can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ExitCode, UsageError
from ..text import plural as _n

JUDGED = ("ok", "error", "warning", "info")
#: the rule whose findings stand for unanswered cells: counted by --max-no-answer, not by --fail-on
NO_ANSWER_RULE = "request-failed"
#: skipped cells whose reason is a bound of the run: the run is incomplete (exit 4), not unjudged
_BOUND_MARK = "the run reached"


@dataclass(frozen=True)
class Tolerance:
    """How many unjudged cells a run may leave and still pass: a count (``3``) or a share (``5%``).

    ``None`` means any number."""

    max_no_answer: str | None = "0"
    max_inconclusive: str | None = None

    def allows(self, kind: str, count: int, cells: int) -> bool:
        limit = self.max_no_answer if kind == "no_answer" else self.max_inconclusive
        if limit is None:
            return True
        text = limit.strip()
        if text.endswith("%"):
            return cells == 0 or count * 100 <= float(text[:-1]) * cells
        return count <= int(text)

    def to_dict(self) -> dict[str, str | None]:
        return {"max_no_answer": self.max_no_answer, "max_inconclusive": self.max_inconclusive}


def parse_limit(text: str | None, option: str) -> str | None:
    """``--max-no-answer`` / ``--max-inconclusive``: ``N``, ``P%`` or ``any``; refused in one line otherwise."""
    if text is None:
        return None
    value = str(text).strip().lower()
    if value in ("any", "all", "100%"):
        return None
    if re.fullmatch(r"\d+", value) or (re.fullmatch(r"\d+(\.\d+)?%", value) and float(value[:-1]) <= 100):
        return value
    raise UsageError(f"{option} must be a number of cells (3), a share of the cells (5%) or 'any', not {text!r}")


@dataclass
class Outcome:
    """The run's counts by kind of cell, the reasons cells were not judged, and what the exit code says."""

    cells: int = 0
    judged: int = 0
    inconclusive: int = 0
    no_answer: int = 0
    skipped: int = 0
    #: kind -> [{"reason", "count", "example"}], most frequent first
    reasons: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    status: str = "pass"  #: pass | findings | unjudged | unhealthy | incomplete
    exit_code: int = int(ExitCode.OK)
    message: str | None = None  #: one line saying why the run did not pass (or a warning for a passing one)
    hint: str | None = None  #: the likely fix, when the answers suggest one

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status, "exit_code": self.exit_code}
        if self.message:
            out["message"] = self.message
        if self.hint:
            out["hint"] = self.hint
        if self.reasons:
            out["unjudged_reasons"] = self.reasons
        return out


def counts(matrix: list[dict[str, Any]]) -> dict[str, int]:
    out = {"judged": 0, "inconclusive": 0, "no_answer": 0, "skipped": 0}
    for row in matrix:
        verdict = row.get("verdict")
        if verdict in JUDGED:
            out["judged"] += 1
        elif verdict == "inconclusive":
            out["inconclusive"] += 1
        elif verdict == "no-answer":
            out["no_answer"] += 1
        else:
            out["skipped"] += 1
    return out


def _reason_key(kind: str, reason: str) -> str:
    reason = (reason or "").strip() or {"no_answer": "no HTTP answer", "skipped": "not probed"}.get(kind, "no reason given")
    if kind == "no_answer":
        return reason.split(":", 1)[0].strip() or reason  # the error's kind: timeout, reset, protocol, limit, connect
    return reason


def reasons(matrix: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Unjudged cells grouped by reason, with one example cell each (most frequent reason first)."""
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for row in matrix:
        verdict = row.get("verdict")
        kind = {"inconclusive": "inconclusive", "no-answer": "no_answer", "skipped": "skipped"}.get(verdict or "")
        if kind is None:
            continue
        key = _reason_key(kind, row.get("reason") or "")
        group = groups.setdefault(kind, {}).setdefault(key, {"reason": key, "count": 0, "example": None})
        group["count"] += 1
        if group["example"] is None:
            group["example"] = {"method": row.get("method"), "path": row.get("path"), "url": row.get("url"),
                                "status": row.get("status"), "detail": row.get("reason")}
    return {kind: sorted(by.values(), key=lambda g: -g["count"]) for kind, by in groups.items()}


def diagnose(matrix: list[dict[str, Any]], target: dict[str, Any] | None = None) -> tuple[str, str, str] | None:
    """``(kind, message, hint)`` when every answer looks alike in a way no working API answers, else None.

    * the same 5xx for every cell that got an answer: the target is unhealthy;
    * 404 for every method of every path (OPTIONS and TRACE included): the paths are not where the run
      sent them, most likely a wrong base URL;
    * the same redirect to another origin for every cell: the API lives elsewhere.
    """
    answered = [row for row in matrix if row.get("status") is not None and row.get("verdict") != "skipped"]
    if len(answered) < 2:
        return None
    statuses = {row["status"] for row in answered}
    if len(statuses) != 1:
        return None
    status = statuses.pop()
    n = len(answered)
    paths = len({row["path"] for row in answered})
    where = f"{_n(n, 'cell')} on {_n(paths, 'path')}"
    base = (target or {}).get("base_url") or ""
    if 500 <= status <= 599:
        return ("unhealthy", f"target unhealthy: every answer was {status} ({where}); nothing about methods can be judged",
                "check that the API is up and healthy at " + (base or "the base URL") + ", then run again")
    if status == 404 and paths >= 1 and n >= 4:
        return ("wrong-target", f"every answer was 404 ({where}, every method): the run is most likely not reaching the API",
                "check the base URL: --base-url replaces the spec's server URL entirely (include a prefix such as /v1), "
                "--origin keeps the spec's server path; 'conform405 plan' shows the URLs")
    if 300 <= status <= 399 and all(row.get("redirects", 0) == 0 for row in answered):
        return ("wrong-target", f"every answer was a {status} redirect that was not followed ({where}): the API may live elsewhere",
                "look at the Location the server sends (in the JSON report) and give that origin with --base-url or --origin")
    return None


def outcome(matrix: list[dict[str, Any]], *, failing: int, incomplete: str | None, tolerance: Tolerance,
            target: dict[str, Any] | None = None) -> Outcome:
    """The outcome of a run: what the exit code says and why. ``failing`` is the number of failing findings
    (those the ``--fail-on`` threshold counts, ``request-failed`` left out)."""
    c = counts(matrix)
    out = Outcome(cells=len(matrix), reasons=reasons(matrix), **c)
    # skipped cells that a bound left unsent belong to the bound (exit 4), the others are not judged either
    by_bound = sum(g["count"] for g in out.reasons.get("skipped", ()) if _BOUND_MARK in g["reason"])
    if incomplete and _BOUND_MARK not in incomplete:
        # interrupted, unreachable, a bug: the run's own exit code (130, 3, 70) says it; the report says why
        if failing:
            out.status, out.exit_code = "findings", int(ExitCode.FINDINGS)
        else:
            out.status, out.exit_code = "incomplete", int(ExitCode.INCOMPLETE)
        out.message = f"incomplete: {incomplete}"
        return out
    diagnosis = diagnose(matrix, target)
    auth = _auth_wall(matrix)
    if diagnosis is not None:
        out.status, out.exit_code, out.message, out.hint = "unhealthy", int(ExitCode.UNHEALTHY), diagnosis[1], diagnosis[2]
        return out
    if failing:
        out.status, out.exit_code = "findings", int(ExitCode.FINDINGS)
        out.message = f"{_n(failing, 'finding')} at or above the --fail-on threshold"
        if out.no_answer and not tolerance.allows("no_answer", out.no_answer, out.cells):
            out.message += f"; {_n(out.no_answer, 'cell')} also got no HTTP answer"
        return out
    problems = []
    if out.no_answer and not tolerance.allows("no_answer", out.no_answer, out.cells):
        problems.append(f"{out.no_answer} of {_n(out.cells, 'cell')} got no HTTP answer ({_top(out.reasons, 'no_answer')})"
                        f" and --max-no-answer is {tolerance.max_no_answer}")
    if out.inconclusive and not tolerance.allows("inconclusive", out.inconclusive, out.cells):
        problems.append(f"{out.inconclusive} of {_n(out.cells, 'cell')} {'was' if out.inconclusive == 1 else 'were'} inconclusive ({_top(out.reasons, 'inconclusive')})"
                        f" and --max-inconclusive is {tolerance.max_inconclusive}")
    if not problems and out.cells and out.judged == 0 and not (incomplete and by_bound):
        problems.append(f"no cell could be judged: {_unjudged_summary(out)}")
    if problems:
        out.status, out.exit_code = "unjudged", int(ExitCode.UNJUDGED)
        out.message = "; ".join(problems)
        if auth:
            out.hint = auth
        return out
    if incomplete:
        out.status, out.exit_code, out.message = "incomplete", int(ExitCode.INCOMPLETE), f"incomplete: {incomplete}"
        return out
    if auth:
        out.hint = auth
    return out


def _auth_wall(matrix: list[dict[str, Any]]) -> str | None:
    """One line when whole paths (or the whole API) answer 401/403 to every method: credentials are missing."""
    by_path: dict[str, list[int]] = {}
    for row in matrix:
        if row.get("status") is not None:
            by_path.setdefault(row["path"], []).append(row["status"])
    walled = [p for p, statuses in by_path.items() if statuses and all(s in (401, 403) for s in statuses)]
    if not walled:
        return None
    how = "give credentials with -H 'Authorization: ...' or --auth USER:PASS (they are masked in every report)"
    if len(walled) == len(by_path):
        return f"every answer was 401 or 403: {how}"
    return f"{len(walled)} path(s) answered 401 or 403 to every method (e.g. {walled[0]}): {how}"


def _top(reasons_by_kind: dict[str, list[dict[str, Any]]], kind: str) -> str:
    groups = reasons_by_kind.get(kind) or []
    shown = ", ".join(f"{g['reason']}: {g['count']}" for g in groups[:3])
    return shown + (", ..." if len(groups) > 3 else "")


def _unjudged_summary(out: Outcome) -> str:
    parts = []
    for kind, label in (("inconclusive", "inconclusive"), ("no_answer", "no answer"), ("skipped", "skipped")):
        n = getattr(out, kind)
        if n:
            parts.append(f"{n} {label} ({_top(out.reasons, kind)})")
    return "; ".join(parts) or "no cell"

"""Baselines: compare a run with an earlier JSON report, so a nightly job fails only on what is new.

A baseline file is simply a JSON report (``--json`` or ``--write-baseline``). Findings are
matched by their fingerprint: the rule, the path template, the method and the finding's
essential facts (a status, the methods an Allow header lacks...), never a generated value,
an id, a URL with a generated id, a timestamp or a duration, so the same drift has the same
fingerprint from one night to the next.

The comparison puts every finding in one of four groups:

* **new**: in this run, not in the baseline (only these count toward the exit code);
* **persisting**: in both;
* **fixed**: in the baseline, not in this run, and its cell was judged again this run;
* **unverified**: in the baseline, not in this run, but its cell was not judged this time
  (path filtered out, method not probed, run stopped early, no answer): not called fixed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import UsageError
from .report import Report, write

JUDGED = {"ok", "error", "warning", "info", "inconclusive"}


def load(path: str | Path) -> dict[str, dict[str, Any]]:
    """The findings of a baseline file, by fingerprint. A bad file is a :class:`UsageError` naming it."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("no such baseline file (write one with --write-baseline)", where) from None
    except OSError as exc:
        raise UsageError(f"cannot read the baseline: {exc.strerror or exc}", where) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"the baseline is not JSON ({exc})", where) from None
    if not isinstance(data, dict) or data.get("kind", "run") != "run" or not isinstance(data.get("findings"), list):
        raise UsageError("not a conform405 JSON report (expected a run report with a 'findings' list)", where)
    out: dict[str, dict[str, Any]] = {}
    for n, f in enumerate(data["findings"]):
        if not isinstance(f, dict) or not isinstance(f.get("fingerprint"), str):
            raise UsageError(f"finding #{n + 1} has no fingerprint", where)
        out[f["fingerprint"]] = f
    return out


def compare(report: Report, baseline: dict[str, dict[str, Any]], file: str) -> dict[str, Any]:
    """Set ``report.baseline`` to the comparison of ``report`` with ``baseline`` (and return it)."""
    current = [f.fingerprint for f in report.findings]
    now = set(current)
    ignored_now = {f.fingerprint for f, _ in report.ignored}
    judged_cells = {(c["path"], c["method"]) for c in report.matrix if c.get("verdict") in JUDGED}
    judged_paths = {p for p, _ in judged_cells}
    fixed: list[str] = []
    unverified: list[str] = []
    for fp, old in baseline.items():
        if fp in now or fp in ignored_now:
            continue
        methods = [m for m in (old.get("evidence") or {}).get("seen_on") or [old.get("method")] if m]
        rechecked = (any((old.get("path"), m) in judged_cells for m in methods) if methods
                     else old.get("path") in judged_paths)
        (fixed if rechecked and not report.incomplete else unverified).append(fp)
    keep = ("rule", "severity", "path", "method", "message", "fingerprint")
    result: dict[str, Any] = {
        "file": file,
        "new": [fp for fp in dict.fromkeys(current) if fp not in baseline],
        "persisting": [fp for fp in dict.fromkeys(current) if fp in baseline],
        "fixed": fixed,
        "fixed_findings": [{k: baseline[fp].get(k) for k in keep} for fp in fixed],
        "unverified": unverified,
    }
    report.baseline = result
    return result


def write_baseline(report: Report, path: str) -> None:
    """Record the current state: the JSON report, written atomically (the next run's ``--baseline``)."""
    try:
        write(report, "json", path)
    except OSError as exc:
        raise UsageError(f"cannot write the baseline: {exc.strerror or exc}", path) from None

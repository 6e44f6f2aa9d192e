"""``conform405 merge REPORT...``: shard reports (``--shard K/N``) joined into the one report of the whole run.

Findings and matrix rows are put back in the spec's path order (each shard report records where its
paths sit in the whole plan), fingerprints are kept exactly as the shards computed them, requests are
summed, the run's duration is the longest shard's (shards run side by side), and the result is an
ordinary :class:`~checker.report.Report`, rendered by the same writers as a run's (JSON, JUnit, SARIF,
Markdown, HTML, terminal). A missing shard makes the merged report incomplete, naming it; shards of
different specs, different shard counts or the same shard twice are refused.

Compare with a baseline on the merged report (``conform405 merge ... --baseline FILE``), not per shard:
a shard sees only its own paths, so every other shard's findings would look fixed to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import UsageError
from .judge import fold_server_level
from .report import Report
from .rules.base import Finding

_FINDING_FIELDS = {f.name for f in fields(Finding)}


@dataclass(frozen=True)
class StoredFinding(Finding):
    """A finding read back from a JSON report: its fingerprint is the one the run computed."""

    stored_fingerprint: str = ""
    stored_scope: str = ""  #: "server" for a server-level finding (its facts are not in the report)

    @property
    def fingerprint(self) -> str:  # type: ignore[override]
        return self.stored_fingerprint or super().fingerprint

    @property
    def server_level(self) -> bool:  # type: ignore[override]
        return self.stored_scope == "server" or super().server_level


def _finding(d: dict[str, Any], where: str) -> Finding:
    if not isinstance(d, dict) or not all(isinstance(d.get(k), str) for k in ("rule", "severity", "path")):
        raise UsageError("a finding lacks rule, severity or path", where)
    kwargs = {k: v for k, v in d.items() if k in _FINDING_FIELDS and k != "facts"}
    kwargs.setdefault("message", "")
    return StoredFinding(**kwargs, stored_fingerprint=str(d.get("fingerprint") or ""), stored_scope=str(d.get("scope") or ""))


def read_report(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError("no such report", path) from None
    except OSError as exc:
        raise UsageError(f"cannot read the report: {exc.strerror or exc}", path) from None
    except ValueError as exc:
        raise UsageError(f"not JSON ({exc})", path) from None
    if not isinstance(data, dict) or data.get("schema_version") != 1 or data.get("kind", "run") != "run" \
            or not isinstance(data.get("findings"), list) or not isinstance(data.get("matrix"), list):
        raise UsageError("not a conform405 JSON run report (schema_version 1 with findings and matrix)", path)
    return data


def merge(paths: list[str]) -> Report:
    """The reports at ``paths`` (shards of one run) as one :class:`Report`."""
    if not paths:
        raise UsageError("give at least one JSON report to merge")
    docs = [(p, read_report(p)) for p in paths]
    first_path, first = docs[0]
    shards: dict[int, str] = {}
    total: int | None = None
    for path, doc in docs:
        for key in ("location", "title", "version", "paths", "operations"):
            if doc.get("spec", {}).get(key) != first.get("spec", {}).get(key):
                raise UsageError(f"not a shard of the same spec as {first_path} (spec {key} differs)", path)
        shard = doc.get("target", {}).get("shard")
        if shard is None:
            if len(docs) > 1:
                raise UsageError("not a shard report (run it with --shard K/N)", path)
            continue
        if total is None:
            total = shard["total"]
        elif shard["total"] != total:
            raise UsageError(f"shard {shard['index']}/{shard['total']} does not belong to a run in {total} shards", path)
        if shard["index"] in shards:
            raise UsageError(f"shard {shard['index']}/{total} given twice (also {shards[shard['index']]})", path)
        shards[shard["index"]] = path

    position: dict[str, int] = {}
    for _, doc in docs:
        shard = doc.get("target", {}).get("shard") or {}
        rows = _paths_in_order(doc)
        for template, pos in zip(rows, shard.get("positions") or range(len(rows))):
            position.setdefault(template, pos)

    def order(template: str) -> int:
        return position.get(template, 1 << 30)

    findings: list[tuple[int, int, Finding]] = []
    ignored: list[tuple[int, int, tuple[Finding, str]]] = []
    matrix: list[tuple[int, int, dict[str, Any]]] = []
    notes: list[str] = []
    locations: dict[str, Any] = {}
    incomplete: list[str] = []
    n = 0
    for path, doc in docs:
        for f in doc["findings"]:
            findings.append((order(f.get("path", "")), n, _finding(f, path)))
            n += 1
        for f in doc.get("ignored") or []:
            ignored.append((order(f.get("path", "")), n, (_finding(f, path), str(f.get("ignore_reason") or ""))))
            n += 1
        for row in doc["matrix"]:
            matrix.append((order(row.get("path", "")), n, row))
            n += 1
        for note in doc.get("notes") or []:
            if note not in notes:
                notes.append(note)
        locations.update(doc.get("locations") or {})
        reason = doc.get("summary", {}).get("incomplete_reason")
        if reason or doc.get("summary", {}).get("complete") is False:
            label = doc.get("target", {}).get("shard")
            incomplete.append(f"shard {label['index']}/{label['total']}: {reason}" if label else str(reason))
    if total is not None:
        missing = [f"{k}/{total}" for k in range(1, total + 1) if k not in shards]
        if missing:
            incomplete.insert(0, f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing")
    target = {k: v for k, v in first.get("target", {}).items() if k != "shard"}
    if total is not None:
        target["merged_shards"] = {"total": total, "merged": sorted(shards)}
    return Report(
        tool=first.get("tool", {"name": "conform405"}),
        spec=first.get("spec", {}),
        target=target,
        # each shard folded its paths' server-level findings into one: the run's is one too, naming them all
        findings=fold_server_level([f for _, _, f in sorted(findings, key=lambda t: t[:2])]),
        matrix=[r for _, _, r in sorted(matrix, key=lambda t: t[:2])],
        ignored=[i for _, _, i in sorted(ignored, key=lambda t: t[:2])],
        started=min((d.get("started") or "" for _, d in docs), default=""),
        duration_s=max((float(d.get("summary", {}).get("duration_s") or 0) for _, d in docs), default=0.0),
        requests_sent=sum(int(d.get("summary", {}).get("requests") or 0) for _, d in docs),
        incomplete="; ".join(incomplete) or None,
        notes=notes,
        spec_problems=first.get("spec_problems") or [],
        locations=locations,
        # the audit of every shard's state-changing requests (absent when no shard report has one)
        writes_sent=[w for _, d in docs for w in d.get("writes_sent") or []]
        if any("writes_sent" in d for _, d in docs) else None,
        sampling=_merged_sampling([d["sampling"] for _, d in docs if d.get("sampling")]),
    )


def _merged_sampling(parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Each shard sampled its own paths (checker/adaptive.py): the union of what each asked and inferred."""
    if not parts:
        return None
    mode = "adaptive" if any(p.get("mode") == "adaptive" for p in parts) else "exhaustive"
    questions: dict[str, Any] = {}
    for part in parts:
        for name, q in part.get("questions", {}).items():
            into = questions.setdefault(name, {"applies": 0, "sampled": [], "extended": [], "inferred": [],
                                               "carried": [], "extended_because": []})
            into["applies"] += int(q.get("applies") or 0)
            for key in ("sampled", "extended", "inferred", "carried", "extended_because"):
                into[key] = sorted(set(into[key]) | set(q.get(key) or []))
            for check in q.get("unrouted") or ():
                if check not in into.setdefault("unrouted", []):
                    into["unrouted"].append(check)
    return {"mode": mode, "questions": questions}


def _paths_in_order(doc: dict[str, Any]) -> list[str]:
    """The shard's path templates in its own (plan) order, from its matrix."""
    return list(dict.fromkeys(row.get("path", "") for row in doc["matrix"]))


__all__ = ["StoredFinding", "merge", "read_report"]

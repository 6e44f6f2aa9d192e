"""Every document of the shared corpus loads and plans, with the operation count SOURCES.md states.

The corpus lives in ../shared/specs-corpus (never copied into the repository). Its SOURCES.md
has a table whose ``ops`` column is the number of declared operations; for a directory entry the
``path in source`` column names the entry documents (``entry `api/*/*.yaml```) and the counts are
summed over them. One test per entry, so pytest-xdist spreads the slow YAML ones.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checker.plan import build_plan
from checker.spec import load_spec
from tests.support.run import SHARED

CORPUS = SHARED / "specs-corpus"
SOURCES = CORPUS / "SOURCES.md"


def corpus_entries(sources: Path = SOURCES) -> list[tuple[str, str | None, int]]:
    """``(name, entry glob or None, ops)`` for each row of the first table with an ``ops`` column."""
    rows: list[tuple[str, str | None, int]] = []
    header: list[str] | None = None
    for line in sources.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            if rows:
                break  # the table ended
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if "ops" not in header or set(line) <= set("|-: "):
            continue
        row = dict(zip(header, cells))
        name = re.sub(r"\s*\(.*\)$", "", row["file"].strip("`"))
        entry = re.search(r"\(entry `([^`]+)`\)", row.get("path in source", ""))
        rows.append((name, entry.group(1) if entry else None, int(row["ops"])))
    return rows


def _params():
    if not SOURCES.is_file():
        return [pytest.param(None, None, 0, marks=pytest.mark.skip(
            reason=f"shared corpus not found at {CORPUS} (it lives beside the repository, in ../shared)"), id="no-corpus")]
    return [pytest.param(n, e, ops, id=n.rstrip("/")) for n, e, ops in corpus_entries()]


def _documents(name: str, entry: str | None) -> list[Path]:
    target = CORPUS / name
    if target.is_dir():
        assert entry, f"{name} is a folder but SOURCES.md names no entry document"
        docs = sorted(target.glob(entry))
        assert docs, f"no entry document {entry} under {target}"
        return docs
    return [target]


def test_sources_table_is_read():
    if not SOURCES.is_file():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    entries = corpus_entries()
    names = {n for n, _, _ in entries}
    assert len(entries) >= 70
    assert "github-api.github.com.json" in names
    assert dict((n, ops) for n, _, ops in entries)["github-api.github.com.json"] == 1223
    assert dict((n, e) for n, e, _ in entries)["matrix-spec/"] == "api/*/*.yaml"


@pytest.mark.parametrize(("name", "entry", "ops"), _params())
def test_corpus_document_loads_and_plans(name: str, entry: str | None, ops: int):
    declared_ops = 0
    declared_cells = 0
    for doc in _documents(name, entry):
        spec = load_spec(doc)  # lenient default: must not raise
        plan = build_plan(spec)
        declared_ops += spec.operation_count
        declared_cells += sum(1 for c in plan.cells if c.declared)
        assert len(plan.cells) == len(spec.paths) * len(plan.methods)
        assert plan.requests >= sum(len(p.sent_cells) for p in plan.paths)  # a path naming an action gets none
        for item in spec.paths:  # every declared method is probed (QUERY/additionalOperations included)
            assert set(item.operations) <= set(plan.methods), item.template
    assert declared_ops == ops
    assert declared_cells == ops

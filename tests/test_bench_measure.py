"""make bench's probe benchmark runs its tools interleaved: round after round, each tool once per round, so a
machine that changes pace during the bench weighs on every tool alike (benchmarks/probe_speed.py)."""

from __future__ import annotations

import sys

from benchmarks.probe_speed import Entry, measure_together


class _NoCount:
    """A server that does not tell its request count (the bench then says so in a note)."""

    def requests(self) -> None:
        return None


def _appends(log, name: str, code: int = 0) -> list[str]:
    return [sys.executable, "-c", f"open({str(log)!r}, 'a').write({name!r} + '\\n'); raise SystemExit({code})"]


def test_tools_run_round_after_round_and_a_failing_one_stops_alone(tmp_path):
    log = tmp_path / "order.txt"
    entries = [Entry("a", _appends(log, "a"), 30), Entry("b", _appends(log, "b", code=3), 30),
               Entry("c", _appends(log, "c"), 30)]
    a, b, c = measure_together(_NoCount(), entries, 3)
    # b exits 3 (not an accepted code) in the first round: it is not run again, the others go on in turn
    assert log.read_text().split() == ["a", "b", "c", "a", "c", "a", "c"]
    assert b.failed and "exit 3" in b.notes[0]
    assert a.measured and c.measured and a.wall is not None and a.wall > 0
    assert any("did not tell its count" in n for n in a.notes)

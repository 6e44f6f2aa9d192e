"""Words for people: the one place counts are put into English."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``1 cell``, ``2 cells``: the count and its noun, in the right number."""
    return f"{count} {noun}" + ("" if count == 1 else "s")

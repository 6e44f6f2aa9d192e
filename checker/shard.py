"""Sharded runs: ``--shard K/N`` probes a deterministic 1/N share of the plan.

A path belongs to shard ``1 + (sha256(template) mod N)``: the share depends only on the path
template as written in the spec -- not on its position, the machine, Python's hash seed or the
other paths -- so the same path lands in the same shard on every runner and every night, and adding
a path to the spec moves no other path. A path is never split: every rule judges a path's cells
together (Allow across its 405s, control GETs, extra probes).

Generated values do not depend on the shard either: the engine prepares values for the whole plan
(:attr:`ShardPlan.value_paths`), so a shard sends exactly the requests the unsharded run sends for
its paths, and ``conform405 merge`` (checker/merge.py) gives back the unsharded report.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .errors import UsageError
from .plan import PathPlan, Plan


@dataclass(frozen=True)
class Shard:
    index: int  #: 1-based, as CI matrices count (GitHub Actions strategy.matrix, GitLab CI_NODE_INDEX)
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def owns(self, template: str) -> bool:
        return shard_of(template, self.total) == self.index


def parse_shard(text: str) -> Shard:
    """``"K/N"`` -> :class:`Shard`; a :class:`UsageError` naming the problem otherwise."""
    k, sep, n = text.strip().partition("/")
    if not sep or not k.strip().isdigit() or not n.strip().isdigit():
        raise UsageError(f"--shard must look like K/N (e.g. 2/4), got {text!r}")
    index, total = int(k), int(n)
    if total < 1 or not 1 <= index <= total:
        raise UsageError(f"--shard {text}: K must be between 1 and N (N at least 1)")
    return Shard(index, total)


def shard_of(template: str, total: int) -> int:
    """The 1-based shard of a path template among ``total`` shards."""
    digest = hashlib.sha256(template.encode("utf-8", "surrogatepass")).digest()
    return 1 + int.from_bytes(digest[:8], "big") % total


@dataclass(frozen=True)
class ShardPlan(Plan):
    """A plan cut down to one shard's paths; ``value_paths`` keeps the whole plan's, for value generation."""

    shard: Shard | None = None
    value_paths: tuple[PathPlan, ...] = ()
    positions: tuple[int, ...] = ()  #: each kept path's position in the whole plan (merge restores the order)


def shard_plan(plan: Plan, shard: Shard) -> ShardPlan:
    kept = [(n, pp) for n, pp in enumerate(plan.paths) if shard.owns(pp.item.template)]
    fields = {f: getattr(plan, f) for f in plan.__dataclass_fields__ if f not in ("paths",)}
    return ShardPlan(**{**fields, "paths": tuple(pp for _, pp in kept)}, shard=shard,
                     value_paths=plan.paths, positions=tuple(n for n, _ in kept))


def shard_info(plan: Plan) -> dict | None:
    """What a shard report records about its shard (None for an unsharded plan)."""
    if not isinstance(plan, ShardPlan) or plan.shard is None:
        return None
    return {"index": plan.shard.index, "total": plan.shard.total, "paths_total": len(plan.value_paths),
            "positions": list(plan.positions)}


__all__ = ["Shard", "ShardPlan", "parse_shard", "shard_info", "shard_of", "shard_plan"]

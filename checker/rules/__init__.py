"""The rule registry: every rule conform405 knows, and the checks that apply them.

To add a rule: define a :class:`~checker.rules.base.Rule` and a ``check(ctx)`` in the
family module it belongs to (or a new module), add it to ``RULES`` there, and list the
module in ``_FAMILIES`` below. ``conform405 explain ID`` and ``docs/rules.md`` read it
from here; a test makes sure every rule is documented.
"""

from __future__ import annotations

from . import allow, cors, gateway, head_depth, head_options, methods, network, overlap, override, redirects, stability
from . import responses, unknown_method
from .base import SEVERITIES, Check, Finding, PathContext, Rule

#: every rule family, in the order their checks run: the method verdicts first (the others read the cells
#: they leave inconclusive), then the probe families, and last the unstable-answer check, which sets aside
#: the findings of a path whose answers change between identical requests
_FAMILIES = (methods, allow, head_options, network, overlap,
             gateway, override, cors, unknown_method, head_depth,  # gateways, overrides, CORS, unknown methods, HEAD depth
             redirects,  # redirect chains as clients follow them, trailing slashes
             responses,  # --validate-responses: served answers against the documented responses (openapi-core)
             stability)

RULES: dict[str, Rule] = {rule.id: rule for family in _FAMILIES for rule in family.RULES}
CHECKS: tuple[Check, ...] = tuple(family.check for family in _FAMILIES)

__all__ = ["CHECKS", "RULES", "SEVERITIES", "Finding", "PathContext", "Rule"]

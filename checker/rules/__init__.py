"""The rule registry: every rule conform405 knows, and the checks that apply them.

To add a rule: define a :class:`~checker.rules.base.Rule` and a ``check(ctx)`` in the
family module it belongs to (or a new module), add it to ``RULES`` there, and list the
module in ``_FAMILIES`` below. ``conform405 explain ID`` and ``docs/rules.md`` read it
from here; a test makes sure every rule is documented.
"""

from __future__ import annotations

from . import allow, head_options, methods, network, overlap
from . import cors, gateway, head_depth, override, unknown_method  # issue #5
from . import redirects  # issue #4
from .base import SEVERITIES, Check, Finding, PathContext, Rule

_FAMILIES = (methods, allow, head_options, network, overlap)
_FAMILIES += (gateway, override, cors, unknown_method, head_depth)  # issue #5: gateways, overrides, CORS, unknown methods, HEAD depth
_FAMILIES += (redirects,)  # issue #4: redirect chains as clients follow them, trailing slashes
from . import stability  # issue #7
_FAMILIES += (stability,)  # issue #7: a path whose answer changes between identical requests
from . import responses
_FAMILIES += (responses,)  # --validate-responses: served answers against the documented responses (openapi-core)

RULES: dict[str, Rule] = {rule.id: rule for family in _FAMILIES for rule in family.RULES}
CHECKS: tuple[Check, ...] = tuple(family.check for family in _FAMILIES)

__all__ = ["CHECKS", "RULES", "SEVERITIES", "Finding", "PathContext", "Rule"]

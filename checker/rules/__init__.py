"""The rule registry: every rule conform405 knows, and the checks that apply them.

To add a rule: define a :class:`~checker.rules.base.Rule` and a ``check(ctx)`` in the
family module it belongs to (or a new module), add it to ``RULES`` there, and list the
module in the families of :func:`_load` below (``_FAMILIES``). ``conform405 explain ID`` and
``docs/rules.md`` read it from here; a test makes sure every rule is documented.
"""

from __future__ import annotations

from .base import SEVERITIES, Check, Finding, PathContext, Rule

#: every rule family, in the order their checks run (see :func:`_load`)
_FAMILIES: tuple
RULES: dict[str, Rule]
CHECKS: tuple[Check, ...]


def _load() -> None:
    """The rule families, imported when ``RULES``, ``CHECKS`` or ``_FAMILIES`` is first read: a run judges its
    first path only once that path's probes are answered, so its first request does not wait for them."""
    global _FAMILIES, RULES, CHECKS
    from . import allow, cors, gateway, head_depth, head_options, methods, network, overlap, override, redirects
    from . import responses, stability, unknown_method

    # the method verdicts first (the others read the cells they leave inconclusive), then the probe families,
    # and last the unstable-answer check, which sets aside the findings of a path whose answers change between
    # identical requests
    families = (methods, allow, head_options, network, overlap,
                gateway, override, cors, unknown_method, head_depth,  # gateways, overrides, CORS, unknown methods, HEAD depth
                redirects,  # redirect chains as clients follow them, trailing slashes
                responses,  # --validate-responses: served answers against the documented responses (openapi-core)
                stability)
    RULES = {rule.id: rule for family in families for rule in family.RULES}
    CHECKS = tuple(family.check for family in families)
    _FAMILIES = families


def __getattr__(name: str):
    if name in ("_FAMILIES", "RULES", "CHECKS"):
        _load()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CHECKS", "RULES", "SEVERITIES", "Finding", "PathContext", "Rule"]

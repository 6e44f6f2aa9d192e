"""Rule documentation as text: ``conform405 explain`` and the generated docs/rules.md.

    python -m checker.rules.catalogue > docs/rules.md
"""

from __future__ import annotations

from . import RULES
from .base import Rule


def rule_text(rule: Rule) -> str:
    return "\n".join([
        f"{rule.id} ({rule.severity}) — {rule.title}",
        "",
        "What it checks",
        f"  {rule.summary}",
        "",
        "Why it matters",
        f"  {rule.why}",
        "",
        f"Reference: {rule.rfc}",
        "",
        "Example",
        *("  " + line for line in rule.example.splitlines()),
        "",
        "Fix",
        f"  {rule.fix}",
    ])


def markdown() -> str:
    out = ["# conform405 rule catalogue", "",
           "Generated from `checker/rules/` by `make docs`; `conform405 explain RULE` prints the same text.", "",
           "| ID | severity | family | title | reference |", "|---|---|---|---|---|"]
    for r in RULES.values():
        out.append(f"| [`{r.id}`](#{r.id}) | {r.severity} | {r.family} | {r.title} | {r.rfc} |")
    for r in RULES.values():
        out += ["", f"## {r.id}", "", f"**{r.title}** · default severity **{r.severity}** · {r.rfc}", "",
                f"**What it checks.** {r.summary}", "", f"**Why it matters.** {r.why}", "",
                "**Example.**", "", "```", r.example, "```", "", f"**Fix.** {r.fix}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")

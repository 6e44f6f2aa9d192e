"""Header values as RFC 9110 writes them, parsed for the rules and the safety policy alike."""

from __future__ import annotations

import re

#: a method token (RFC 9110 §5.6.2 ``token``)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def parse_allow(value: str) -> tuple[list[str], list[str]]:
    """``(tokens, problems)``: the method tokens of an Allow value and what is wrong with its syntax."""
    problems: list[str] = []
    tokens: list[str] = []
    if value.strip() == "":
        return [], []  # an empty Allow is valid: the resource allows no method
    for raw in value.split(","):
        element = raw.strip(" \t")
        if element == "":
            problems.append("empty list element")
            continue
        if not _TOKEN.match(element):
            problems.append(f"{element!r} is not a method token")
            continue
        tokens.append(element)
    return tokens, sorted(set(problems))

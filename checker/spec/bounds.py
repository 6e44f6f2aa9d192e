"""The bounds every document is held to, shared by the JSON and the YAML paths (checker/spec/parse.py,
checker/spec/yaml_doc.py): how deep, how many values, how far aliases expand, how long an integer."""

from __future__ import annotations

import re
import sys
from typing import Any

from ..errors import SpecError

#: Deepest nesting accepted; real descriptions stay well under 100.
MAX_DEPTH = 256
#: Most nodes a YAML document may expand to through aliases.
MAX_EXPANDED_NODES = 5_000_000
#: Most values (objects, arrays, scalars) one document may hold. Memory follows the number of values more
#: than the size: 64 MB of ``[[],[],...]`` is 22 million lists, 2 GB. The GitHub description holds
#: about 0.3 million; at most 5 million keep any document within the size limit near half a gigabyte.
MAX_NODES = 5_000_000

def too_many_nodes(where: str) -> SpecError:
    return SpecError(f"the document holds more than {MAX_NODES:,} values (objects, arrays, scalars)", where)


#: Anchor and alias names as libyaml reads them: letters, digits, '-' and '_', as long as they go.
#: Both patterns start with a literal, so each is one fast scan of the text.
_ANCHOR_RE = re.compile(r"&([0-9A-Za-z_-]+)")
_ALIAS_NAME_RE = re.compile(r"\*([0-9A-Za-z_-]+)")


def uses_aliases(text: str) -> bool:
    """True when ``text`` may hold a YAML alias: some ``*name`` for which an ``&name`` exists.

    libyaml reads an anchor or alias name as the longest run of ``[0-9A-Za-z_-]`` after the
    indicator, so comparing maximal runs is exact for every alias libyaml would accept: no alias
    goes unnoticed. Markdown (``**bold**``, ``*note*``) and URLs (``&b=2``) rarely produce a pair
    with the same name; when they do, the only cost is the (linear) expansion check.
    """
    if "&" not in text or "*" not in text:
        return False
    anchors = set(_ANCHOR_RE.findall(text))
    return bool(anchors) and not anchors.isdisjoint(_ALIAS_NAME_RE.findall(text))


def long_integer(text: str, where: str, digits: int | None = None, line: int | None = None,
                 column: int | None = None) -> SpecError:
    """The refusal of an integer with more digits than ``sys.get_int_max_str_digits()``, located in ``text``.

    Loading it would need that bound lifted, and converting such a number costs time quadratic in its
    length: a document is refused instead. Without a position, the first run of too many digits is found.
    """
    limit = sys.get_int_max_str_digits()
    if line is None:
        # the lookbehind makes every attempt start at the start of a run of digits: one linear scan
        m = re.search(r"(?<![0-9])[0-9]{%d,}" % (limit + 1), text)
        if m is not None:
            digits = m.end() - m.start()
            line = text.count("\n", 0, m.start()) + 1
            column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    size = f"{digits:,} digits" if digits else f"more than {limit:,} digits"
    at = f" at line {line}, column {column}" if line is not None else ""
    return SpecError(f"an integer of {size}{at}: integers of more than {limit:,} digits are refused", where)


def check_expansion(doc: Any, where: str) -> None:
    """Refuse documents whose aliases expand past the bound, or that contain themselves.

    The walk is iterative and memoised on object identity, so it costs the number of
    distinct nodes, not the expanded size.
    """
    sizes: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(doc, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        key = id(node)
        children = node.values() if isinstance(node, dict) else node
        if done:
            on_stack.discard(key)
            total = 1
            for child in children:
                if isinstance(child, (dict, list)):
                    total += sizes[id(child)]
                else:
                    total += 1
            if total > MAX_EXPANDED_NODES:
                raise SpecError(
                    f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} nodes (an alias bomb?)", where
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_stack:
            raise SpecError("a YAML alias refers to a node that contains it (recursive document)", where)
        if depth > MAX_DEPTH:
            raise SpecError(f"nesting deeper than {MAX_DEPTH} levels", where)
        on_stack.add(key)
        stack.append((node, depth, True))
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1, False))

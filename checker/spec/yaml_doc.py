"""YAML documents: PyYAML's C loader read as YAML 1.2, with bounds on nesting checked before composing.

Split from checker/spec/parse.py so that a JSON document (the usual large one) never imports PyYAML.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml

from ..errors import SpecError
from .parse import check_expansion, uses_aliases

try:
    _YamlLoader: type = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader


class _Loader(_YamlLoader):  # type: ignore[misc, valid-type]
    """The safe C loader, read as YAML 1.2 where YAML 1.1 surprises OpenAPI authors.

    No implicit timestamps (OpenAPI dates are strings), and only ``true``/``false`` are
    booleans: ``enum: [yes, no]`` or a parameter named ``on`` stay strings, as in YAML 1.2
    and every JavaScript tool.
    """


_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Loader.yaml_implicit_resolvers = {}
for _first, _resolvers in _YamlLoader.yaml_implicit_resolvers.items():
    for _tag, _rx in _resolvers:
        if _tag == "tag:yaml.org,2002:timestamp":
            continue
        if _tag == "tag:yaml.org,2002:bool":
            if _first in "tTfF":
                _Loader.yaml_implicit_resolvers.setdefault(_first, []).append((_tag, _BOOL_12))
            continue
        _Loader.yaml_implicit_resolvers.setdefault(_first, []).append((_tag, _rx))


def _construct_bool(loader: Any, node: Any) -> bool:
    return loader.construct_scalar(node).lower() == "true"


_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


#: YAML nesting refused before libyaml composes it: its composer recurses in C (a crash near
#: 100,000 levels) and costs time quadratic in the depth (10,000 levels: over a second).
MAX_YAML_DEPTH = 1024
#: Below this bound on the depth the document is composed without the exact (slower) depth scan.
_SAFE_DEPTH_BOUND = 6000


def yaml_depth_bound(text: str) -> int | None:
    """A cheap upper bound on the nesting depth of ``text``, or None when it is not below the safe bound.

    Flow collections nest only through ``[`` and ``{``, so their depth is at most the number of those
    characters. A nested block collection starts further right than its parent, or at the same column
    for a sequence under a mapping key and then the next mapping two columns right, or on the same line
    after ``- `` or ``? `` (compact notation): so block depth is at most twice the largest indentation
    plus twice the longest run of compact indicators, plus 2. The bound is sound; it is only loose.
    """
    budget = _SAFE_DEPTH_BOUND - text.count("[") - text.count("{") - 2
    if budget <= 0:
        return None
    quarter = budget // 4 + 1
    # block indentation is spaces only: a plain substring search finds any run that long, anywhere
    if " " * quarter in text or _compact_run(quarter).search(text):
        return None
    # indentation and compact runs are both under ``quarter``: what the flow characters left covers them
    return _SAFE_DEPTH_BOUND - budget + 2 + 4 * (quarter - 1)


@lru_cache(maxsize=64)
def _compact_run(n: int) -> re.Pattern[str]:
    # written with a leading single indicator: much faster to scan than a bare repeated group
    return re.compile(r"[-?][ \t]+(?:[-?][ \t]+){%d}" % (n - 1))


def check_yaml_depth(text: str, where: str) -> None:
    """Refuse YAML nested deeper than MAX_YAML_DEPTH, reading libyaml's events (iterative, no composing)."""
    if yaml_depth_bound(text) is not None:
        return
    depth = 0
    opens = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    closes = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    try:
        for event in yaml.parse(text, Loader=_YamlLoader):
            if isinstance(event, opens):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    mark = event.start_mark
                    raise SpecError(
                        f"nesting deeper than {MAX_YAML_DEPTH} levels at line {mark.line + 1}, column {mark.column + 1}",
                        where,
                    )
            elif isinstance(event, closes):
                depth -= 1
    except yaml.YAMLError:
        return  # the loader reports the syntax error itself, with its position


def parse_yaml(text: str, where: str, nodes: list[Any] | None = None) -> Any:
    check_yaml_depth(text, where)
    try:
        loader = _Loader(text)
        try:  # what yaml.load does, keeping the composed nodes
            node = loader.get_single_node()
            doc = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
        if nodes is not None:
            nodes.append(node)
    except RecursionError:
        raise SpecError("nesting too deep to parse", where) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"not valid YAML or JSON{loc}: {' '.join(str(exc.problem or exc.context).split())}", where) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise SpecError(f"not valid YAML or JSON: control character #x{char:04x} is not allowed (line {line})", where) from None
    except yaml.YAMLError as exc:
        raise SpecError("not valid YAML or JSON: " + " ".join(str(exc).split()), where) from None
    if uses_aliases(text):
        check_expansion(doc, where)
    return doc



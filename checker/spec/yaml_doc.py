"""YAML documents: PyYAML's C loader read as YAML 1.2, with bounds on nesting checked before composing.

Split from checker/spec/parse.py so that a JSON document (the usual large one) never imports PyYAML.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

import yaml

from ..errors import SpecError
from .bounds import MAX_NODES, check_expansion, long_integer, too_many_nodes, uses_aliases

try:
    _YamlLoader: type = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _YamlLoader = yaml.SafeLoader
if _YamlLoader is not yaml.SafeLoader and yaml._yaml.ScalarNode is not yaml.nodes.ScalarNode:  # type: ignore[attr-defined]
    # ``yaml`` was imported again after its C extension was loaded (pytest's pytester drops modules between
    # in-process runs): an extension module is initialised once per process and its parser keeps building
    # the node classes of the first import, which today's resolver and constructors no longer recognise.
    # The pure-Python parser builds today's classes: slower, and right.
    _YamlLoader = yaml.SafeLoader


class _BadInteger(yaml.constructor.ConstructorError):
    """An integer scalar Python cannot build: too many digits, or not a number at all (``0b_``, ``!!int x``)."""

    def __init__(self, node: Any):
        super().__init__(None, None, "not an integer", node.start_mark)
        self.node = node


class _Loader(_YamlLoader):  # type: ignore[misc, valid-type]
    """The safe C loader, read as YAML 1.2 where YAML 1.1 surprises OpenAPI authors.

    No implicit timestamps (OpenAPI dates are strings), and only ``true``/``false`` are
    booleans: ``enum: [yes, no]`` or a parameter named ``on`` stay strings, as in YAML 1.2
    and every JavaScript tool.
    """

    def construct_yaml_int(self, node: Any) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # int() refused it: the digit bound, or nothing to convert
            raise _BadInteger(node) from None


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
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


#: YAML nesting refused before libyaml composes it: its composer recurses in C (a crash near
#: 100,000 levels) and costs time quadratic in the depth (10,000 levels: over a second). Kept well
#: below libyaml's own nesting limit (1000 in libyaml 0.2.5 and later), so that the refusal, its line
#: and its wording are conform405's whatever libyaml version PyYAML was built with.
MAX_YAML_DEPTH = 512
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
    except yaml.MarkedYAMLError as exc:
        # libyaml's scanner reads a run of flow openers ahead of the events (each may start a simple key),
        # and may give up on its own nesting limit before the events above reach ours: refuse that too,
        # in conform405's words, when the flow nesting before the error is past the bound.
        mark = exc.problem_mark or exc.context_mark
        end = mark.index + 1 if mark is not None else len(text)
        _refuse_deep_flow(text, end, where)
        return  # any other syntax error: the loader reports it itself, with its position
    except yaml.YAMLError:
        return


_FLOW_RE = re.compile(r"[\[\]{}'\"#\n]")


def _refuse_deep_flow(text: str, end: int, where: str) -> None:
    """Raise when flow collections (``[``, ``{``) in ``text[:end]`` nest deeper than MAX_YAML_DEPTH.

    Quoted scalars and comments are skipped; block nesting is not counted, so this can only under-count.
    """
    depth, i = 0, 0
    search = _FLOW_RE.search
    while True:
        m = search(text, i, end)
        if m is None:
            return
        ch, i = m.group(), m.end()
        if ch in "[{":
            depth += 1
            if depth > MAX_YAML_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
                raise SpecError(f"nesting deeper than {MAX_YAML_DEPTH} levels at line {line}, column {column}", where)
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch == "#":
            if m.start() == 0 or text[m.start() - 1] in " \t\n":
                nl = text.find("\n", i)
                i = len(text) if nl < 0 else nl
        elif ch in "'\"":
            close = text.find(ch, i)
            while ch == '"' and close > 0 and text[close - 1] == "\\":
                close = text.find(ch, close + 1)
            if close < 0:
                return
            i = close + 1


_T = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ, _NULL, _BOOL, _INT, _FLOAT = (_T + t for t in ("str", "map", "seq", "null", "bool", "int", "float"))


class _Unusual(Exception):
    """A node the fast constructor leaves to PyYAML's own (another tag, a merge key, a complex key)."""


def construct(loader: Any, root: Any) -> Any:
    """The document from its composed node tree: what ``loader.construct_document(root)`` gives, faster.

    PyYAML's constructor is Python code with a dispatch, a generator and a state check per node: 0.8 s of
    Stripe's 4 MB description. OpenAPI documents use maps, sequences and plain scalars only, and those are
    built here with one loop and no recursion (aliases share their object, as PyYAML's do). Anything else --
    another tag, a merge key (``<<``), a key that is not a scalar -- falls back to PyYAML's constructor for
    the whole document, so the result (or the error) is exactly its own.
    """
    try:
        return _construct_plain(loader, root)
    except _Unusual:
        return loader.construct_document(root)


def _construct_plain(loader: Any, root: Any) -> Any:
    scalar_node, mapping_node, sequence_node = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    as_int, as_float = loader.construct_yaml_int, loader.construct_yaml_float
    made: dict[int, Any] = {}  #: id(container node) -> its object (an alias is the same node again)
    to_fill: list[tuple[Any, Any]] = []

    def scalar(node: Any) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return node.value.lower() == "true"  # only true/false resolve to bool (the loader's YAML 1.2 reading)
        if tag == _INT:
            return as_int(node)
        if tag == _FLOAT:
            return as_float(node)
        raise _Unusual(tag)

    def value(node: Any) -> Any:
        kind = node.__class__
        if kind is scalar_node:
            return scalar(node)
        known = made.get(id(node))
        if known is not None:
            return known
        if kind is mapping_node and node.tag == _MAP:
            obj: Any = {}
        elif kind is sequence_node and node.tag == _SEQ:
            obj = []
        else:
            raise _Unusual(node.tag)
        made[id(node)] = obj
        to_fill.append((node, obj))
        return obj

    doc = value(root)
    while to_fill:
        node, obj = to_fill.pop()
        if obj.__class__ is list:
            obj.extend([value(item) for item in node.value])
            continue
        for key_node, value_node in node.value:
            if key_node.__class__ is not scalar_node:
                raise _Unusual("a key that is not a scalar")
            obj[scalar(key_node)] = value(value_node)  # a merge key (<<) has its own tag: _Unusual
    return doc


def _integer_error(exc: _BadInteger, where: str) -> SpecError:
    value, mark = str(exc.node.value), exc.node.start_mark
    line, column = mark.line + 1, mark.column + 1
    digits = sum(c.isdigit() for c in value)
    if digits > sys.get_int_max_str_digits() > 0:
        return long_integer(text="", where=where, digits=digits, line=line, column=column)
    shown = value if len(value) <= 40 else value[:40] + "..."
    return SpecError(f"not an integer at line {line}, column {column}: {shown!r}", where)


#: From this many characters on, a YAML document is built from libyaml's events instead of its node tree.
STREAM_FROM = 8 * 1024 * 1024


def construct_streaming(text: str) -> Any:
    """The document built straight from libyaml's events, never holding its node tree.

    The node tree (two position marks per node) takes about twice the memory of the document it
    describes and is all alive at once: a 55 MB description peaked at 1.4 GB. Built from events, only
    the document is kept (and the lines of problems come from composing the file again, if ever asked).
    Anything the plain constructor leaves to PyYAML (another tag, a merge key, a key that is not a
    scalar, an undefined alias, a second document) raises :class:`_Unusual`: the caller composes instead.
    """
    events = yaml.events
    scalar_event, alias_event = events.ScalarEvent, events.AliasEvent
    map_start, seq_start = events.MappingStartEvent, events.SequenceStartEvent
    collection_end, document_end = events.CollectionEndEvent, events.DocumentEndEvent
    scalar_node = yaml.ScalarNode
    loader = _Loader(text)
    try:
        get, resolve = loader.get_event, loader.resolve
        as_int, as_float = loader.construct_yaml_int, loader.construct_yaml_float
        get()  # the stream starts
        if not isinstance(get(), events.DocumentStartEvent):
            return None  # an empty stream: what yaml.load gives
        anchors: dict[str, Any] = {}
        stack: list[Any] = []  # open collections
        keys: list[Any] = []  # for each open mapping, the key waiting for its value (_NO_KEY: none)
        doc: Any = None
        budget = MAX_NODES  # values left before the document is refused (an alias counts once)
        while True:
            event = get()
            kind = event.__class__
            if kind is scalar_event:
                tag = event.tag
                if tag is None or tag == "!":
                    tag = resolve(scalar_node, event.value, event.implicit)
                if tag == _STR:
                    value: Any = event.value
                elif tag == _NULL:
                    value = None
                elif tag == _BOOL:
                    value = event.value.lower() == "true"
                elif tag == _INT:
                    value = as_int(scalar_node(tag, event.value, event.start_mark))
                elif tag == _FLOAT:
                    value = as_float(scalar_node(tag, event.value, event.start_mark))
                else:
                    raise _Unusual(tag)
                if event.anchor is not None:
                    anchors[event.anchor] = value
            elif kind is map_start or kind is seq_start:
                if event.tag not in (None, "!", _MAP if kind is map_start else _SEQ):
                    raise _Unusual(event.tag)
                value = {} if kind is map_start else []
                if event.anchor is not None:
                    anchors[event.anchor] = value  # an alias inside it is the object itself, as PyYAML's is
            elif isinstance(event, collection_end):
                value = stack.pop()
                if value.__class__ is dict:
                    keys.pop()
                if not stack:
                    doc = value
                    get()  # its document end
                    break
                continue
            elif kind is alias_event:
                if event.anchor not in anchors:
                    raise _Unusual("an undefined alias")
                value = anchors[event.anchor]
            elif isinstance(event, document_end):
                break
            else:
                raise _Unusual(kind.__name__)
            # the value goes into the open collection (or is the document)
            budget -= 1
            if budget < 0:
                raise _TooManyNodes
            if stack:
                parent = stack[-1]
                if parent.__class__ is list:
                    parent.append(value)
                elif keys[-1] is _NO_KEY:
                    if kind is not scalar_event or tag == _MERGE:
                        raise _Unusual("a key that is not a scalar, or a merge key")
                    keys[-1] = value
                else:
                    parent[keys[-1]] = value
                    keys[-1] = _NO_KEY
            if kind is map_start or kind is seq_start:
                stack.append(value)
                if kind is map_start:
                    keys.append(_NO_KEY)
            elif not stack:
                doc = value  # a scalar document
                get()  # its document end
                break
        if not isinstance(get(), events.StreamEndEvent):
            raise _Unusual("more than one document")
        return doc
    finally:
        loader.dispose()


class _TooManyNodes(Exception):
    """More than MAX_NODES values: the document is refused."""


def yaml_node_bound(text: str) -> int:
    """A cheap upper bound on the number of nodes of ``text``.

    Every node but the first starts a line or follows an indicator (``,`` ``[`` ``{`` ``:`` ``-`` ``?``),
    so counting those characters bounds them. Real documents have one for every 14 to 18 characters.
    """
    return 1 + sum(map(text.count, ("\n", ",", "[", "{", ":", "-", "?")))


def count_nodes(text: str) -> int:
    """The exact number of nodes of ``text`` (an alias counts once), from libyaml's events; at most MAX_NODES + 1."""
    node_events = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
    n = 0
    for event in yaml.parse(text, Loader=_YamlLoader):
        if isinstance(event, node_events):
            n += 1
            if n > MAX_NODES:
                break
    return n


#: Documents with a bound above this are built from events too, whatever their size: composing a dense
#: document's node tree (half a kilobyte a node) would cost far more than the document.
STREAM_NODES = 1_000_000

_NO_KEY = object()  # an open mapping waits for a key
_UNBUILT = object()
_MERGE = _T + "merge"


def parse_yaml(text: str, where: str, nodes: list[Any] | None = None) -> Any:
    check_yaml_depth(text, where)
    try:
        doc = _UNBUILT
        if len(text) >= STREAM_FROM or (len(text) >= STREAM_FROM // 8 and yaml_node_bound(text) > STREAM_NODES):
            try:
                doc = construct_streaming(text)
            except _TooManyNodes:
                raise too_many_nodes(where) from None
            except _Unusual:  # composed below, where PyYAML builds it (or reports its error)
                if yaml_node_bound(text) > MAX_NODES and count_nodes(text) > MAX_NODES:
                    raise too_many_nodes(where) from None
        if doc is _UNBUILT:
            loader = _Loader(text)
            try:  # what yaml.load does, keeping the composed nodes
                node = loader.get_single_node()
                doc = construct(loader, node) if node is not None else None
            finally:
                loader.dispose()
            if nodes is not None:
                nodes.append(node)
    except RecursionError:
        raise SpecError("nesting too deep to parse", where) from None
    except _BadInteger as exc:
        raise _integer_error(exc, where) from None
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



"""Where a JSON pointer sits in the source text: the line map for warnings and SARIF.

Computed only when asked (a report that points at the spec, or a validation problem),
never on the default hot path. JSON text is indexed one container at a time with the
C scanner of the standard library; YAML text is composed once with libyaml and its
node marks are read.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from .paths import pointer_unescape
from .refs import Resolver, uri_to_path

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class Locator:
    def __init__(self, resolver: Resolver, yaml_nodes: dict[str, Any] | None = None) -> None:
        self.resolver = resolver
        self._texts: dict[str, str | None] = {}
        self._newlines: dict[str, list[int]] = {}
        self._json_index: dict[tuple[str, int], dict[str, tuple[int, int]] | list[tuple[int, int]]] = {}
        self._yaml_roots: dict[str, Any] = dict(yaml_nodes or {})  # node trees the loader already composed

    def __call__(self, uri: str, pointer: str) -> tuple[int, int] | None:
        text = self._text(uri)
        if text is None:
            return None
        if self.resolver.syntax.get(uri) == "json":
            try:
                offset = self._json_offset(uri, text, pointer)
                return None if offset is None else self._line_col(uri, text, offset)
            except (ValueError, IndexError, RecursionError):
                return None
        import yaml  # only for YAML documents (start-up)

        try:
            return self._yaml_position(uri, text, pointer)
        except (ValueError, IndexError, yaml.YAMLError, RecursionError):
            return None

    def forget_nodes(self) -> None:
        """Drop the node trees (they double a YAML document's memory); they are composed again if asked."""
        self._yaml_roots.clear()

    # -- text ---------------------------------------------------------------------------------
    def _text(self, uri: str) -> str | None:
        if uri not in self._texts:
            text = self.resolver.texts.get(uri) if hasattr(self.resolver, "texts") else None
            if text is None and uri.startswith("file:"):
                try:
                    text = uri_to_path(uri).read_bytes().decode("utf-8-sig", errors="replace")
                except OSError:
                    text = None
            self._texts[uri] = text
        return self._texts[uri]

    def _line_col(self, uri: str, text: str, offset: int) -> tuple[int, int]:
        nl = self._newlines.get(uri)
        if nl is None:
            nl = [m.start() for m in re.finditer("\n", text)]
            self._newlines[uri] = nl
        line = bisect.bisect_left(nl, offset)
        start = nl[line - 1] + 1 if line > 0 else 0
        return line + 1, offset - start + 1

    # -- JSON ----------------------------------------------------------------------------------
    def _json_offset(self, uri: str, text: str, pointer: str) -> int | None:
        pos = _WS.match(text, 0).end()
        key_pos = pos
        if pointer in ("", "/"):
            return pos
        for raw in pointer[1:].split("/"):
            token = pointer_unescape(raw)
            index = self._json_container(uri, text, pos)
            if isinstance(index, dict):
                if token not in index:
                    return None
                key_pos, pos = index[token]
            else:
                i = int(token)
                if i >= len(index):
                    return None
                key_pos, pos = index[i]
        return key_pos

    def _json_container(self, uri: str, text: str, pos: int):
        cached = self._json_index.get((uri, pos))
        if cached is not None:
            return cached
        ch = text[pos]
        if ch == "{":
            index: Any = {}
            i = _WS.match(text, pos + 1).end()
            while text[i] != "}":
                key_pos = i
                key, i = scanstring(text, i + 1)
                i = _WS.match(text, i).end() + 1  # past ':'
                i = _WS.match(text, i).end()
                index.setdefault(key, (key_pos, i))
                _, i = _DECODER.raw_decode(text, i)
                i = _WS.match(text, i).end()
                if text[i] == ",":
                    i = _WS.match(text, i + 1).end()
        elif ch == "[":
            index = []
            i = _WS.match(text, pos + 1).end()
            while text[i] != "]":
                index.append((i, i))
                _, i = _DECODER.raw_decode(text, i)
                i = _WS.match(text, i).end()
                if text[i] == ",":
                    i = _WS.match(text, i + 1).end()
        else:
            raise ValueError("not a container")
        self._json_index[(uri, pos)] = index
        return index

    # -- YAML ----------------------------------------------------------------------------------
    def _yaml_position(self, uri: str, text: str, pointer: str) -> tuple[int, int] | None:
        import yaml

        root = self._yaml_roots.get(uri)
        if root is None:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            root = yaml.compose(text, Loader=loader)
            self._yaml_roots[uri] = root
        node, mark = root, root.start_mark if root is not None else None
        if pointer not in ("", "/"):
            for raw in pointer[1:].split("/"):
                token = pointer_unescape(raw)
                if isinstance(node, yaml.MappingNode):
                    for key_node, value_node in node.value:
                        if getattr(key_node, "value", None) == token:
                            node, mark = value_node, key_node.start_mark
                            break
                    else:
                        return None
                elif isinstance(node, yaml.SequenceNode):
                    node = node.value[int(token)]
                    mark = node.start_mark
                else:
                    return None
        return (mark.line + 1, mark.column + 1) if mark is not None else None

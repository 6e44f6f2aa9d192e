"""Where a JSON pointer sits in the source text: the line map for warnings and SARIF.

Computed only when asked (a report that points at the spec, or a validation problem),
never on the default hot path. YAML text is composed once with libyaml and its node
marks are read.

JSON text is indexed one container at a time with the C scanner of the standard library,
and only as far as the pointers asked for need: a container's members are read up to the
one wanted (the rest when a later pointer asks), and a value whose container is already
indexed is stepped over by its known end, so each part of the text is decoded at most once
and the parts after the last one asked for (GitHub's ``components``, 8 of its 13 MB) not
at all. A JSON document is read as bytes seen one character per byte (latin-1, no UTF-8
decode of the whole text): every character that gives JSON its structure is ASCII, and no
byte of a multi-byte UTF-8 character is, so offsets, keys and skips are those of the decoded
text; the keys and the columns that hold other bytes are decoded where they are. Lines are
counted block by block, as far as the furthest offset asked for.
"""

from __future__ import annotations

import bisect
import json
import re
from codecs import BOM_UTF8
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from .. import worker
from .paths import pointer_unescape
from .refs import Resolver, uri_to_path

_WS = re.compile(r"[ \t\n\r]*")
_ASCII = re.compile(r"[\x00-\x7f]")
_DECODER = json.JSONDecoder()
_BLOCK = 8192  # characters per block of the line map: what one look-up counts at most


class Locator:
    def __init__(self, resolver: Resolver, yaml_nodes: dict[str, Any] | None = None) -> None:
        self.resolver = resolver
        self._texts: dict[str, str | None] = {}  # YAML source text
        self._json: dict[str, _JsonText | None] = {}
        self._yaml_roots: dict[str, Any] = dict(yaml_nodes or {})  # node trees the loader already composed
        self._ahead: dict[str, tuple[str, ...]] = {}  # JSON file -> the pointers the worker is looking up
        self._known: dict[str, dict[str, tuple[int, int] | None]] = {}  # JSON file -> the worker's positions

    def positions_call(self, uri: str, pointers: tuple[str, ...]) -> tuple[Any, tuple[Any, ...]] | None:
        """The call that looks up ``pointers`` in the JSON file ``uri`` (:func:`json_positions`), for the command's
        second process (checker/worker.py) to make while the run probes; None where it cannot (YAML, a fetched
        document). Later look-ups of that file take its result, if it was sent and answered."""
        if self.resolver.syntax.get(uri) != "json" or not uri.startswith("file:") or self._loaded(uri) is not None:
            return None
        self._ahead[uri] = pointers
        return json_positions, (uri, pointers)

    def __call__(self, uri: str, pointer: str) -> tuple[int, int] | None:
        if self.resolver.syntax.get(uri) == "json":
            if uri in self._ahead:
                answer = worker.result(json_positions, uri, self._ahead.pop(uri))
                if answer is not None:
                    self._known[uri] = answer[0]
            known = self._known.get(uri)
            if known is not None and pointer in known:
                return known[pointer]
            source = self._json_text(uri)
            if source is None:
                return None
            try:
                return source.locate(pointer)
            except (ValueError, IndexError, RecursionError):
                return None
        text = self._text(uri)
        if text is None:
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
    def _loaded(self, uri: str) -> bytes | None:
        """The bytes the loader kept (documents that are not files), if any."""
        return self.resolver.texts.get(uri) if hasattr(self.resolver, "texts") else None

    def _text(self, uri: str) -> str | None:
        if uri not in self._texts:
            data = self._loaded(uri)
            text = data.decode("utf-8", errors="replace") if data is not None else None
            if text is None and uri.startswith("file:"):
                try:
                    text = uri_to_path(uri).read_bytes().decode("utf-8-sig", errors="replace")
                except OSError:
                    text = None
            self._texts[uri] = text
        return self._texts[uri]

    def _json_text(self, uri: str) -> _JsonText | None:
        if uri not in self._json:
            data = self._loaded(uri)
            if data is None and uri.startswith("file:"):
                try:
                    data = uri_to_path(uri).read_bytes()
                except OSError:
                    data = None
            self._json[uri] = _json_of(data) if data is not None else None
        return self._json[uri]

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


def json_positions(uri: str, pointers: tuple[str, ...]) -> dict[str, tuple[int, int] | None]:
    """Line and column of each of ``pointers`` in the JSON file ``uri``, as :class:`Locator` finds them (the
    worker's call: checker/worker.py). A file that cannot be read raises: the run then looks them up itself."""
    text = _json_of(uri_to_path(uri).read_bytes())
    out: dict[str, tuple[int, int] | None] = {}
    for pointer in pointers:
        try:
            out[pointer] = text.locate(pointer)
        except (ValueError, IndexError, RecursionError):
            out[pointer] = None
    return out


def _json_of(data: bytes) -> _JsonText:
    # a BOM (a file's or a fetched document's): offsets count past it, as utf-8-sig decodes
    return _JsonText(data.decode("latin-1"), len(BOM_UTF8) if data.startswith(BOM_UTF8) else 0)


class _Container:
    """A JSON object or array indexed so far: where each member's key and value start.

    Members are read in order from ``next`` (the next member, or the value of the last member
    read when ``pending``); ``end`` is the offset past the closing bracket once all are read.
    An object keeps the first of repeated keys.
    """

    __slots__ = ("is_object", "index", "next", "pending", "end")

    def __init__(self, is_object: bool, first: int) -> None:
        self.is_object = is_object
        self.index: Any = {} if is_object else []  # key -> (key, value) offsets; or a list of them
        self.next = first
        self.pending = False
        self.end: int | None = None


class _JsonText:
    """One JSON document's bytes, seen one character per byte: its containers, indexed as far as asked, and its line map.

    Offsets start at ``base`` (past a BOM). When some bytes are not ASCII (``multibyte``), keys that
    hold them are decoded again as UTF-8, and columns count the characters UTF-8 decodes to.
    """

    def __init__(self, text: str, base: int) -> None:
        self.text = text
        self.base = base
        self.multibyte = not text.isascii()
        self._containers: dict[int, _Container] = {}
        self.lines = _LineMap(text, base, self.multibyte)

    def locate(self, pointer: str) -> tuple[int, int] | None:
        offset = self.offset(pointer)
        return None if offset is None else self.lines.line_col(offset)

    def offset(self, pointer: str) -> int | None:
        """Where the key of the member ``pointer`` names starts (an array element: the element)."""
        pos = _WS.match(self.text, self.base).end()
        key_pos = pos
        if pointer in ("", "/"):
            return pos
        for raw in pointer[1:].split("/"):
            token = pointer_unescape(raw)
            container = self._container(pos)
            if container.is_object:
                if token not in container.index and container.end is None:
                    self._read(container, token)
                if token not in container.index:
                    return None
                key_pos, pos = container.index[token]
            else:
                i = int(token)
                if container.end is None and not 0 <= i < len(container.index):
                    self._read(container, i if i >= 0 else None)  # a negative index counts from the end
                if i >= len(container.index):
                    return None
                key_pos, pos = container.index[i]
        return key_pos

    def _container(self, pos: int) -> _Container:
        container = self._containers.get(pos)
        if container is None:
            ch = self.text[pos]
            if ch != "{" and ch != "[":
                raise ValueError("not a container")
            container = _Container(ch == "{", _WS.match(self.text, pos + 1).end())
            self._containers[pos] = container
        return container

    def _read(self, container: _Container, want: str | int | None) -> None:
        """Read ``container``'s members until the key (or element index) ``want`` is read; None: to the end.

        Stops before the wanted member's value, which the next step of the pointer indexes.
        """
        text = self.text
        close = "}" if container.is_object else "]"
        index = container.index
        i = self._past_value(container.next) if container.pending else container.next
        while text[i] != close:
            if container.is_object:
                key_pos = i
                key, i = scanstring(text, i + 1)
                if self.multibyte and not key.isascii():  # the key as the UTF-8 text spells it
                    key = scanstring(text[key_pos:i].encode("latin-1").decode("utf-8", errors="replace"), 1)[0]
                i = _WS.match(text, i).end() + 1  # past ':'
                i = _WS.match(text, i).end()
                found = key not in index
                if found:
                    index[key] = (key_pos, i)
                found = found and key == want
            else:
                index.append((i, i))
                found = want is not None and len(index) > want  # type: ignore[operator]
            if found:
                container.next, container.pending = i, True
                return
            i = self._past_value(i)
        container.next, container.pending, container.end = i, False, i + 1

    def _past_value(self, pos: int) -> int:
        """The offset of the next member after the value at ``pos`` (or of the closing bracket)."""
        text = self.text
        container = self._containers.get(pos)
        if container is None:
            _, i = _DECODER.raw_decode(text, pos)
        else:  # indexed already: finish it (its values are decoded once) and step to its end
            if container.end is None:
                self._read(container, None)
            i = container.end  # type: ignore[assignment]
        i = _WS.match(text, i).end()
        if text[i] == ",":
            i = _WS.match(text, i + 1).end()
        return i


class _LineMap:
    """Line and column (1-based) of an offset in a text, counted in blocks up to the offsets asked for.

    Block ``k`` starts at ``starts[k]``, after ``lines[k]`` newlines and ``chars[k]`` characters of
    the text (from ``base``), on the line that starts at ``line_starts[k]``; ``ascii[k]``: it holds
    ASCII characters only. The last entry of ``starts`` is the end of the blocks counted. In a
    ``multibyte`` text (UTF-8 bytes seen as latin-1, not all ASCII) blocks start at an ASCII byte, so
    that each decodes alone, and a column counts the characters the bytes decode to.
    """

    def __init__(self, text: str, base: int, multibyte: bool) -> None:
        self.text = text
        self.base = base
        self.multibyte = multibyte
        self.starts = [base]
        self.lines = [0]
        self.chars = [0]
        self.line_starts = [base]
        self.ascii: list[bool] = []  # block k holds only ASCII characters (always, unless multibyte)

    def line_col(self, offset: int) -> tuple[int, int]:
        k = self._block(offset)
        start = self.starts[k]
        newlines = self.text.count("\n", start, offset)
        line_start = self.text.rfind("\n", start, offset) + 1 if newlines else self.line_starts[k]
        return self.lines[k] + newlines + 1, self._chars_before(offset) - self._chars_before(line_start) + 1

    def _block(self, offset: int) -> int:
        text, starts = self.text, self.starts
        while starts[-1] <= offset and starts[-1] < len(text):
            start = starts[-1]
            end = min(start + _BLOCK, len(text))
            if self.multibyte and end < len(text) and text[end] >= "\x80":
                m = _ASCII.search(text, end)
                end = m.start() if m else len(text)
            last = text.rfind("\n", start, end)
            ascii = not self.multibyte or text[start:end].isascii()
            starts.append(end)
            self.lines.append(self.lines[-1] + text.count("\n", start, end))
            self.chars.append(self.chars[-1] + (end - start if ascii else self._decoded(start, end)))
            self.line_starts.append(last + 1 if last >= 0 else self.line_starts[-1])
            self.ascii.append(ascii)
        return bisect.bisect_right(starts, offset) - 1

    def _chars_before(self, offset: int) -> int:
        if not self.multibyte:
            return offset - self.base
        k = self._block(offset)
        start = self.starts[k]
        if offset == start:  # also the end of the text, where no block starts
            return self.chars[k]
        return self.chars[k] + (offset - start if self.ascii[k] else self._decoded(start, offset))

    def _decoded(self, start: int, end: int) -> int:
        """The number of characters the UTF-8 bytes from ``start`` to ``end`` decode to."""
        return len(self.text[start:end].encode("latin-1").decode("utf-8", errors="replace"))

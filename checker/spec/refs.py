"""``$ref`` resolution: internal pointers, relative files, and (only when allowed) URLs.

Resolution is lazy: a reference is followed when the model or the value generator
needs the node behind it, so a 13 MB document is never walked whole. Every node is
paired with the URI of the document it came from, so relative references inside an
external file resolve against that file.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urljoin, urldefrag, urlparse

from ..errors import SpecError
from .paths import pointer_unescape

MAX_REF_HOPS = 64


class RefRefused(SpecError):
    """A ``$ref`` the user's settings forbid following (a URL, a file outside the spec's folder).

    Always fatal, unlike a broken reference (a missing target, a cycle), which the lenient
    default reports as a problem and skips: skipping a refused ref would silently check less
    than the document declares, when one option would check all of it.
    """


def path_to_uri(path: Path) -> str:
    return path.resolve().as_uri()


def uri_to_path(uri: str) -> Path:
    if os.name == "nt":  # pragma: no cover - Windows: drive letters and UNC paths (nturl2path, via urllib.request)
        from urllib.request import url2pathname

        return Path(url2pathname(urlparse(uri).path))
    # urllib.request's url2pathname is ``unquote`` on POSIX (Python 3.11-3.13.0), and importing urllib.request
    # (http.client, ssl, email) took 10-15 ms of every run's start, for the spec's own file name
    return Path(unquote(urlparse(uri).path))


def display(uri: str) -> str:
    """A URI as the user would write it: a relative path for files under the working folder."""
    if uri.startswith("file:"):
        return _display_file(uri, os.getcwd())
    return uri


@lru_cache(maxsize=1024)
def _display_file(uri: str, cwd: str) -> str:
    # Called for every operation's error context: cached, it costs nothing on a 1,000-operation document.
    path = uri_to_path(uri)
    try:
        rel = os.path.relpath(path, cwd)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel  # relative only under the working folder


class Resolver:
    """Holds every document loaded so far and follows references between them."""

    def __init__(
        self,
        root: Any,
        root_uri: str,
        *,
        fetch: Callable[[str], tuple[Any, str]],
        allow_remote: bool = False,
        allow_outside: bool = False,
    ) -> None:
        self.root_uri = root_uri
        self.documents: dict[str, Any] = {root_uri: root}
        self.syntax: dict[str, str] = {}
        self.texts: dict[str, bytes] = {}  # source bytes of documents that are not files (for the line map)
        self._fetch = fetch
        self.allow_remote = allow_remote
        self.allow_outside = allow_outside
        self._root_dir = uri_to_path(root_uri).parent if root_uri.startswith("file:") else None

    # -- documents ----------------------------------------------------------------------------
    def document(self, uri: str, where: str) -> Any:
        if uri in self.documents:
            return self.documents[uri]
        scheme = urlparse(uri).scheme
        if scheme in ("http", "https"):
            if not self.allow_remote and not self.root_uri.startswith(("http:", "https:")):
                raise RefRefused(f"$ref to a URL ({uri}) is not fetched unless --allow-remote-refs is given", where)
            if not self.allow_remote and urlparse(uri).netloc != urlparse(self.root_uri).netloc:
                raise RefRefused(f"$ref to another host ({uri}) is not fetched unless --allow-remote-refs is given", where)
        elif scheme == "file":
            path = uri_to_path(uri)
            if self._root_dir is not None and not self.allow_outside:
                try:
                    path.resolve().relative_to(self._root_dir.resolve())
                except ValueError:
                    raise RefRefused(
                        f"$ref leaves the spec's folder ({display(uri)}); pass --allow-outside-refs to allow it", where
                    ) from None
        else:
            raise RefRefused(f"$ref with an unsupported scheme: {uri}", where)
        doc, syntax = self._fetch(uri)
        self.documents[uri] = doc
        self.syntax[uri] = syntax
        return doc

    # -- references ---------------------------------------------------------------------------
    def lookup(self, ref: str, base: str, where: str) -> tuple[Any, str, str]:
        """The node ``ref`` names, relative to document ``base``: ``(node, its document URI, its pointer)``."""
        if not isinstance(ref, str):
            raise SpecError("$ref must be a string", where)
        if ref.startswith("#") and "%" not in ref:  # internal reference: the common case, no URI parsing
            doc = self.documents.get(base)
            if doc is not None:
                pointer = ref[1:]
                return walk_pointer(doc, pointer, where=f"{where} ($ref {ref!r})"), base, pointer
        target = urljoin(base, ref) if ref and not ref.startswith("#") else base + ref
        doc_uri, fragment = urldefrag(target)
        doc = self.document(doc_uri, where)
        pointer = unquote(fragment)
        node = walk_pointer(doc, pointer, where=f"{where} ($ref {ref!r})")
        return node, doc_uri, pointer

    def resolve(self, node: Any, base: str, where: str) -> tuple[Any, str]:
        """Follow ``node``'s ``$ref`` chain (if any) to the real node: ``(node, its document URI)``."""
        seen: set[tuple[str, str]] = set()
        hops = 0
        while isinstance(node, dict) and "$ref" in node:
            node, base, pointer = self.lookup(node["$ref"], base, where)
            hops += 1
            if (base, pointer) in seen or hops > MAX_REF_HOPS:
                raise SpecError("circular $ref chain", where)
            seen.add((base, pointer))
        return node, base


def walk_pointer(doc: Any, pointer: str, where: str) -> Any:
    if pointer in ("", "/"):
        return doc
    if not pointer.startswith("/"):
        raise SpecError(f"JSON pointer must start with '/': {pointer!r}", where)
    node = doc
    for raw in pointer[1:].split("/"):
        token = pointer_unescape(raw)
        if isinstance(node, dict):
            if token not in node:
                raise SpecError(f"$ref target not found: {pointer}", where)
            node = node[token]
        elif isinstance(node, list):
            try:
                node = node[int(token)]
            except (ValueError, IndexError):
                raise SpecError(f"$ref target not found: {pointer}", where) from None
        else:
            raise SpecError(f"$ref target not found: {pointer}", where)
    return node

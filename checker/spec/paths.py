"""Path templates: their parameter names, their validity, and filling them in."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urlsplit, urlunsplit

_NAME_RE = re.compile(r"\{([^{}/]*)\}")


@lru_cache(maxsize=4096)
def template_names(template: str) -> tuple[str, ...]:
    return tuple(_NAME_RE.findall(template))


def template_problem(template: str) -> str | None:
    """Why ``template`` is not a usable path template, or None."""
    if not template.startswith("/"):
        return "a path must start with '/'"
    depth = 0
    for ch in template:
        if ch == "{":
            depth += 1
            if depth > 1:
                return "nested '{' in path template"
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return "unbalanced '}' in path template"
    if depth:
        return "unbalanced '{' in path template"
    if any(not name for name in template_names(template)):
        return "empty '{}' in path template"
    return None


def request_path(template: str) -> str:
    """The part of a spec path key that goes on the wire.

    Some documents put a fragment or a query in path keys to tell operations apart
    (``/#Action=List`` in AWS descriptions, ``/files?beta=true``): the fragment is never
    sent, the query is kept.
    """
    return template.split("#", 1)[0] or "/"


def fill(template: str, values: dict[str, str]) -> str:
    """Substitute path parameters, percent-encoding each value as one segment."""

    def sub(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            return match.group(0)
        return quote(str(value), safe="-._~!$&'()*+,;=:@")

    return _NAME_RE.sub(sub, request_path(template))


def pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer_unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(*tokens: str) -> str:
    return "".join("/" + pointer_escape(t) for t in tokens)


def twin_url(url: str) -> str | None:
    """``url`` with the trailing slash of its path toggled; None for the root path (it has no twin)."""
    parts = urlsplit(url)
    path = parts.path
    if path in ("", "/"):
        return None
    path = path[:-1] if path.endswith("/") else path + "/"
    if not path or path == "/":
        return None
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))

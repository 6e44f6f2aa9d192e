"""A ``curl`` command that sends exactly what a probe sent (secrets as environment variables)."""

from __future__ import annotations

import re
import shlex

from .observe import Exchange

#: Headers every probe carries that a reproduction does not need.
_NOISE = {"user-agent", "accept", "accept-encoding", "content-length", "host", "connection"}
_SECRET_REF = re.compile(r"^\$\{CONFORM405_[A-Z0-9_]+\}$")


def curl_command(ex: Exchange) -> str:
    parts = ["curl", "-sS", "-i"]
    if ex.method == "HEAD":
        parts.append("-I")
    elif ex.method != "GET" or ex.body_sent:
        parts += ["-X", shlex.quote(ex.method)]
    parts.append(shlex.quote(ex.url))
    for name, value in ex.request_headers:
        if name in _NOISE:
            continue
        if _SECRET_REF.match(value):
            parts += ["-H", f'"{name}: {value}"']  # double quotes: the shell expands the variable
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    if ex.body_sent:
        parts += ["--data-binary", shlex.quote(ex.body_sent.decode("utf-8", "replace"))]
    return " ".join(parts)


def secret_ref(name: str) -> str:
    """The environment-variable reference printed instead of a secret header's value."""
    return "${CONFORM405_" + re.sub(r"[^A-Z0-9]", "_", name.upper()) + "}"


_SECRET_NAMES = re.compile(r"auth|token|secret|key|cookie|session|password|credential|signature", re.I)


def is_secret_header(name: str) -> bool:
    return bool(_SECRET_NAMES.search(name))

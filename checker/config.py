"""Configuration files: ``conform405.toml`` or ``[tool.conform405]`` in ``pyproject.toml``.

Looked up in the working directory (``conform405.toml`` first), or given with ``--config PATH``.
Command-line flags override the file: a scalar given on the command line wins, a list given on
the command line (``--methods``, ``--include-path``...) replaces the file's list, and headers and
path parameters are merged name by name with the command line winning.

    base-url = "https://staging.example.com"
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    include-paths = ["/v1/*"]
    exclude-paths = ["/v1/internal/*"]
    fail-on = "error"
    read-only = false
    allow-writes = false                           # true: send the declared writes a default run withholds
    timeout = 10                                   # also: concurrency, rate-limit, max-time, max-requests
    max-no-answer = 0                              # also: max-inconclusive ("5%", "any")
    client = "fetch"                               # also: cors-origin, direct-url, direct-host, override-probes
    slash-twins = true                             # also: stability-check, unknown-method, head-body-check, discovery

    [writes]                                       # per operation, with or without allow-writes
    allow = ["POST /users", "/items/*", "createUser"]   # "METHOD /path-glob", "/path-glob" or an operationId
    deny = ["POST /shutdown"]                      # never sent, even with allow-writes (deny wins)

    [headers]
    Authorization = "Bearer ${STAGING_TOKEN}"     # ${NAME}: from the environment, never stored here

    [path-params]
    orgId = "acme"

    [severity]
    trace-enabled = "info"                         # error | warning | info | off

    [[ignore]]
    rule = "allow-missing"                         # a rule ID, or "*"
    path = "/health*"                              # a glob on the path template (default "*")
    method = "*"                                   # default "*"
    reason = "the health check sits behind the load balancer's own 405 page"   # mandatory

Keys may be written with dashes or underscores. Every mistake is a configuration error (exit 2)
naming the file and the key.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError
from .judge import Ignore, JudgeOptions
from .probes import FAMILIES
from .report.model import FAIL_ON

FILE_NAME = "conform405.toml"
SEVERITIES = ("error", "warning", "info", "off")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

#: the probe families' own keys come from their declarations (checker/probes/__init__.py)
_FAMILY_VALUES = tuple(f.config_field for f in FAMILIES if not f.negated)
_FAMILY_SWITCHES = tuple(f.config_field for f in FAMILIES if f.negated)
_STRINGS = ("base_url", "origin", "fail_on", "client", "direct_host") + _FAMILY_VALUES
_LISTS = ("methods", "add_methods", "skip_methods", "include_paths", "exclude_paths")
_TABLES = ("headers", "path_params", "severity")
#: run settings that are numbers (``max_requests`` and ``concurrency`` whole numbers)
_NUMBERS = ("timeout", "concurrency", "rate_limit", "max_time", "max_requests")
_INTEGERS = ("concurrency", "max_requests")
#: probes that are on by default; ``false`` turns one off like its --no-... flag
_SWITCHES = ("stability_check", "discovery") + _FAMILY_SWITCHES
#: how many unjudged cells a passing run may leave: a count, a share ("5%") or "any"
_LIMITS = ("max_no_answer", "max_inconclusive")
_KNOWN = set(_STRINGS) | set(_LISTS) | set(_TABLES) | set(_NUMBERS) | set(_SWITCHES) | set(_LIMITS) | {"read_only", "ignore",
                                                                                                    "allow_writes", "writes",
                                                                                                    "validate_responses", "exhaustive"}


@dataclass(frozen=True)
class Config:
    file: str
    base_url: str | None = None
    origin: str | None = None
    fail_on: str | None = None
    read_only: bool = False
    validate_responses: bool = False  #: --validate-responses
    exhaustive: bool = False  #: --exhaustive
    allow_writes: bool = False
    writes_allow: tuple[str, ...] = ()  #: [writes] allow (checker/writes.py)
    writes_deny: tuple[str, ...] = ()  #: [writes] deny
    methods: tuple[str, ...] = ()
    add_methods: tuple[str, ...] = ()
    skip_methods: tuple[str, ...] = ()
    include_paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    path_params: tuple[tuple[str, str], ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    ignores: tuple[Ignore, ...] = ()
    # run settings: None means "not in the file" (the command line's default applies)
    client: str | None = None
    cors_origin: str | None = None
    direct_url: str | None = None
    direct_host: str | None = None
    override_probes: str | None = None
    timeout: float | None = None
    concurrency: int | None = None
    rate_limit: float | None = None
    max_time: float | None = None
    max_requests: int | None = None
    stability_check: bool | None = None
    unknown_method: bool | None = None
    head_body_check: bool | None = None
    slash_twins: bool | None = None
    discovery: bool | None = None
    max_no_answer: str | None = None  #: as given ("0", "5%", "any"); None: not in the file
    max_inconclusive: str | None = None

    def judge_options(self) -> JudgeOptions:
        return JudgeOptions(severity=dict(self.severity), ignores=self.ignores)

    def header_lines(self) -> list[str]:
        """The headers as ``-H`` would give them (the command line's come after, and win)."""
        return [f"{name}: {value}" for name, value in self.headers]

    def path_param_lines(self) -> list[str]:
        return [f"{name}={value}" for name, value in self.path_params]


def find(explicit: str | None = None, cwd: str | Path | None = None) -> Path | None:
    """The configuration file in force: ``explicit``, else ``conform405.toml``, else a pyproject.toml with the table."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise UsageError("no such configuration file", explicit)
        return path
    folder = Path(cwd or os.getcwd())
    own = folder / FILE_NAME
    if own.is_file():
        return own
    py = folder / "pyproject.toml"
    if py.is_file():
        import tomllib  # only when there is a file to read (3 ms of every start otherwise)

        try:
            data = tomllib.loads(py.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
            return None  # not ours to judge: only a pyproject.toml with [tool.conform405] is a config file
        if isinstance(data.get("tool"), dict) and "conform405" in data["tool"]:
            return py
    return None


def load(explicit: str | None = None, cwd: str | Path | None = None, env: dict[str, str] | None = None) -> Config | None:
    """Find and read the configuration; None when there is none."""
    path = find(explicit, cwd)
    if path is None:
        return None
    where = _display(path)
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"not valid TOML: {exc}", where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the configuration: {exc}", where) from None
    if path.name == "pyproject.toml" or (path.name != FILE_NAME and "tool" in data and "conform405" in (data.get("tool") or {})):
        table = (data.get("tool") or {}).get("conform405")
        prefix = "tool.conform405."
        if not isinstance(table, dict):
            raise UsageError("no [tool.conform405] table", where)
    else:
        table, prefix = data, ""
    return parse(table, where, prefix, os.environ if env is None else env)


def parse(table: dict[str, Any], where: str, prefix: str = "", env: dict[str, str] | None = None) -> Config:
    from .rules import RULES

    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        name = prefix + raw_key

        def fail(message: str, k: str = name) -> UsageError:
            return UsageError(f"{k}: {message}", where)

        if key not in _KNOWN:
            close = difflib.get_close_matches(key, sorted(_KNOWN), n=1)
            hint = f" (did you mean {close[0].replace('_', '-')}?)" if close else ""
            raise fail(f"unknown key{hint}")
        if key in _STRINGS:
            if not isinstance(value, str) or not value.strip():
                raise fail("must be a non-empty string")
            value = _expand(value, env, fail)
            if key == "fail_on" and value not in FAIL_ON:
                raise fail(f"must be one of {', '.join(FAIL_ON)}, not {value!r}")
            values[key] = value
        elif key in _LIMITS:
            from .report.outcome import parse_limit

            if isinstance(value, bool) or not isinstance(value, (str, int)) or (isinstance(value, int) and value < 0):
                raise fail("must be a number of cells (3), a share of the cells (\"5%\") or \"any\"")
            try:
                parse_limit(str(value), name)
            except UsageError as exc:
                raise UsageError(exc.message, where) from None
            values[key] = str(value)
        elif key == "writes":
            values.update(_writes(value, name, where))
        elif key in ("read_only", "allow_writes", "validate_responses", "exhaustive") or key in _SWITCHES:
            if not isinstance(value, bool):
                raise fail("must be true or false")
            values[key] = value
        elif key in _NUMBERS:
            whole = key in _INTEGERS
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not isinstance(value, int)) or value <= 0:
                raise fail("must be a positive whole number" if whole else "must be a positive number")
            values[key] = value
        elif key in _LISTS:
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise fail("must be a list of strings")
            values[key] = tuple(v.strip() for v in value)
        elif key in ("headers", "path_params"):
            if not isinstance(value, dict):
                raise fail("must be a table of names to strings")
            pairs = []
            for k, v in value.items():
                if not isinstance(v, (str, int)) or isinstance(v, bool):
                    raise fail("must be a string", f"{name}.{k}")
                pairs.append((k, _expand(str(v), env, lambda m, kk=f"{name}.{k}": UsageError(f"{kk}: {m}", where))))
            values[key] = tuple(pairs)
        elif key == "severity":
            if not isinstance(value, dict):
                raise fail("must be a table of rule IDs to error, warning, info or off")
            for rule, level in value.items():
                if rule not in RULES:
                    raise fail(_unknown_rule(rule, RULES), f"{name}.{rule}")
                if level not in SEVERITIES:
                    raise fail(f"must be one of {', '.join(SEVERITIES)}, not {level!r}", f"{name}.{rule}")
            values[key] = dict(value)
        elif key == "ignore":
            values["ignores"] = tuple(_ignores(value, name, where, RULES))
    return Config(file=where, **values)


def _writes(value: Any, name: str, where: str) -> dict[str, tuple[str, ...]]:
    """``[writes]``: ``allow`` and ``deny``, lists of "METHOD /path-glob", "/path-glob" or an operationId."""
    from .writes import parse_rule

    if not isinstance(value, dict):
        raise UsageError(f"{name}: must be a table with allow and deny lists ([writes])", where)
    out: dict[str, tuple[str, ...]] = {}
    for raw_key, entries in value.items():
        key = raw_key.replace("-", "_")
        here = f"{name}.{raw_key}"
        if key not in ("allow", "deny"):
            raise UsageError(f"{here}: unknown key ([writes] has allow and deny)", where)
        if isinstance(entries, str):
            entries = [entries]
        if not isinstance(entries, list):
            raise UsageError(f"{here}: must be a list of strings such as \"POST /users\", \"/items/*\" or an operationId", where)
        for n, entry in enumerate(entries, start=1):
            try:
                parse_rule(entry)
            except ValueError as exc:
                raise UsageError(f"{here}[{n}]: {exc}", where) from None
        out[f"writes_{key}"] = tuple(e.strip() for e in entries)
    return out


def _ignores(value: Any, name: str, where: str, rules: dict[str, Any]) -> list[Ignore]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise UsageError(f"{name}: must be a list of tables ([[ignore]] entries)", where)
    out = []
    for n, entry in enumerate(value, start=1):
        here = f"{name}[{n}]"
        if not isinstance(entry, dict):
            raise UsageError(f"{here}: must be a table with rule, path, method and reason", where)
        unknown = set(entry) - {"rule", "path", "method", "reason"}
        if unknown:
            raise UsageError(f"{here}.{sorted(unknown)[0]}: unknown key (an ignore entry has rule, path, method, reason)", where)
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"{here}.reason: missing: every ignore entry needs a reason (the reports repeat it)", where)
        rule = entry.get("rule")
        if not isinstance(rule, str) or not rule:
            raise UsageError(f"{here}.rule: missing: a rule ID, or \"*\" for every rule", where)
        if rule != "*" and rule not in rules:
            raise UsageError(f"{here}.rule: {_unknown_rule(rule, rules)}", where)
        path = entry.get("path", "*")
        method = entry.get("method", "*")
        if not isinstance(path, str) or not path:
            raise UsageError(f"{here}.path: must be a glob on the path template", where)
        if not isinstance(method, str) or not method:
            raise UsageError(f"{here}.method: must be a method or \"*\"", where)
        out.append(Ignore(rule=rule, path=path, method=method.upper() if method != "*" else "*", reason=reason.strip()))
    return out


def _unknown_rule(rule: str, rules: dict[str, Any]) -> str:
    close = difflib.get_close_matches(rule, list(rules), n=1)
    return f"no rule {rule!r}" + (f" (did you mean {close[0]}?)" if close else " (see 'conform405 rules')")


def _expand(value: str, env: Any, fail: Any) -> str:
    """``${NAME}`` from the environment; an unset variable is an error (never sent as an empty secret)."""
    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in env:
            raise fail(f"environment variable {m.group(1)} is not set")
        return env[m.group(1)]

    return _ENV.sub(sub, value)


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path.resolve(), os.getcwd())
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel

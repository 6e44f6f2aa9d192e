"""Probe families: the requests beyond the path × method cells, one module per family.

A family is one visible unit. Its module here builds its requests (a *factory*: a path's plan and a
:class:`ProbeContext` in, :class:`ExtraProbe` descriptions out; it sends nothing), its rules live in the
module of the same name under ``checker/rules/`` (the slash twins' in ``rules/redirects.py``), and its
declaration below says, once, how it is switched: the ``ProbeOptions`` field, the command-line flag, the
configuration key, its default and what it sends per path. The command line's flags, the configuration
keys and the README's table of extra probes are derived from these declarations (a test compares them).

To add a family: write ``checker/probes/NAME.py`` with a factory and ``ROLE``, a rule module
``checker/rules/NAME.py``, a ``ProbeOptions`` field (checker/options.py), and one :class:`Family` in
``FAMILIES``. The engine sends each family's requests for every path and example and records the answers
as observations with the family's role; ``plan`` counts them by asking the factories themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from . import cors, gateway, head_depth, override, slashes, unknown_method
from .base import ExtraProbe, ExtraProbeFactory, ProbeContext


@dataclass(frozen=True)
class Family:
    """One probe family and its switch, declared once."""

    name: str  #: the module under checker/probes/
    title: str  #: as the README's table names it
    factory: ExtraProbeFactory
    role: str  #: the observations' role (``PathContext.extras[role]`` in the rules)
    option: str  #: the ``ProbeOptions`` field that switches it
    flag: str  #: the command-line option that sets that field
    config_key: str  #: the configuration file's key (conform405.toml)
    default: Any  #: the field's default (the family is on by default when it is truthy and not "off")
    sends: str  #: what it sends, per path and example
    requests: str  #: how many requests that is
    rules: tuple[str, ...]  #: the rule IDs that read its answers
    help: str  #: the command-line option's help
    #: True for a boolean switch that the command line turns off (``--no-...``) and the file sets true/false
    negated: bool = False
    #: its answer is a property of the serving stack, not of one route: asked of a sample of paths and extended
    #: where the sample's answers differ (checker/adaptive.py); False: asked of every path
    stack_level: bool = False
    #: whether a path's answers can show the behaviour asked about (path plan, ProbeOptions) -> bool: a sampled
    #: mount needs such a path (None: every path can)
    informative: Callable[[Any, Any], bool] | None = None
    #: a stack-level question the server may answer before any routing (an HTTP parser's method table): when the
    #: sample's answer makes a finding and a path no route serves gets the very same answer, that answer is
    #: carried over to the other paths of its behaviour key and judged there (checker/adaptive.py)
    before_routing: bool = False

    @property
    def on_by_default(self) -> str:
        if self.negated:
            return f"yes (`{self.flag}`)"
        if self.default in (None, False, "off"):
            return f"no: `{self.flag} {self.metavar}`"
        return f"yes: `{self.flag} {self.default}`"

    @property
    def metavar(self) -> str:
        return {"cors_origin": "ORIGIN", "direct_url": "URL", "override_probes": "one|all|off"}.get(self.option, "VALUE")

    @property
    def parameter(self) -> str:
        """The command's parameter for the flag (``--no-slash-twins`` -> ``no_slash_twins``)."""
        return self.flag.lstrip("-").replace("-", "_")

    @property
    def config_field(self) -> str:
        return self.config_key.replace("-", "_")


FAMILIES: tuple[Family, ...] = (
    Family("gateway", "direct twin", gateway.direct_probes, gateway.ROLE, "direct_url", "--direct-url", "direct-url", None,
           "every cell's request again, identical, to `URL` + the path", "one per cell (doubles the run)",
           ("blocked-by-gateway",),
           "Base URL of the application behind the gateway: every probe is repeated there and compared (rule "
           "blocked-by-gateway)."),
    Family("override", "method override", override.override_probes, override.ROLE, "override_probes", "--override-probes",
           "override-probes", "one",
           "POST with an override naming one method, five ways, beside a plain POST (the POST cell's own answer) and a "
           "POST with a form body that names no method; the three headers and the query field first in one POST, one "
           "by one only where that POST answers unlike a plain one; only where POST is undeclared and refused",
           "3, 7 where an override is honoured (`all`: 5 to 13; `off`: 0)",
           ("method-override-honoured",),
           "Method-override probes per path (only where POST is undeclared and refused): one (one overridden method, "
           "3 requests, 7 where one is honoured), all (DELETE and PATCH, 5 to 13) or off.", stack_level=True,
           informative=override.informative),
    Family("cors", "CORS preflight", cors.preflight_probes, cors.ROLE, "cors_origin", "--cors-origin", "cors-origin", None,
           "`OPTIONS` + `Origin` + `Access-Control-Request-Method` for each declared method", "one per declared method",
           ("cors-preflight-rejected",),
           "Send a browser CORS preflight from this Origin for every declared method (e.g. https://app.example.com)."),
    Family("unknown_method", "unknown method", unknown_method.unknown_method_probes, unknown_method.ROLE, "unknown_method",
           "--no-unknown-method", "unknown-method", True, "`C405UNKNOWN /path`, no body", "1",
           ("unknown-method-accepted", "unknown-method-wrong-status"),
           "Do not send the made-up method token (one request per path).", negated=True, stack_level=True,
           before_routing=True),
    Family("head_depth", "raw HEAD", head_depth.head_raw_probes, head_depth.ROLE, "head_raw", "--no-head-body-check",
           "head-body-check", True, "the HEAD cell's request over a raw socket, to see bytes after the headers",
           "1 where GET is declared", ("head-body-present",),
           "Do not send the raw-socket HEAD that looks for a HEAD body (one request per path with a GET).", negated=True,
           stack_level=True),
    Family("slashes", "trailing-slash twin", slashes.factory, slashes.ROLE, "slash_twins", "--no-slash-twins", "slash-twins",
           True, "GET and each declared method again with the trailing slash toggled, no body (a withheld cell's twin is "
           "withheld too)", "one per GET and declared method", ("trailing-slash-mismatch", "trailing-slash-twin"),
           "Do not probe each path's trailing-slash twin (rules trailing-slash-mismatch / -twin are then not judged).",
           negated=True, stack_level=True),
)

def factories() -> tuple[ExtraProbeFactory, ...]:
    """The families' factories, in the order the engine sends their requests."""
    return tuple(f.factory for f in FAMILIES)


def family(name: str) -> Family:
    return next(f for f in FAMILIES if f.name == name)


def readme_table() -> str:
    """The README's table of extra probes, from the declarations (scripts/readme_cli.py writes it there)."""
    rows = ["| probe | on by default | what it sends, per path and example | extra requests | rules |",
            "|---|---|---|---|---|"]
    for f in FAMILIES:
        rows.append(f"| {f.title} | {f.on_by_default} | {f.sends} | {f.requests} | "
                    + ", ".join(f"`{r}`" for r in f.rules) + " |")
    return "\n".join(rows)


__all__ = ["FAMILIES", "ExtraProbe", "ExtraProbeFactory", "Family", "ProbeContext", "factories", "family",
           "readme_table"]

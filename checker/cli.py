"""The ``conform405`` command: options in, a frozen configuration, a library call, an exit code.

``conform405 SPEC --base-url URL`` runs the check (the ``run`` subcommand is implied);
``conform405 plan SPEC`` is the dry run; ``conform405 explain RULE`` documents a rule.
Nothing here judges anything: see :mod:`checker.api`.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List, NamedTuple, Optional

import typer

from . import __version__
from .errors import Conform405Error, ExitCode, UsageError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Check that a live HTTP API honours its OpenAPI document on methods (405 vs 404, Allow, HEAD, OPTIONS, redirects)."
         "\n\nrun is the default command: 'conform405 SPEC ...' means 'conform405 run SPEC ...'"
         " (see 'conform405 run -h').",
)

SUBCOMMANDS = {"run", "plan", "explain", "rules", "diff", "merge"}
_console: list[Any] = []


def _err():
    """The console on standard error, made at its first use: importing rich took about 0.02 s of every start,
    before the first request of a run that prints nothing until its report."""
    if not _console:
        from rich.console import Console

        _console.append(Console(stderr=True, highlight=False, soft_wrap=True))
    return _console[0]


def _short_lived_gc() -> None:
    """The command is one short process that builds a few hundred thousand long-lived objects (the spec,
    the plan, the observations) and little cyclic garbage: Python's default collector thresholds made it
    traverse them all again and again (about 0.15 s of a GitHub-sized run). Collections are made rarer here,
    in the command only; the library API leaves the host process's collector alone. At 20,000 allocations a
    GitHub run still spent 0.025 s in young collections; at 200,000 none is due before its end, and the
    garbage a collection would have found is about 1 MB (the run's peak with the collector off entirely)."""
    import gc

    gc.set_threshold(200_000, 20, 20)


@contextlib.contextmanager
def _no_collection():
    """No cyclic collection while the document is loaded and planned, and what they built frozen before the
    collector resumes: otherwise its first collection walks every object of the spec once more, for nothing
    (13 ms on GitHub's description; the spec and the plan live until the process ends)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def entry() -> None:
    """The ``conform405`` command (and ``python -m checker``): :func:`main`, then a fast exit.

    Once the reports are written and the output flushed, the process ends with ``os._exit``: tearing down
    the interpreter would free, one by one, every object of the spec, the plan and the observations (a
    quarter of a second on GitHub's description) only for the operating system to reclaim the memory anyway.
    """
    import os
    import signal

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM ends a run as Ctrl-C does: exit 130, the report of what was done

    signal.signal(signal.SIGTERM, _terminate)  # the probing installs its own handlers (checker/api.py)
    try:
        main()
        code: int = 0
    except SystemExit as exc:
        # held until os._exit: its traceback holds the run's frames, so the spec, the plan and the observations are
        # not freed one by one when this clause ends (15 ms on GitHub's description)
        ended = exc  # noqa: F841
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # SystemExit("message"): what Python itself would do
            print(exc.code, file=sys.stderr)
            code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (conform405 ... | head): nothing more can be written
            pass
    from . import worker

    worker.stop()  # the second process, if checker/__main__.py started one
    os._exit(code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``conform405 SPEC ...`` means ``conform405 run SPEC ...``."""
    _short_lived_gc()
    from .values import keep_hypothesis_out_of_cwd

    keep_hypothesis_out_of_cwd()
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] not in SUBCOMMANDS and args[0] not in ("-h", "--help", "--version"):
        close = _mistyped_command(args[0])
        if close is not None:
            _err().print(f"[bold red]conform405: error:[/bold red] no command {_escape(repr(args[0]))} (did you mean {close!r}?)")
            raise SystemExit(int(ExitCode.BAD_INPUT))
        args.insert(0, "run")
    if args == ["--version"]:
        print(f"conform405 {__version__}")
        raise SystemExit(0)
    try:
        app(args=args, prog_name="conform405", standalone_mode=True)
    except SystemExit as exc:
        # click reports usage errors with exit 2 already; keep every other code as it is
        raise SystemExit(exc.code if exc.code is not None else 0) from None


def _mistyped_command(word: str) -> str | None:
    """The command ``word`` most likely meant (``runn`` -> ``run``), when it cannot be the SPEC of an implied
    ``run``: not an option, not a URL, no such file, and close to a command's name. Else None."""
    import difflib

    if word.startswith("-") or any(c in word for c in "./\\:") or Path(word).exists():
        return None  # an option, a URL or a file name (plan.yaml is a missing spec, not a mistyped 'plan')
    close = difflib.get_close_matches(word.lower(), sorted(SUBCOMMANDS), n=1, cutoff=0.6)
    return close[0] if close else None


@app.callback()
def _top(version: bool = typer.Option(False, "--version", help="Print conform405's version and exit.")) -> None:
    # main() answers a lone --version without starting click; declared here so that --help lists it
    if version:
        print(f"conform405 {__version__}")
        raise typer.Exit(0)


def _fail(exc: Conform405Error) -> typer.Exit:
    # one line, whatever the message carries (a YAML parser's error spans several lines)
    _err().print(f"[bold red]conform405: error:[/bold red] {_escape(' '.join(str(exc).split()))}")
    return typer.Exit(int(exc.exit_code))


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _pairs(values: list[str] | None, sep: str, what: str) -> tuple[tuple[str, str], ...]:
    out = []
    for raw in values or []:
        if sep not in raw:
            shown = "(value not shown: it may hold a secret)" if what == "-H" else repr(raw)
            raise UsageError(f"{what} must look like NAME{sep}VALUE, got {shown}")
        name, value = raw.split(sep, 1)
        if not name.strip():
            raise UsageError(f"{what} has an empty name: {raw!r}")
        out.append((name.strip(), value.strip() if sep == ":" else value))
    return tuple(out)


def _methods(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for raw in values or []:
        out.extend(m.strip() for m in raw.split(",") if m.strip())
    return tuple(out)


# -- shared option declarations -------------------------------------------------------------------
SpecArg = typer.Argument(..., metavar="SPEC", help="OpenAPI document: a file (YAML or JSON) or an http(s) URL.")
BaseUrlOpt = typer.Option(None, "--base-url", metavar='URL', help="Prefix the spec's paths are appended to (replaces the spec's server URL entirely).")
OriginOpt = typer.Option(None, "--origin", metavar='URL', help="Replace only scheme://host:port of the spec's server URL, keeping its path (e.g. /v1).")
MethodsOpt = typer.Option(None, "--methods", metavar='METHOD[,METHOD]', help="Exact probe set, comma-separated (default: GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS,TRACE + QUERY and additionalOperations of 3.2 documents).")
AddMethodOpt = typer.Option(None, "--add-method", metavar='METHOD[,METHOD]', help="Add a method to the probe set (repeatable, e.g. PURGE).")
SkipMethodOpt = typer.Option(None, "--skip-method", metavar='METHOD[,METHOD]', help="Remove a method from the probe set (repeatable).")
IncludeOpt = typer.Option(None, "--include-path", metavar='GLOB', help="Only paths matching this glob (repeatable).")
ExcludeOpt = typer.Option(None, "--exclude-path", metavar='GLOB', help="Skip paths matching this glob (repeatable).")
ReadOnlyOpt = typer.Option(False, "--read-only", help="Send only GET, HEAD and OPTIONS (and TRACE if asked for with --methods/--add-method).")
AllowWritesOpt = typer.Option(False, "--allow-writes", help="Also send the declared POST/PUT/PATCH/DELETE a default run withholds because they could change data (disposable environments; [writes] deny in the config still holds).")
ExamplesOpt = typer.Option(1, "--examples", metavar='N', min=1, max=100, help="Distinct requests per (path, method) cell.")
StrictOpt = typer.Option(False, "--strict", help="Make every validation problem in the document fatal.")
RemoteRefsOpt = typer.Option(False, "--allow-remote-refs", help="Fetch $refs that point at URLs.")
OutsideRefsOpt = typer.Option(False, "--allow-outside-refs", help="Follow file $refs that leave the spec's folder.")


#: options of run that change what is sent, so the plan takes them too (it must count what the run sends)
ExhaustiveOpt = typer.Option(False, "--exhaustive", help="Send every stack-level probe (unknown method, raw HEAD, slash twins, method override, stability repeats) to every path. By default they go to a sample of paths covering every behaviour the cells showed, and to every path only where the sample's answers differ or a finding shows.")
NoStabilityOpt = typer.Option(False, "--no-stability-check", help="Do not repeat each path's GET twice to detect an unstable answer (rule unstable-answer).")
RealIdsOpt = typer.Option(False, "--use-real-ids", help="Use example and discovered ids for state-changing probes too (disposable environments only).")
NoDiscoveryOpt = typer.Option(False, "--no-discovery", help="Do not GET parent collections to find real ids.")
def _families():
    from .probes import FAMILIES

    return FAMILIES


def _family_option(name: str):
    """A probe family's option, as its declaration in checker/probes/__init__.py says (flag, default, help)."""
    from .probes import family

    f = family(name)
    if f.negated:
        return typer.Option(False, f.flag, help=f.help)
    return typer.Option(f.default, f.flag, metavar=f.metavar, help=f.help)


DirectUrlOpt = _family_option("gateway")
CorsOriginOpt = _family_option("cors")
OverrideProbesOpt = _family_option("override")
NoUnknownMethodOpt = _family_option("unknown_method")
NoHeadBodyOpt = _family_option("head_depth")
NoSlashTwinsOpt = _family_option("slashes")
DirectHostOpt = typer.Option(None, "--direct-host", metavar='HOST[:PORT]', help="Host header sent with the --direct-url probes (the public host name).")
PathParamOpt = typer.Option(None, "--path-param", metavar="NAME=VALUE", help="NAME=VALUE for a path parameter (repeatable; used for every method).")


MaxNoAnswerOpt = typer.Option("0", "--max-no-answer", metavar="N|P%",
                              help="Cells with no HTTP answer (timeout, reset, garbage) a passing run may leave: a count, a share (5%) or 'any'. Beyond it: exit 5.")
MaxInconclusiveOpt = typer.Option("any", "--max-inconclusive", metavar="N|P%",
                                  help="Inconclusive cells (e.g. a 404 for a generated id) a passing run may leave: a count, a share or 'any' (default). Beyond it: exit 5.")
FetchTimeoutOpt = typer.Option(15.0, "--fetch-timeout", metavar='SECONDS', min=0.1, help="Seconds to wait for a spec (or a remote $ref) given as a URL.")
MaxSpecSizeOpt = typer.Option("64MB", "--max-spec-size", metavar="SIZE", help="Largest document read, file or URL (and each $ref'd file), e.g. 64MB, 200M or bytes; a larger one is refused before it is read.")


def _load(spec: str, strict: bool, remote: bool, outside: bool, fetch_timeout: float = 15.0, max_spec_size: str = "64MB"):
    from .spec import LoadOptions, load_spec
    from .spec.load import parse_size

    return load_spec(spec, LoadOptions(allow_remote_refs=remote, allow_outside_refs=outside, strict=strict,
                                       fetch_timeout=fetch_timeout, max_spec_size=parse_size(max_spec_size)))


def _print_spec_problems(spec, quiet: bool) -> None:
    if not spec.problems or quiet:
        return
    _err().print(f"[yellow]warning:[/yellow] the document has {len(spec.problems)} validation problem{'' if len(spec.problems) == 1 else 's'}; checking it anyway (--strict makes them fatal):")
    for p in spec.problems[:10]:
        _err().print(f"  {_escape(p.describe())}")
    if len(spec.problems) > 10:
        _err().print(f"  … and {len(spec.problems) - 10} more (listed in the JSON report)")


@app.command("plan")
def plan_cmd(
    ctx: typer.Context,
    spec: str = SpecArg,
    base_url: Optional[str] = BaseUrlOpt,
    origin: Optional[str] = OriginOpt,
    json_out: Optional[str] = typer.Option(None, "--json", metavar="PATH", help="Write the plan as JSON to PATH ('-' for standard output)."),
    config_file: Optional[str] = typer.Option(None, "--config", metavar="PATH", help="Configuration file (default: as for a run): the plan applies it as the run does. Flags override it."),
    path_param: Optional[List[str]] = PathParamOpt,
    methods: Optional[List[str]] = MethodsOpt,
    add_method: Optional[List[str]] = AddMethodOpt,
    skip_method: Optional[List[str]] = SkipMethodOpt,
    include_path: Optional[List[str]] = IncludeOpt,
    exclude_path: Optional[List[str]] = ExcludeOpt,
    read_only: bool = ReadOnlyOpt,
    allow_writes: bool = AllowWritesOpt,
    examples: int = ExamplesOpt,
    use_real_ids: bool = RealIdsOpt,
    no_stability_check: bool = NoStabilityOpt,
    no_discovery: bool = NoDiscoveryOpt,
    direct_url: Optional[str] = DirectUrlOpt,
    direct_host: Optional[str] = DirectHostOpt,
    cors_origin: Optional[str] = CorsOriginOpt,
    override_probes: str = OverrideProbesOpt,
    no_unknown_method: bool = NoUnknownMethodOpt,
    no_head_body_check: bool = NoHeadBodyOpt,
    no_slash_twins: bool = NoSlashTwinsOpt,
    strict: bool = StrictOpt,
    allow_remote_refs: bool = RemoteRefsOpt,
    allow_outside_refs: bool = OutsideRefsOpt,
    fetch_timeout: float = FetchTimeoutOpt,
    max_spec_size: str = MaxSpecSizeOpt,
) -> None:
    """Dry run: print the path × method matrix and how many requests a run would send. Sends nothing.

    Takes the configuration file and the options of run that change what is sent, so that it plans exactly
    what the same run sends."""
    args = _Args(locals())
    from .options import ProbeOptions

    cfg = _configured(ctx, args, run=False)
    try:
        params = _pairs(args.path_param, "=", "--path-param")
        probe_options = ProbeOptions(path_params=params, use_real_ids=args.use_real_ids, **_probe_settings(args))
        loaded = _load(spec, strict, allow_remote_refs, allow_outside_refs, fetch_timeout, max_spec_size)
        args.base_url, _ = _lift_credentials(args.base_url, "--base-url")  # never print credentials
        args.origin, _ = _lift_credentials(args.origin, "--origin")
        plan = _build_plan(loaded, args, params, cfg)
    except Conform405Error as exc:
        raise _fail(exc) from None
    _print_spec_problems(loaded, quiet=False)  # standard error: never mixed into `--json -`
    _require_cells(plan)  # after the problems: they may be why nothing is left
    data = plan.to_dict(probe_options)
    if json_out:
        from .report import write_atomic

        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        if json_out == "-":
            sys.stdout.write(text)
            return
        write_atomic(Path(json_out), text)
    from rich.console import Console

    from .report.plan_view import print_plan

    print_plan(plan, Console(highlight=False), probe_options)


#: run settings the plan has no option for, at run's defaults (read from the configuration file like run does)
_RUN_DEFAULTS = {"client": "fetch", "timeout": 10.0, "concurrency": 32, "rate_limit": None, "max_time": None,
                 "max_requests": None, "max_no_answer": "0", "max_inconclusive": "any"}


@app.command("run")
def run_cmd(
    ctx: typer.Context,
    spec: str = SpecArg,
    base_url: Optional[str] = BaseUrlOpt,
    origin: Optional[str] = OriginOpt,
    app_ref: Optional[str] = typer.Option(None, "--app", metavar="MODULE:ATTRIBUTE", help="Test this ASGI or WSGI application in-process (no socket, no server; imported from the current directory). Instead of --base-url."),
    json_out: Optional[str] = typer.Option(None, "--json", metavar='PATH', help="Write the JSON report to PATH ('-' for standard output)."),
    junit_out: Optional[str] = typer.Option(None, "--junit", metavar='PATH', help="Write JUnit XML to PATH: one test case per (path, method) cell."),
    sarif_out: Optional[str] = typer.Option(None, "--sarif", metavar='PATH', help="Write SARIF 2.1.0 to PATH: findings located on the spec file (code scanning)."),
    markdown_out: Optional[str] = typer.Option(None, "--markdown", metavar='PATH', help="Write a Markdown summary to PATH (a pull-request comment)."),
    html_out: Optional[str] = typer.Option(None, "--html", metavar='PATH', help="Write a self-contained HTML report to PATH."),
    baseline_file: Optional[str] = typer.Option(None, "--baseline", metavar='PATH', help="An earlier JSON report: only findings not in it count toward the exit code."),
    write_baseline_file: Optional[str] = typer.Option(None, "--write-baseline", metavar='PATH', help="Record this run's findings as the baseline FILE (a JSON report)."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", metavar='LEVEL', help="Lowest severity that fails the run: error (default), warning, info or never."),
    config_file: Optional[str] = typer.Option(None, "--config", metavar='PATH', help="Configuration file (default: ./conform405.toml, or [tool.conform405] in ./pyproject.toml). Flags override it."),
    header: Optional[List[str]] = typer.Option(None, "-H", "--header", metavar="'Name: value'", help="'Name: value' sent with every request (repeatable; secrets are masked in reports)."),
    path_param: Optional[List[str]] = PathParamOpt,
    methods: Optional[List[str]] = MethodsOpt,
    add_method: Optional[List[str]] = AddMethodOpt,
    skip_method: Optional[List[str]] = SkipMethodOpt,
    include_path: Optional[List[str]] = IncludeOpt,
    exclude_path: Optional[List[str]] = ExcludeOpt,
    read_only: bool = ReadOnlyOpt,
    allow_writes: bool = AllowWritesOpt,
    examples: int = ExamplesOpt,
    seed: int = typer.Option(0, "--seed", metavar='N', help="Seed for generated values: the same seed repeats a run exactly."),
    concurrency: int = typer.Option(32, "--concurrency", metavar='N', min=1, max=1024, help="Requests in flight at once."),
    timeout: float = typer.Option(10.0, "--timeout", metavar='SECONDS', min=0.1, help="Per-request timeout in seconds."),
    max_requests: Optional[int] = typer.Option(None, "--max-requests", metavar='N', min=1, help="Stop after this many requests (report marked incomplete)."),
    max_time: Optional[float] = typer.Option(None, "--max-time", metavar='SECONDS', min=0.1, help="Stop after this many seconds (report marked incomplete)."),
    rate_limit: Optional[float] = typer.Option(None, "--rate-limit", metavar='PER_SECOND', min=0.1, help="At most this many requests per second."),
    auth: Optional[str] = typer.Option(None, "--auth", metavar="USER:PASS", help="HTTP Basic credentials sent with every request (masked in every report, like -H secrets)."),
    max_body: int = typer.Option(65536, "--max-body", metavar='BYTES', min=0, help="Response body bytes read per answer; the rest is never read (the connection is closed)."),
    max_headers: int = typer.Option(256, "--max-headers", metavar='N', min=1, help="Header fields accepted in one answer; more makes the answer a network-level failure."),
    no_stability_check: bool = NoStabilityOpt,
    send_bodies: bool = typer.Option(False, "--send-bodies", help="Send schema-valid bodies with declared POST/PUT/PATCH/DELETE (may create data)."),
    use_real_ids: bool = RealIdsOpt,
    no_discovery: bool = NoDiscoveryOpt,
    direct_url: Optional[str] = DirectUrlOpt,
    direct_host: Optional[str] = DirectHostOpt,
    cors_origin: Optional[str] = CorsOriginOpt,
    override_probes: str = OverrideProbesOpt,
    no_unknown_method: bool = NoUnknownMethodOpt,
    no_head_body_check: bool = NoHeadBodyOpt,
    validate_responses: bool = typer.Option(False, "--validate-responses", help="Also validate the answers of declared operations against the documented responses: status, media type, body schema (openapi-core; rules response-not-documented, response-schema-mismatch)."),
    no_slash_twins: bool = NoSlashTwinsOpt,
    exhaustive: bool = ExhaustiveOpt,
    transport: str = typer.Option("auto", "--transport", metavar='auto|socket|httpx', help="HTTP transport: auto (= socket, conform405's lean HTTP/1.1 client) or httpx."),
    shard: Optional[str] = typer.Option(None, "--shard", metavar="K/N", help="Probe only shard K of N: a fixed 1/N share of the paths (by a hash of the path template); join the reports with 'conform405 merge'."),
    client: str = typer.Option("fetch", "--client", metavar='NAME', help="Follow redirects as this client does to judge each cell: fetch (browsers), curl-L, curl-L-X, httpx, requests, aiohttp, node-fetch, axios, go, urllib."),
    max_no_answer: str = MaxNoAnswerOpt,
    max_inconclusive: str = MaxInconclusiveOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress: neither the bar (a terminal) nor the line every 5 seconds on standard error (a CI log)."),
    strict: bool = StrictOpt,
    allow_remote_refs: bool = RemoteRefsOpt,
    allow_outside_refs: bool = OutsideRefsOpt,
    fetch_timeout: float = FetchTimeoutOpt,
    max_spec_size: str = MaxSpecSizeOpt,
) -> None:
    """Probe every path with every method and judge the answers against the spec and RFC 9110."""
    args = _Args(locals())
    _check_run_flags(args)
    outputs = _outputs(args.json_out, args.junit_out, args.sarif_out, args.markdown_out, args.html_out)
    baseline_findings = _load_baseline(args.baseline_file)
    cfg = _configured(ctx, args, run=True)
    _check_client(args.client, cfg)
    args.fail_on = args.fail_on or "error"
    tolerance = _tolerance(args.max_no_answer, args.max_inconclusive)
    target = _prepare_run(args, cfg)
    _draw_ahead(target.plan, args.seed)
    _print_spec_problems(target.loaded, args.quiet)
    _require_cells(target.unsharded)  # after the problems: they may be why nothing is left
    if target.app is None:
        _safety_banner(target.plan, args.send_bodies, args.use_real_ids, args.quiet)
    options = _run_options(args, cfg, target)
    to_stdout = "-" in outputs.values()
    report, exit_code = _run_reporting_failures(
        target.plan, options, show=not (args.quiet or args.no_progress or to_stdout and sys.stderr.isatty()))
    raise typer.Exit(int(_report_and_exit(report, exit_code, args, cfg, outputs, baseline_findings, tolerance)))


class _Args(SimpleNamespace):
    """A command's parameters as given (``locals()`` on entry), then as the configuration file and the checks
    settle them: the steps below read and update one object instead of passing a score of values about."""

    def __init__(self, params: dict) -> None:
        super().__init__(**{k: v for k, v in params.items() if k != "ctx"})


class _Target(NamedTuple):
    """What a run probes: the plan (a shard of it with --shard), the whole selection, the document, the
    in-process application (or None), the headers sent with every request and the --path-param values."""

    plan: Any
    unsharded: Any
    loaded: Any
    app: Any
    headers: tuple[tuple[str, str], ...]
    params: tuple[tuple[str, str], ...]


def _check_run_flags(args: _Args) -> None:
    """The run options checked before anything is read: --fail-on, --transport."""
    _check_fail_on(args.fail_on)
    if args.transport == "aiohttp":
        raise _fail(UsageError("--transport aiohttp is gone: the default socket transport replaced it (faster, same guarantees)"))
    if args.transport not in ("auto", "socket", "httpx"):
        raise _fail(UsageError(f"--transport must be auto, socket or httpx, not {args.transport!r}"))


def _load_baseline(baseline_file: str | None):
    """The findings of the --baseline report, or None without one."""
    if not baseline_file:
        return None
    from . import baseline as _baseline

    try:
        return _baseline.load(baseline_file)
    except Conform405Error as exc:
        raise _fail(exc) from None


def _configured(ctx: typer.Context, args: _Args, run: bool):
    """The configuration file (--config, or the default one), applied to ``args`` where the command line did
    not give a value (flags override the file; checker/config.py). The plan applies it as the run does, so
    that it plans what the same run sends; only the run takes its headers and --fail-on."""
    try:
        from .config import load as _load_config

        cfg = _load_config(args.config_file)
    except Conform405Error as exc:
        raise _fail(exc) from None
    if cfg is None:
        return None
    if not (args.base_url or args.origin or getattr(args, "app_ref", None)):
        args.base_url, args.origin = cfg.base_url, cfg.origin
    if run:
        args.header = cfg.header_lines() + list(args.header or [])
    args.path_param = cfg.path_param_lines() + list(args.path_param or [])
    args.methods = args.methods or list(cfg.methods)
    args.add_method = args.add_method or list(cfg.add_methods)
    args.skip_method = args.skip_method or list(cfg.skip_methods)
    args.include_path, args.exclude_path = args.include_path or list(cfg.include_paths), args.exclude_path or list(cfg.exclude_paths)
    args.read_only = args.read_only or cfg.read_only
    if run:
        args.fail_on = args.fail_on or cfg.fail_on
    # run settings the plan has no option for are read at run's defaults, and then left out
    for key, value in _from_file(ctx, cfg, {**_RUN_DEFAULTS, **vars(args)}).items():
        if hasattr(args, key):
            setattr(args, key, value)
    return cfg


def _check_client(client: str, cfg) -> None:
    from .http.redirects import PROFILES  # the redirect-following client profiles

    if client not in PROFILES:  # from the command line, or the configuration file (then named)
        from_file = cfg is not None and cfg.client is not None and cfg.client == client
        raise _fail(UsageError(f"--client must be one of {', '.join(PROFILES)}, not {client!r}",
                               cfg.file if from_file else None))


def _prepare_run(args: _Args, cfg) -> _Target:
    """The target (a server, or --app in-process), the credentials and headers, the document and the plan."""
    app_obj = None
    if args.app_ref is not None and args.base_url is not None:
        raise _fail(UsageError("give either --base-url (a server) or --app (an in-process application), not both"))
    try:
        if args.app_ref is not None:  # in-process: probes go to http://testserver + the spec's server path
            from .http.inprocess import APP_ORIGIN, load_app

            app_obj = load_app(args.app_ref)
            args.origin = args.origin or APP_ORIGIN
        args.base_url, url_auth = _lift_credentials(args.base_url, "--base-url")
        args.origin, origin_auth = _lift_credentials(args.origin, "--origin")
        if (url_auth or origin_auth) and args.auth:
            raise UsageError("credentials are given both in the URL and with --auth: keep one")
        headers = _pairs(args.header, ":", "-H") + _auth_header(args.auth or url_auth or origin_auth)
        params = _pairs(args.path_param, "=", "--path-param")
        with _no_collection():
            loaded = _load(args.spec, args.strict, args.allow_remote_refs, args.allow_outside_refs, args.fetch_timeout,
                           args.max_spec_size)
            if args.examples >= 1:  # else the plan refuses it
                _draw_ahead_of_plan(loaded, args)
            plan = _build_plan(loaded, args, params, cfg)
        _require_target(plan)
        unsharded = plan  # a shard may be empty (fewer paths than shards): the whole selection may not
        if args.shard is not None:  # checker/shard.py: a fixed share of the paths, values drawn for the whole plan
            from .shard import parse_shard, shard_plan

            plan = shard_plan(plan, parse_shard(args.shard))
    except Conform405Error as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM (entry()) while the spec loads: nothing was sent, nothing to report
        _err().print("[bold yellow]conform405: interrupted[/bold yellow] while loading the spec: nothing was sent, no report written")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    return _Target(plan, unsharded, loaded, app_obj, headers, params)


def _draw_ahead(plan, seed: int) -> None:
    """What the run needs later and the second process (checker/worker.py, if the command started one) can do
    meanwhile: the values, drawn while the rest of the set-up goes on here, and where the report's paths and
    operations are in the document, looked up while the run probes. Should the first request still have to
    wait for the values, it waits importing what the run needs later anyway (the rules, the terminal report)."""
    from .values import plan_items

    _draw_ahead_for(plan.spec, plan_items(plan), seed, plan.options.examples)


def _draw_ahead_of_plan(loaded, args: _Args) -> None:
    """:func:`_draw_ahead` as soon as the document is loaded, when the plan will hold every path of it (no path
    selected or left out): the second process starts drawing while this one plans (30-40 ms on GitHub's
    document, which the first request would otherwise wait for). A selection waits for the plan."""
    if args.include_path or args.exclude_path:
        return
    try:
        _draw_ahead_for(loaded, list(loaded.paths), args.seed, args.examples)
    except Exception:  # noqa: BLE001 - only ever a head start: the plan's own _draw_ahead does it, or says what is wrong
        pass


def _draw_ahead_for(spec, items: list, seed: int, examples: int) -> None:
    from . import worker

    if not worker.waiting():
        return
    from .report.model import locations_call_for
    from .values import draw_call_for

    calls = [call for call in (draw_call_for(spec, items, seed, examples), locations_call_for(spec, items))
             if call is not None]
    worker.send(*calls, meanwhile=_import_what_comes_later)


def _import_what_comes_later() -> None:
    """What a run imports only once it has answers, imported while it waits for its values instead."""
    import rich.console  # noqa: F401

    from . import judge, stacks  # noqa: F401
    from .report import terminal  # noqa: F401

    judge.CHECKS  # noqa: B018 - read, so the rule families are imported now


def _build_plan(loaded, args: _Args, params: tuple[tuple[str, str], ...], cfg):
    """The plan of run and plan alike, from the selection options (after the configuration file)."""
    from .plan import PlanOptions, build_plan

    return build_plan(loaded, PlanOptions(
        base_url=args.base_url, origin=args.origin, methods=_methods(args.methods) or None,
        add_methods=_methods(args.add_method), skip_methods=_methods(args.skip_method),
        include_paths=tuple(args.include_path or ()), exclude_paths=tuple(args.exclude_path or ()),
        read_only=args.read_only, examples=args.examples, discover=not args.no_discovery,
        given_params=tuple(name for name, _ in params), real_ids=args.use_real_ids,
        **_write_options(args.allow_writes, cfg)))


def _require_cells(plan) -> None:
    from .plan import require_cells

    try:
        require_cells(plan)
    except Conform405Error as exc:
        raise _fail(exc) from None


def _probe_settings(args: _Args) -> dict:
    """ProbeOptions fields of what is sent that run and plan both take (the plan must count what the run sends):
    the unstable-answer repeats, the slash twins and the gateway / override / CORS / unknown-method / HEAD probes."""
    safety: dict = {"repeats": 0} if args.no_stability_check else {}  # the unstable-answer repeats off
    if args.no_slash_twins:
        safety["slash_twins"] = False
    return {**safety, **_issue5_options(args.direct_url, args.direct_host, args.cors_origin, args.override_probes,
                                        args.no_unknown_method, args.no_head_body_check)}


def _run_options(args: _Args, cfg, target: _Target):
    """The library's RunOptions of this run (checker/api.py): what is sent, how, and how it is judged."""
    from dataclasses import replace

    from . import api

    options = api.RunOptions(
        probe=api.ProbeOptions(seed=args.seed, path_params=target.params, send_bodies=args.send_bodies,
                               use_real_ids=args.use_real_ids, max_requests=args.max_requests, max_time=args.max_time,
                               rate_limit=args.rate_limit, client=args.client,
                               exhaustive=args.exhaustive or (cfg is not None and cfg.exhaustive),
                               **_probe_settings(args)),
        limits=api.Limits(timeout=args.timeout, concurrency=args.concurrency, max_body=args.max_body,
                          max_headers=args.max_headers),
        headers=target.headers,
        transport=args.transport,
        app=target.app,
    )
    if cfg is not None:
        options = replace(options, judge=cfg.judge_options())
    if args.validate_responses or (cfg is not None and cfg.validate_responses):
        options = replace(options, validate_responses=True)
    return options


def _run_reporting_failures(plan, options, show: bool):
    """``(report, exit code)`` of the run: the code is None when it ran to its end; an interrupted, unreachable
    or crashed run still has the report of what was done. A failure with no report at all exits here."""
    from . import api

    try:
        return _run_with_progress(plan, options, show=show), None
    except api.RunInterrupted as exc:
        _err().print("[bold yellow]conform405: interrupted[/bold yellow]: writing the report of what was done so far")
        return exc.report, ExitCode.INTERRUPTED
    except api.RunUnreachable as exc:
        _err().print(f"[bold red]conform405: error:[/bold red] target unreachable: {_escape(str(exc))}")
        return exc.report, ExitCode.UNREACHABLE
    except api.RunCrashed as exc:
        _err().print(f"[bold red]conform405: internal error[/bold red] (a bug, please report it): {_escape(_one_line(exc))}; "
                  "writing the report of what was done so far")
        return exc.report, ExitCode.INTERNAL
    except KeyboardInterrupt:  # a signal outside the probing (judging, writing): nothing more to save
        _err().print("[bold yellow]conform405: interrupted[/bold yellow]")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except Exception as exc:  # noqa: BLE001 - a bug before any report exists: one line, exit 70
        _err().print(f"[bold red]conform405: internal error[/bold red] (a bug, please report it): {_escape(_one_line(exc))}")
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _report_and_exit(report, exit_code, args: _Args, cfg, outputs: dict[str, str | None], baseline_findings,
                     tolerance) -> int:
    """The report judged as asked (--fail-on, the tolerances, the baseline), written in every format, the
    baseline recorded, the terminal report printed; the exit code: ``exit_code``, or the outcome's."""
    report.fail_on = args.fail_on
    report.tolerance = tolerance
    if cfg is not None:
        report.target["config"] = cfg.file
    if baseline_findings is not None:
        from . import baseline as _baseline

        _baseline.compare(report, baseline_findings, args.baseline_file)
    if not _write_outputs(report, outputs):
        exit_code = ExitCode.INTERNAL
    if args.write_baseline_file:
        from .baseline import write_baseline

        if report.incomplete:
            _err().print(f"[yellow]conform405:[/yellow] the baseline {_escape(args.write_baseline_file)} records an incomplete run ({_escape(report.incomplete)})")
        try:
            write_baseline(report, args.write_baseline_file)
        except Conform405Error as exc:
            raise _fail(exc) from None
    if "-" not in outputs.values() and exit_code != ExitCode.UNREACHABLE:
        try:
            _print_terminal(report, args.quiet, args.fail_on)
        except Exception as exc:  # noqa: BLE001 - a bug in the terminal report: the files are written already
            _err().print(f"[bold red]conform405: internal error[/bold red] (a bug, please report it) in the terminal report: "
                      f"{_escape(_one_line(exc))}")
            exit_code = ExitCode.INTERNAL
    if exit_code is None:
        exit_code = _outcome_exit(report, args.quiet)
    return exit_code


def _print_terminal(report, quiet: bool, fail_on: str) -> None:
    """The terminal report on standard output. ``--quiet`` into a pipe or a CI log: its one line as plain text --
    not wrapped at 80 columns, and without loading rich (0.02-0.03 s of a run's end)."""
    if quiet and not _is_tty(sys.stdout):
        from .report.common import summary_text

        sys.stdout.write(summary_text(report, fail_on) + "\n")
        return
    from rich.console import Console

    from .report.terminal import print_report

    print_report(report, Console(highlight=False, soft_wrap=False), quiet=quiet, fail_on=fail_on)


def _is_tty(stream) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):  # closed
        return False


def _tolerance(max_no_answer: str | None, max_inconclusive: str | None):
    from .report.outcome import Tolerance, parse_limit

    try:
        return Tolerance(max_no_answer=parse_limit(max_no_answer, "--max-no-answer"),
                         max_inconclusive=parse_limit(max_inconclusive, "--max-inconclusive"))
    except Conform405Error as exc:
        raise _fail(exc) from None


def _outcome_exit(report, quiet: bool) -> int:
    """The exit code the report's outcome gives (checker/report/outcome.py), with its one line on standard error
    when the run did not pass for a reason other than its findings (those are the report itself)."""
    result = report.outcome()
    if result.status in ("unjudged", "unhealthy"):
        word = "target unhealthy" if result.status == "unhealthy" else "not judged"
        message = (result.message or "").removeprefix(f"{word}: ")  # the message may say it already
        _err().print(f"[bold red]conform405: {word}:[/bold red] {_escape(message)}")
        if result.hint:
            _err().print(f"  hint: {_escape(result.hint)}")
    elif result.hint and not quiet:
        _err().print(f"[yellow]conform405:[/yellow] {_escape(result.hint)}")
    return result.exit_code


def _issue5_options(direct_url, direct_host, cors_origin, override_probes, no_unknown_method, no_head_body_check) -> dict:
    """ProbeOptions fields of the gateway / override / CORS / unknown-method / HEAD-depth probes, validated."""
    from urllib.parse import urlparse

    if direct_url is not None:
        p = urlparse(direct_url)
        if p.scheme not in ("http", "https") or not p.netloc:
            raise _fail(UsageError(f"--direct-url must be an absolute http(s) URL, not {direct_url!r}"))
    if direct_host is not None:
        if direct_url is None:
            raise _fail(UsageError("--direct-host needs --direct-url"))
        if not direct_host.strip() or any(c in direct_host for c in " /\t\r\n"):
            raise _fail(UsageError(f"--direct-host must be a host name (with an optional :port), not {direct_host!r}"))
    if cors_origin is not None:
        p = urlparse(cors_origin)
        if p.scheme not in ("http", "https") or not p.netloc or p.path not in ("", "/") or p.query:
            raise _fail(UsageError(f"--cors-origin must be an origin such as https://app.example.com, not {cors_origin!r}"))
        cors_origin = f"{p.scheme}://{p.netloc}"
    if override_probes not in ("one", "all", "off"):
        raise _fail(UsageError(f"--override-probes must be one, all or off, not {override_probes!r}"))
    return {"direct_url": direct_url, "direct_host": direct_host, "cors_origin": cors_origin,
            "override_probes": override_probes, "unknown_method": not no_unknown_method, "head_raw": not no_head_body_check}


#: configuration keys that are run settings -> the run command's parameter they stand for
_CONFIG_VALUES = ("client", "cors_origin", "direct_url", "direct_host", "override_probes",
                  "timeout", "concurrency", "rate_limit", "max_time", "max_requests", "max_no_answer", "max_inconclusive")
_CONFIG_SWITCHES = {"stability_check": "no_stability_check", "discovery": "no_discovery",
                    **{f.config_field: f.parameter for f in _families() if f.negated}}


def _from_file(ctx: typer.Context, cfg, params: dict) -> dict:
    """Run settings from the configuration file where the command line did not give them (flags win)."""
    def given(name: str) -> bool:  # typer vendors click: compare the source by name, not by its enum class
        source = ctx.get_parameter_source(name)
        return source is not None and source.name != "DEFAULT"

    out = {}
    for key in _CONFIG_VALUES:
        value = getattr(cfg, key)
        out[key] = value if value is not None and not given(key) else params[key]
    for key, param in _CONFIG_SWITCHES.items():
        value = getattr(cfg, key)
        out[param] = (not value) if value is not None and not given(param) else params[param]
    return out


def _check_fail_on(fail_on: str | None) -> None:
    from .report.model import FAIL_ON

    if fail_on is not None and fail_on not in FAIL_ON:
        raise _fail(UsageError(f"--fail-on must be {', '.join(FAIL_ON[:-1])} or {FAIL_ON[-1]}, not {fail_on!r}"))


def _outputs(json_out, junit_out, sarif_out, markdown_out, html_out) -> dict[str, str | None]:
    """Report format -> destination, with at most one of them on standard output ('-')."""
    outputs = {"json": json_out, "junit": junit_out, "sarif": sarif_out, "markdown": markdown_out, "html": html_out}
    to_stdout = [fmt for fmt, destination in outputs.items() if destination == "-"]
    if len(to_stdout) > 1:
        raise _fail(UsageError(f"only one report can go to standard output ('-'), not {', '.join(to_stdout)}"))
    return outputs


def _write_outputs(report, outputs: dict[str, str | None]) -> bool:
    """Write every requested format; an unwritable destination is a usage error (exit 2), a bug in one
    format is reported on one line while the others are still written. False when a format failed."""
    from .report import write

    ok = True
    for fmt, destination in outputs.items():
        if not destination:
            continue
        try:
            write(report, fmt, destination)
        except OSError as exc:
            raise _fail(UsageError(f"cannot write the {fmt} report: {exc.strerror or exc}", destination)) from None
        except Exception as exc:  # noqa: BLE001 - a bug in one format: the others are still written
            _err().print(f"[bold red]conform405: internal error[/bold red] (a bug, please report it) in the {fmt} report: "
                      f"{_escape(_one_line(exc))}")
            ok = False
    return ok


def _require_target(plan) -> None:
    from urllib.parse import urlparse

    if plan.paths and not urlparse(plan.paths[0].url).scheme:
        raise UsageError("the document has no absolute server URL: give --base-url (or --origin)")
    for pp in plan.paths[:1]:
        scheme = urlparse(pp.url).scheme
        if scheme not in ("http", "https"):
            raise UsageError(f"unsupported URL scheme {scheme!r} in {pp.url}")


def _lift_credentials(url: str | None, option: str) -> tuple[str | None, str | None]:
    """``https://user:pass@host/x`` -> ``(https://host/x, "user:pass")``: credentials in a URL would be
    printed in every report, curl line and CI log; sent as a masked Basic header instead (like --auth)."""
    if not url or "@" not in url:
        return url, None
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.netloc.rsplit("@", 1)[1]
    creds = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    _err().print(f"[yellow]conform405:[/yellow] credentials in {option} are sent as a Basic Authorization header and masked in reports")
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment)), creds


def _auth_header(auth: str | None) -> tuple[tuple[str, str], ...]:
    """``--auth USER:PASS`` as an ``Authorization: Basic`` header (masked like every secret header)."""
    if auth is None:
        return ()
    if ":" not in auth:
        raise UsageError("--auth must look like USER:PASSWORD (the password is not echoed here)")
    import base64

    return (("Authorization", "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii")),)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return (text[:300] + "…") if len(text) > 300 else text or exc.__class__.__name__


def is_loopback(host: str | None) -> bool:
    """``localhost`` or a loopback IP address (127.0.0.0/8, ::1); a name such as ``127.example.com`` is not."""
    import ipaddress

    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _write_options(allow_writes: bool, cfg) -> dict:
    """The plan's write policy from --allow-writes and the configuration's allow-writes and [writes] lists."""
    if cfg is None:
        return {"allow_writes": allow_writes}
    return {"allow_writes": allow_writes or cfg.allow_writes, "writes_allow": cfg.writes_allow,
            "writes_deny": cfg.writes_deny}


def _safety_banner(plan, send_bodies: bool, use_real_ids: bool, quiet: bool) -> None:
    from urllib.parse import urlparse

    host = urlparse(plan.paths[0].url).hostname if plan.paths else None
    writes = [m for m in plan.methods if m not in ("GET", "HEAD", "OPTIONS", "TRACE", "QUERY")]
    if not host or not writes:
        return
    loopback = is_loopback(host)
    allow_writes = getattr(plan.options, "allow_writes", False)
    if loopback and not (send_bodies or use_real_ids or allow_writes):
        return
    mode = []
    mode.append("bodies ON" if send_bodies else "no bodies")
    mode.append("REAL ids" if use_real_ids else "generated ids only")
    withheld = sum(1 for p in plan.paths if not p.hands_off or p.generated_only for c in p.cells if c.withheld)
    actions = sum(1 for p in plan.paths if p.hands_off and not p.generated_only)
    mode.append("declared writes ALLOWED (--allow-writes)" if allow_writes
                else f"{withheld} declared write{'' if withheld == 1 else 's'} that could change data withheld"
                + (f", {actions} path{'' if actions == 1 else 's'} naming an action not probed" if actions else ""))
    _err().print(f"[yellow]conform405:[/yellow] sending {', '.join(writes)} to {host} ({'; '.join(mode)}). "
              "Use --read-only for a target you must not change.")


def _run_with_progress(plan, options, show: bool):
    import gc

    from . import api

    gc.freeze()  # the spec and the plan live until the process ends: never traversed by a collection again

    if not show:
        return api.run(plan, options)
    try:
        counts = plan.request_counts(options.probe)
    except Exception:  # noqa: BLE001 - a bug in a probe factory: the run itself meets it and reports it (exit 70)
        sent = sum(len(pp.sent_cells) for pp in plan.paths) * plan.options.examples
        counts = {"total": sent, "cells": sent}
    if not sys.stderr.isatty():  # a CI log: a line every few seconds, so a long run is never silent until the end
        log = ProgressLog(counts["total"], counts["cells"])
        with log:
            return api.run(plan, options, progress=log)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    with Progress(TextColumn("probing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("ETA"), TimeRemainingColumn(), console=_err(), transient=True) as bar:
        task = bar.add_task("probe", total=counts["total"])
        return api.run(plan, options, progress=_BarProgress(bar, task))


class _BarProgress:
    """The terminal bar's progress: each observation's requests, and :meth:`fewer` when adaptive probing spares
    some of the requests the plan counted (checker/adaptive.py), so the bar ends full and its ETA holds."""

    def __init__(self, bar: Any, task: Any) -> None:
        self.bar, self.task = bar, task

    def __call__(self, obs) -> None:
        self.bar.advance(self.task, len(obs.chain) or 1)

    def fewer(self, n: int) -> None:
        task = next(t for t in self.bar.tasks if t.id == self.task)
        self.bar.update(self.task, total=max(task.completed, (task.total or 0) - n))


#: seconds between two progress lines when standard error is not a terminal (the tests make it shorter)
PROGRESS_INTERVAL = 5.0


class ProgressLog:
    """Progress for a log that is not a terminal: one plain line on standard error every few seconds (the
    first after one interval, so a short run prints none): cells and requests done of those planned, the time
    elapsed and an estimate of the time left. A thread prints it, so a line comes even while every request
    waits on a slow server."""

    def __init__(self, total_requests: int, total_cells: int, interval: float | None = None) -> None:
        import os
        import threading

        if interval is None:
            try:
                interval = float(os.environ.get("CONFORM405_PROGRESS_INTERVAL", PROGRESS_INTERVAL))
            except ValueError:
                interval = PROGRESS_INTERVAL
        self.interval = max(0.05, interval)
        self.total_requests, self.total_cells = max(1, total_requests), total_cells
        self.requests = self.cells = 0
        self.started = 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="conform405-progress", daemon=True)

    def advance(self, obs) -> None:
        self.requests += len(obs.chain) or 1
        if obs.role == "probe":
            self.cells += 1

    __call__ = advance

    def fewer(self, n: int) -> None:
        """Adaptive probing spared ``n`` of the requests planned (checker/adaptive.py)."""
        self.total_requests = max(1, self.requests, self.total_requests - n)

    def line(self, elapsed: float) -> str:
        done = min(self.requests, self.total_requests)
        eta = _duration(elapsed * (self.total_requests - done) / done) if done else "unknown"
        return (f"conform405: probing: {min(self.cells, self.total_cells)}/{self.total_cells} cells, "
                f"{self.requests}/{self.total_requests} requests sent, {_duration(elapsed)} elapsed, ETA {eta}")

    def _loop(self) -> None:
        import time

        while not self.stop.wait(self.interval):
            try:
                sys.stderr.write(self.line(time.monotonic() - self.started) + "\n")
                sys.stderr.flush()
            except (OSError, ValueError):  # a closed pipe: no more progress, the run goes on
                return

    def __enter__(self) -> "ProgressLog":
        import time

        self.started = time.monotonic()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


@app.command("diff")
def diff_cmd(
    old_spec: str = typer.Argument(..., metavar="OLD_SPEC", help="The spec as it is (a file or an http(s) URL)."),
    new_spec: str = typer.Argument(..., metavar="NEW_SPEC", help="The spec as the release will have it."),
    base_url: Optional[str] = typer.Option(None, "--base-url", metavar='URL', help="Also probe the changed cells on this server: does it already match the new spec?"),
    origin: Optional[str] = OriginOpt,
    json_out: Optional[str] = typer.Option(None, "--json", metavar='PATH', help="Write the diff as JSON to PATH ('-' for standard output)."),
    markdown_out: Optional[str] = typer.Option(None, "--markdown", metavar='PATH', help="Write the diff as Markdown to PATH ('-' for standard output)."),
    header: Optional[List[str]] = typer.Option(None, "-H", "--header", metavar="'Name: value'", help="'Name: value' sent with every probe (repeatable)."),
    path_param: Optional[List[str]] = typer.Option(None, "--path-param", metavar='NAME=VALUE', help="NAME=VALUE for a path parameter (repeatable)."),
    timeout: float = typer.Option(10.0, "--timeout", metavar='SECONDS', min=0.1, help="Per-request timeout in seconds."),
    allow_writes: bool = typer.Option(False, "--allow-writes", help="With --base-url: also send the changed declared POST/PUT/PATCH/DELETE that could change data (withheld by default: verdict unknown)."),
    strict: bool = StrictOpt,
    allow_remote_refs: bool = RemoteRefsOpt,
    allow_outside_refs: bool = OutsideRefsOpt,
) -> None:
    """The method matrix of two versions of a spec side by side: methods added and removed, paths renamed."""
    from . import diff as _diff

    if json_out == "-" and markdown_out == "-":
        raise _fail(UsageError("only one report can go to standard output ('-'), not json, markdown"))
    try:
        old = _load(old_spec, strict, allow_remote_refs, allow_outside_refs)
        new = _load(new_spec, strict, allow_remote_refs, allow_outside_refs)
        headers = _pairs(header, ":", "-H")
        params = _pairs(path_param, "=", "--path-param")
        result = _diff.compare(old, new)
        if base_url or origin:
            _diff.check_live(result, old, new, base_url=base_url, origin=origin, headers=headers, path_params=params,
                             timeout=timeout, allow_writes=allow_writes)
    except Conform405Error as exc:
        raise _fail(exc) from None
    from .report import write_atomic

    for destination, render in ((json_out, _diff.render_json), (markdown_out, _diff.render_markdown)):
        if not destination:
            continue
        text = render(result)
        if destination == "-":
            sys.stdout.write(text)
        else:
            write_atomic(Path(destination), text)
    if "-" not in (json_out, markdown_out):
        from rich.console import Console

        _diff.print_terminal(result, Console(highlight=False))


@app.command("merge")
def merge_cmd(
    reports: List[str] = typer.Argument(..., metavar="REPORT...", help="JSON reports of the shards of one run (--shard K/N --json PATH)."),
    json_out: Optional[str] = typer.Option(None, "--json", metavar='PATH', help="Write the merged JSON report to PATH ('-' for standard output)."),
    junit_out: Optional[str] = typer.Option(None, "--junit", metavar='PATH', help="Write JUnit XML to PATH."),
    sarif_out: Optional[str] = typer.Option(None, "--sarif", metavar='PATH', help="Write SARIF 2.1.0 to PATH."),
    markdown_out: Optional[str] = typer.Option(None, "--markdown", metavar='PATH', help="Write a Markdown summary to PATH."),
    html_out: Optional[str] = typer.Option(None, "--html", metavar='PATH', help="Write a self-contained HTML report to PATH."),
    baseline_file: Optional[str] = typer.Option(None, "--baseline", metavar='PATH', help="An earlier JSON report: only findings not in it count toward the exit code (compare here, not per shard)."),
    fail_on: str = typer.Option("error", "--fail-on", metavar='LEVEL', help="Lowest severity that fails: error, warning, info or never."),
    max_no_answer: str = MaxNoAnswerOpt,
    max_inconclusive: str = MaxInconclusiveOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary line."),
) -> None:
    """Join the JSON reports of a sharded run (--shard K/N) into one report, in every format. Sends nothing."""
    from .merge import merge

    _check_fail_on(fail_on)
    outputs = _outputs(json_out, junit_out, sarif_out, markdown_out, html_out)
    try:
        report = merge(list(reports))
        if baseline_file:
            from . import baseline as _baseline

            _baseline.compare(report, _baseline.load(baseline_file), baseline_file)
    except Conform405Error as exc:
        raise _fail(exc) from None
    report.fail_on = fail_on
    report.tolerance = _tolerance(max_no_answer, max_inconclusive)
    if not _write_outputs(report, outputs):
        raise typer.Exit(int(ExitCode.INTERNAL))
    if "-" not in outputs.values():
        from rich.console import Console

        from .report.terminal import print_report

        print_report(report, Console(highlight=False, soft_wrap=False), quiet=quiet, fail_on=fail_on)
    raise typer.Exit(_outcome_exit(report, quiet))


@app.command("explain")
def explain_cmd(rule: str = typer.Argument(..., metavar="RULE", help="A rule ID (see 'conform405 rules').")) -> None:
    """Print a rule's documentation: what it checks, why, the RFC section, an example and the fix."""
    from rich.console import Console

    from .rules import RULES
    from .rules.catalogue import rule_text

    if rule not in RULES:
        import difflib

        close = difflib.get_close_matches(rule.lower(), list(RULES), n=3, cutoff=0.6)
        close += [r for r in RULES if rule.lower() in r and r not in close]
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see 'conform405 rules')"
        raise _fail(UsageError(f"no rule {rule!r}{hint}"))
    Console(highlight=False).print(rule_text(RULES[rule]), markup=False)


@app.command("rules")
def rules_cmd() -> None:
    """List every rule with its ID, default severity and title."""
    from rich.console import Console

    from .rules import RULES

    con = Console(highlight=False, soft_wrap=True)  # one rule a line, also when piped
    for r in RULES.values():
        con.print(f"{r.id:38} {r.severity:8} {r.title}", markup=False)


if __name__ == "__main__":  # pragma: no cover
    main()

"""The library API: the CLI, the pytest plugin and your own code all go through here.

    from checker import api
    spec = api.load("specs/demo.yaml")
    plan = api.build_plan(spec, api.PlanOptions(base_url="http://127.0.0.1:8000"))
    report = api.run(plan)
    print(api.render(report, "json"))

    report = api.check("openapi.yaml", app=my_fastapi_or_flask_app)   # in-process, the same in one call

Everything is a frozen dataclass in, a :class:`~checker.report.Report` out. The README's
"Library API" section is the documented, stable surface; the rest of the package may change.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as _dt
import os
import signal
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable
from urllib.parse import urlparse

from . import __version__
from .engine import ProbeOptions, ProbeResult, observation_order, probe
from .errors import Conform405Error, TargetUnreachable
from .http.client import HttpClient, Limits
from .judge import Ignore, JudgeOptions, PathJudgement, judge, judge_one
from .observe import Observation
from .plan import Plan, PlanOptions, build_plan
from .report import Report, render, write
from .report.model import lazy_spec_locations
from .reproduce import is_secret_header
from .rules.base import Finding
from .spec import LoadOptions, Spec, load_spec
from .spec.refs import display
from .writes import withheld_note, writes_sent

__all__ = [
    "Conform405Error", "Finding", "Ignore", "JudgeOptions", "Limits", "LoadOptions", "Plan", "PlanOptions",
    "ProbeOptions", "Report", "RunCrashed", "RunInterrupted", "RunOptions", "RunUnreachable", "Spec",
    "build_plan", "check", "load", "load_app", "plan_report", "render", "run", "run_async", "write",
]


@dataclass(frozen=True)
class RunOptions:
    """How to send and judge. The plan says *what* to probe; this says *how*."""

    probe: ProbeOptions = field(default_factory=ProbeOptions)
    limits: Limits = field(default_factory=Limits)
    judge: JudgeOptions = field(default_factory=JudgeOptions)
    headers: tuple[tuple[str, str], ...] = ()  #: sent with every probe (secrets are masked in every report)
    transport: str = "auto"  #: "auto" (= "socket", checker/http/wire.py) | "httpx"
    #: an ASGI or WSGI application to test in-process (no socket, no server; see checker/http/inprocess.py).
    #: Without a base URL or origin in the plan, probes go to http://testserver + the spec's server path.
    app: Any = None
    #: validate the answers of declared operations against the documented responses (openapi-core, imported
    #: only then: checker/validate_responses.py); rules response-not-documented and response-schema-mismatch
    validate_responses: bool = False


def load(source: str, options: LoadOptions | None = None) -> Spec:
    """Load an OpenAPI document (a file path or an http(s) URL). Raises :class:`Conform405Error` (a ``SpecError``)."""
    return load_spec(source, options)


def check(spec: str | Spec, *, base_url: str | None = None, app: Any = None, plan: PlanOptions | None = None,
          options: RunOptions | None = None) -> Report:
    """Load (unless given a :class:`Spec`), plan and run in one call, against ``base_url`` or an in-process ``app``.

    ``plan`` and ``options`` refine what and how (their own ``base_url`` / ``app`` are used when the keyword
    arguments are not given)."""
    loaded = load(spec) if isinstance(spec, str) else spec
    plan_options = plan or PlanOptions()
    if base_url is not None:
        plan_options = replace(plan_options, base_url=base_url)
    run_options = options or RunOptions()
    if app is not None:
        run_options = replace(run_options, app=app)
    return run(build_plan(loaded, plan_options), run_options)


def load_app(ref: str) -> Any:
    """Import an application from ``"module:attribute"`` (the current directory first on ``sys.path``)."""
    from .http.inprocess import load_app as _load_app

    return _load_app(ref)


def run(plan: Plan, options: RunOptions | None = None, progress: Callable[[Observation], None] | None = None) -> Report:
    """Probe ``plan`` and judge it. Ctrl-C / SIGTERM end the run early with a report marked incomplete."""
    return run_coroutine(run_async(plan, options, progress))


def run_coroutine(coro: Any) -> Any:
    """``asyncio.run(coro)``, without Python 3.11's repr of the result on the way out.

    On 3.11, ``asyncio.Runner.close`` looks the SIGINT handler up in an enum, fails, and formats the
    failure with ``repr()`` of the main task -- which includes ``repr()`` of its result: a whole report,
    tens of thousands of exchanges, 0.1-0.3 s for a large spec. The result travels beside the task instead.
    """
    box: list[Any] = []

    async def main() -> None:
        box.append(await coro)

    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main())
    return box[0]


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (a core dependency except on Windows), else asyncio's own.

    A probe run is CPU-bound in the client (checker/http/wire.py): uvloop's loop, written in C over libuv, takes
    about a tenth less time per request than asyncio's selector loop (README, "Performance"). Nothing else
    changes: the protocols, transports and timers are asyncio's interfaces. ``CONFORM405_LOOP=asyncio`` keeps
    asyncio's loop (to tell a loop's fault from conform405's).
    """
    if os.environ.get("CONFORM405_LOOP", "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


class RunInterrupted(Exception):
    """Raised (with the partial report) when the run was interrupted by a signal."""

    def __init__(self, report: Report) -> None:
        super().__init__("interrupted")
        self.report = report


class RunCrashed(Exception):
    """Raised (with the report of what was gathered) when a bug in conform405 stopped the run."""

    def __init__(self, error: BaseException, report: Report) -> None:
        super().__init__(f"{error.__class__.__name__}: {error}")
        self.error = error
        self.report = report


def _with_stability(judge_options: JudgeOptions, observations: list[Observation]) -> JudgeOptions:
    """Findings on a path whose answer is unstable are set aside (checker/rules/stability.py)."""
    from .rules.stability import ignores_for

    extra = ignores_for(observations)
    return replace(judge_options, ignores=judge_options.ignores + extra) if extra else judge_options


class RunUnreachable(TargetUnreachable):
    def __init__(self, error: TargetUnreachable, report: Report) -> None:
        super().__init__(error.message, error.where)
        self.report = report


async def run_async(plan: Plan, options: RunOptions | None = None,
                    progress: Callable[[Observation], None] | None = None) -> Report:
    options = options or RunOptions()
    plan, options = _in_process(plan, options)
    if options.validate_responses and options.judge.response_validator is None:
        from .validate_responses import ResponseValidator

        options = replace(options, judge=replace(options.judge, response_validator=ResponseValidator(plan.spec)))
    started_wall = _dt.datetime.now(_dt.timezone.utc)
    t0 = time.perf_counter()
    headers, masked = _headers(options.headers)
    sink: list[Observation] = []
    client = HttpClient(options.limits, headers=headers, transport=options.transport, app=options.app, masked=masked)
    result: ProbeResult | None = None
    incomplete: str | None = None
    interrupted = False
    unreachable: TargetUnreachable | None = None
    crashed: Exception | None = None
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    installed = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, task.cancel)  # type: ignore[union-attr]
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or Windows
            pass
    early = _EarlyJudge(plan, options) if plan.options.examples == 1 else None
    judged: dict[str, PathJudgement] = {}
    try:
        async with client:
            try:
                result = await probe(plan, client, options.probe, progress, sink,
                                     path_done=early.path_done if early else None)
            finally:
                judged = early.stop() if early else {}
            incomplete = result.incomplete
            if plan.options.examples > 1 and options.app is None and not incomplete and result.values is not None:
                await _shrink(plan, result, client, headers, masked, options)  # checker/shrink.py
    except asyncio.CancelledError:
        interrupted = True
        incomplete = "interrupted (Ctrl-C or SIGTERM)"
        if task is not None:
            task.uncancel()
    except TargetUnreachable as exc:
        unreachable = exc
        incomplete = f"target unreachable: {exc}"
    except Exception as exc:  # noqa: BLE001 - a bug: keep what was gathered, the CLI exits 70
        crashed = exc
        incomplete = f"internal error in conform405: {exc.__class__.__name__}: {exc}"
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
            if callable(previous[sig]) or previous[sig] in (signal.SIG_IGN, signal.SIG_DFL):
                signal.signal(sig, previous[sig])  # the host's own handler, as it was (asyncio resets to the default)
    observations = sorted(sink, key=observation_order(plan)) if result is None else result.observations
    try:
        report = make_report(plan, observations, options, started_wall, time.perf_counter() - t0, client.sent, incomplete,
                             judged=judged if result is not None and not incomplete else None)
        if result is not None and result.sampling is not None:
            from .adaptive import note as sampling_note

            report.sampling = result.sampling
            if (said := sampling_note(result.sampling)) is not None:
                report.notes.append(said)
    except Exception as exc:  # noqa: BLE001 - a bug in judging: the answers gathered are still reported, unjudged
        crashed = crashed or exc
        report = _unjudged_report(plan, observations, options, started_wall, time.perf_counter() - t0, client.sent,
                                  f"internal error in conform405 while judging: {exc.__class__.__name__}: {exc}")
    if result is not None and result.values is not None:  # parameters whose schema could not be used
        report.notes.extend(result.values.fallback_notes())
    if client.transport_name:
        report.target["transport"] = client.transport_name
    if options.app is not None:
        _host_refused_note(report)
    validator = options.judge.response_validator
    if validator is not None and not validator.supported:
        report.notes.append(f"--validate-responses: OpenAPI {validator.family} documents are not validated (openapi-core reads 3.x)")
    elif validator is not None and validator.failures:
        report.notes.append(f"--validate-responses: {len(validator.failures)} answer(s) could not be validated "
                            f"(openapi-core failed on the document), e.g. {validator.failures[0]}")
    if interrupted:
        raise RunInterrupted(report)
    if unreachable is not None:
        raise RunUnreachable(unreachable, report)
    if crashed is not None:
        raise RunCrashed(crashed, report) from crashed
    return report


def judge_path_now(pp, observations: list[Observation], order: Callable[[Observation], tuple],
                   judge_options: JudgeOptions) -> PathJudgement:
    """One path judged from its own observations, exactly as :func:`make_report` judges it among all."""
    observations = sorted(observations, key=order)
    return judge_one(pp, observations, _with_stability(judge_options, observations))


class _EarlyJudge:
    """Judges each path as soon as its probes are all answered, while the run goes on probing others.

    Judging is CPU work and a run spends most of its time waiting for the server: a path judged between
    two answers costs no wall time (about 0.15 s of a GitHub-sized run). Each path is judged exactly as
    :func:`make_report` would (the same observations in the same order, the path's own unstable-answer
    ignores); the report uses these judgements only for a run that finished normally.
    """

    def __init__(self, plan: Plan, options: RunOptions) -> None:
        self.options = options
        self.by_template = {pp.item.template: pp for pp in plan.paths}
        self.order = observation_order(plan)
        self.queue: collections.deque[tuple[str, list[Observation]]] = collections.deque()
        self.judged: dict[str, PathJudgement] = {}
        self.wake = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._work())

    def path_done(self, template: str, observations: list[Observation]) -> None:
        if template in self.by_template:
            self.queue.append((template, observations))
            self.wake.set()

    async def _work(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.queue:
                template, observations = self.queue.popleft()
                try:
                    self.judged[template] = judge_path_now(self.by_template[template], observations, self.order,
                                                           self.options.judge)
                except Exception:  # noqa: BLE001 - a bug in a rule: make_report judges the path again and reports it
                    pass
                await asyncio.sleep(0)  # the answers waiting come first

    def stop(self) -> dict[str, PathJudgement]:
        # let go of the task: its cancellation's traceback holds this object's frame, and through it this object --
        # which must not hold the task in turn (a cycle only the collector would free, every observation with it)
        task, self.task = self.task, None
        if task is not None:
            task.cancel()
        return self.judged


async def _shrink(plan: Plan, result: ProbeResult, client: HttpClient, headers: dict[str, str], masked: set[str],
                  options: RunOptions) -> None:
    """Where a cell's verdict differs between examples, add the smallest failing request (checker/shrink.py)."""
    from .shrink import ShrinkOptions, shrink

    left = None if options.probe.max_requests is None else options.probe.max_requests - client.sent
    if left is not None and left <= 0:
        return
    limits = options.limits
    shrink_options = ShrinkOptions(timeout=limits.timeout, max_body=limits.max_body, max_hops=limits.max_hops,
                                   seed=options.probe.seed, max_requests=left)
    extra, sent = await asyncio.to_thread(shrink, plan, list(result.observations), result.values, headers, masked,
                                          options.judge, shrink_options)
    result.observations.extend(extra)
    client.sent += sent


def make_report(plan: Plan, observations: list[Observation], options: RunOptions, started: _dt.datetime,
                duration: float, sent: int, incomplete: str | None,
                judged: dict[str, PathJudgement] | None = None) -> Report:
    j = judge(plan, observations, _with_stability(options.judge, observations), judged)
    try:  # the serving stack's own fix (checker/stacks/): a convenience, never worth the judgement
        from .stacks import annotate

        j.findings = annotate(j.findings, observations, {(c.path, c.method) for c in plan.cells if c.declared})
    except Exception:  # noqa: BLE001
        pass
    spec = plan.spec
    base = plan.options.base_url or plan.options.origin or (plan.paths[0].url if plan.paths else None)
    target = {"base_url": plan.options.base_url or plan.options.origin or _origin_of(base), "app": bool(options.app),
              "methods": list(plan.methods), "examples": plan.options.examples, "seed": options.probe.seed}
    from .shard import shard_info

    if (shard := shard_info(plan)) is not None:  # a shard's report says which one it is, for 'conform405 merge'
        target["shard"] = shard
    return Report(
        tool={"name": "conform405", "version": __version__},
        spec=_spec_info(spec),
        target=target,
        findings=j.findings,
        matrix=j.matrix,
        ignored=j.ignored,
        started=started.isoformat(timespec="seconds"),
        duration_s=duration,
        requests_sent=sent,
        incomplete=incomplete,
        notes=list(plan.warnings) + withheld_note(j.matrix),
        spec_problems=[{"pointer": p.pointer, "message": p.message, "file": p.file, "line": p.line} for p in spec.problems],
        locations=lazy_spec_locations(plan, j.findings + [f for f, _ in j.ignored]),
        writes_sent=writes_sent(observations, plan),
    )


def _unjudged_report(plan: Plan, observations: list[Observation], options: RunOptions, started: _dt.datetime,
                     duration: float, sent: int, incomplete: str) -> Report:
    """The report of a run whose judging failed: every cell with what it got, verdict ``inconclusive``."""
    got = {(o.path, o.method): o for o in observations if o.role == "probe"}
    matrix = []
    for cell in plan.cells:
        o = got.get((cell.path, cell.method))
        final = o.final if o is not None else None
        matrix.append({"path": cell.path, "method": cell.method, "declared": cell.declared, "implied": cell.implied,
                       "url": (o.url if o is not None else None) or cell.url, "status": final.status if final else None,
                       "statuses": None, "allow": final.header("allow") if final else None,
                       "redirects": max(0, len(o.chain) - 1) if o is not None else 0, "verdict": "inconclusive",
                       "reason": "not judged: internal error in conform405", "rules": []})
    spec = plan.spec
    return Report(tool={"name": "conform405", "version": __version__}, spec=_spec_info(spec),
                  target={"base_url": plan.options.base_url or plan.options.origin, "app": bool(options.app),
                          "methods": list(plan.methods), "examples": plan.options.examples, "seed": options.probe.seed},
                  findings=[], matrix=matrix, started=started.isoformat(timespec="seconds"), duration_s=duration,
                  requests_sent=sent, incomplete=incomplete, notes=list(plan.warnings),
                  writes_sent=writes_sent(observations, plan))


def _in_process(plan: Plan, options: RunOptions) -> tuple[Plan, RunOptions]:
    """For an in-process app: an origin when the plan has none, and no probe that needs a real socket."""
    if options.app is None:
        return plan, options
    if not plan.options.base_url and not plan.options.origin:
        from .http.inprocess import APP_ORIGIN

        plan = build_plan(plan.spec, replace(plan.options, origin=APP_ORIGIN))
    if getattr(options.probe, "head_raw", False):  # the raw-socket HEAD probe has no socket to go to
        options = replace(options, probe=replace(options.probe, head_raw=False))
    return plan, options


def _host_refused_note(report: Report) -> None:
    """In-process, a 400 to every declared GET is most likely the app refusing the Host header (Django's
    ALLOWED_HOSTS, Starlette's TrustedHostMiddleware), not method drift: say so."""
    gets = [row["status"] for row in report.matrix if row["method"] == "GET" and row.get("declared")]
    if gets and all(status == 400 for status in gets):
        host = urlparse(report.target.get("base_url") or "").netloc or "testserver"
        report.notes.append(f"every declared GET answered 400 in-process: the app may refuse the Host {host!r} "
                            "(Django's ALLOWED_HOSTS, TrustedHostMiddleware); allow it, or give --origin with a host it accepts")


def plan_report(plan: Plan) -> dict[str, Any]:
    return plan.to_dict()


def _spec_info(spec: Spec) -> dict[str, Any]:
    return {"location": spec.location, "file": display(spec.uri), "version": spec.version, "title": spec.title,
            "paths": len(spec.paths), "operations": spec.operation_count}


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    p = urlparse(url)
    return f"{p.scheme}://{p.netloc}" if p.scheme else None


def _headers(pairs: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], set[str]]:
    out: dict[str, str] = {}
    masked: set[str] = set()
    for name, value in pairs:
        out[name.lower()] = value
        if is_secret_header(name):
            masked.add(name.lower())
    return out, masked

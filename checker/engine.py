"""The probe engine: a plan in, observations out. Sends; never judges.

For every path it makes two sets of parameter values per example: *real* ones (user,
examples, ids discovered from the parent collection) for safe methods, and *generated*
ones for state-changing methods, so that a DELETE probe never names a real row unless
``--use-real-ids`` says so. When the two differ, a *control* GET on the generated URL
lets the rules tell a router's 404 from a resource's 404.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import inspect
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Coroutine, Iterable, Iterator
from urllib.parse import urlencode, urlparse

from .errors import TargetUnreachable
from .http.client import HttpClient
from .http.redirects import PROFILE_ROLE, HopCheck, explore, has_redirect, profile_tag, walk
from .observe import Exchange, Observation
from .options import ProbeOptions
from .plan import Cell, PathPlan, Plan
from .adaptive import STABILITY, STABILITY_RULES, UNROUTED, Sampler, answer_key, carry_key, unrouted_url
from . import probes
from .probes import ProbeContext
from .rules.stability import REPEAT_ROLE
from .spec.model import SAFE_METHODS
from .spec.paths import fill, template_names
from .values import ValueSource, plan_items
from .writes import WITHHELD_TAG, WRITE_ORDER, first_match, inert_value, inert_values, parse_rules, redirect_only

#: Answers that show no handler acted on a request: a router's 404, 405, 501.
_REFUSED = frozenset({404, 405, 501})
_RANK = {m: n for n, m in enumerate(WRITE_ORDER)}


def _questions(families: Iterable[Any], options: ProbeOptions) -> dict[str, tuple[str, ...]]:
    """The stack-level questions a run samples (checker/adaptive.py) and the rules that judge each one."""
    out = {f.name: f.rules for f in families if f.stack_level}
    if options.repeats:
        out[STABILITY] = STABILITY_RULES
    return out


def _no_hop(url: str, nxt: str) -> bool:
    """A declared write sent to a bare slash redirect: its hop would reach the handler. Never."""
    return False


def _twin_hop(url: str, nxt: str) -> bool:
    """A declared write sent because its ids name nothing is carried on only to the slash twin of its URL
    (the same name, spelled as the router wants): anywhere else it could name something."""
    from .spec.paths import twin_url

    return twin_url(url) == nxt


def _write_rank(method: str, index: int) -> int:
    """Where a state-changing cell goes in its path's sequence: PUT, PATCH, POST, DELETE, then the others."""
    return _RANK.get(method, len(_RANK))


def _not_inert(vals: dict[str, str], sources: dict[str, str]) -> str:
    bad = next((k for k, v in vals.items() if not inert_value(v, sources.get(k, ""))), None)
    if bad is None:
        return "no path value"
    return f"{{{bad}}}={vals[bad]} ({sources.get(bad) or 'given'}) may name a real row"


@dataclass(frozen=True)
class _Later:
    """A path's state-changing job, handed out once its safe jobs have had time to finish (``jobs()``)."""

    job: Coroutine[Any, Any, None]


class _Phase:
    """The safe probes of one path: ``done`` is set once each has finished (none left, none to come)."""

    def __init__(self) -> None:
        self.pending = 0
        self.closed = False
        self.done = asyncio.Event()

    def wrap(self, job: Coroutine[Any, Any, Any]) -> Coroutine[Any, Any, None]:
        self.pending += 1
        return self._run(job)

    async def _run(self, job: Coroutine[Any, Any, Any]) -> None:
        try:
            await job
        finally:
            self.pending -= 1
            if self.closed and not self.pending:
                self.done.set()

    def close(self) -> None:
        self.closed = True
        if not self.pending:
            self.done.set()


@dataclass
class ProbeResult:
    observations: list[Observation]
    requests_sent: int
    incomplete: str | None = None  #: why the run stopped early, if it did
    values: ValueSource | None = None
    elapsed: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: which paths each stack-level question was asked of and which inferred (checker/adaptive.py)
    sampling: dict[str, Any] | None = None


class _Budget:
    def __init__(self, options: ProbeOptions) -> None:
        self.started = time.monotonic()
        self.deadline = self.started + options.max_time if options.max_time else None
        self.max_requests = options.max_requests
        self.used = 0
        self.reason: str | None = None
        self.interval = 1.0 / options.rate_limit if options.rate_limit else 0.0
        self._next_slot = self.started
        self._lock = asyncio.Lock()
        self.pause_until = 0.0  #: a 429/503 Retry-After holds every new request until then
        self.paused = 0.0  #: seconds of such holds so far (at most ProbeOptions.retry_after_cap in a run)

    def extend(self, seconds: float) -> None:
        """Move the deadline ``seconds`` later: time the run spent on preparation that --max-time does not count."""
        if self.deadline is not None:
            self.deadline += seconds

    def remaining(self) -> float | None:
        """Seconds left before --max-time (None: no deadline)."""
        return None if self.deadline is None else self.deadline - time.monotonic()

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline and self.time_up()

    def time_up(self) -> bool:
        """The run's reason: --max-time (unless it already had one). True."""
        self.reason = self.reason or "the run reached --max-time"
        return True

    def pause(self, seconds: float, cap: float) -> bool:
        """Hold every new request for ``seconds`` (a Retry-After); False when that would take the run's total
        of such waits past ``cap``: a server that asks for a pause on every answer does not stall the run."""
        now = time.monotonic()
        added = max(0.0, now + seconds - max(self.pause_until, now))
        if self.paused + added > cap:
            return False
        self.paused += added
        self.pause_until = max(self.pause_until, now + seconds)
        return True

    def take_now(self) -> bool | None:
        """:meth:`take` without awaiting, when nothing has to wait (no rate limit, no pause): True or False;
        None when the caller must ``await take()``."""
        if self.interval or self.pause_until:
            return None
        return self._admit()

    def _admit(self) -> bool:
        """Count one request against the bounds: False (and the run's reason set) once a bound is reached."""
        if self.reason or self.expired():
            return False
        if self.max_requests is not None and self.used >= self.max_requests:
            self.reason = f"the run reached --max-requests ({self.max_requests})"
            return False
        self.used += 1
        return True

    async def take(self) -> bool:
        if self.reason:
            return False
        if self.pause_until > time.monotonic():
            await asyncio.sleep(self.pause_until - time.monotonic())
        if not self._admit():
            return False
        if self.interval:
            async with self._lock:
                now = time.monotonic()
                wait = self._next_slot - now
                self._next_slot = max(now, self._next_slot) + self.interval
            if wait > 0:
                left = self.remaining()
                if left is not None and wait >= left:  # the slot comes after the deadline: never sent
                    self.used -= 1
                    return not self.time_up()
                await asyncio.sleep(wait)
                if self.reason or self.expired():
                    self.used -= 1
                    return False
        return True


async def probe(
    plan: Plan,
    client: HttpClient,
    options: ProbeOptions | None = None,
    progress: Callable[[Observation], None] | None = None,
    sink: list[Observation] | None = None,
    path_done: Callable[[str, list[Observation]], None] | None = None,
) -> ProbeResult:
    """Send every probe of ``plan``; observations accumulate in ``sink`` as they arrive (so an
    interrupted run still has them). Raises :class:`TargetUnreachable` when the first answers
    show that nothing listens at the target."""
    options = options or ProbeOptions()
    started = time.perf_counter()
    run = _Run(plan, client, options, progress, sink, path_done)
    await run.discover()  # 1. a real id from each parent collection's GET, for the safe probes
    await run.probe_paths()  # 2. every path's safe cells, then the extra probes (a sample of them) and the writes
    run.observations.sort(key=observation_order(plan))
    run.works.clear()  # its jobs hold the run's own methods (a cycle): let go, the run is freed by reference counting
    return ProbeResult(run.observations, client.sent, run.budget.reason, run.values, time.perf_counter() - started,
                       sampling=run.sampler.summary() if run.sampler is not None else None)


@dataclass
class _Example:
    """One example of a path: the *real* values its safe methods use, the *generated* ones its state-changing
    methods use (each with its sources and the error that kept it from being drawn), and the requests its cells
    were given (the extra probes of checker/probes/__init__.py build on them)."""

    index: int
    real_vals: dict[str, str]
    real_src: dict[str, str]
    real_err: str | None
    gen_vals: dict[str, str]
    gen_src: dict[str, str]
    gen_err: str | None
    inert: bool  #: the generated values name nothing (checker/writes.py)
    urls: _Urls
    cell_requests: dict[str, tuple[str, dict[str, str], bytes | None]] = field(default_factory=dict)
    #: the extra probes of the families, built once the cells are (family name -> its probes)
    extras: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class _PathWork:
    """One path between its stages: its examples and the state-changing jobs that wait for its last safe probe."""

    pp: PathPlan
    examples: list[_Example] = field(default_factory=list)
    writes: list[_Write] = field(default_factory=list)


#: a path's state-changing job, made when its turn comes: (its place in the path's sequence, make it)
_Write = tuple[int, Callable[[], Coroutine[Any, Any, Any]]]


class _Run:
    """One run of :func:`probe`: the state its steps share -- the plan, the client, the options, the values
    drawn, the budget, the observations so far -- and the steps, top-down:

    * :meth:`discover` -- a real id from each parent collection's GET (:meth:`discover_parent`);
    * :meth:`probe_paths` -- three rounds over the paths: every path's first stage (the first job alone: a dead
      target is told apart in one request), the sample's last stage, then every other path's last stage;
    * :meth:`jobs` -- the jobs of one round in plan order, each path's state-changing job held back a little;
    * :meth:`cell_stage` -- a path's first stage: per example (:meth:`example`) its safe cells (:meth:`cell_jobs`)
      and its control GET (:meth:`control_job`); its families' probes are built (:meth:`build_extras`);
    * the sample (checker/adaptive.py): which stack-level questions each path is asked, from the cells' answers
      (:meth:`applies`), then where the sample's answers (:meth:`answers`, :meth:`sample_findings`) extend them;
    * :meth:`finish_stage` -- a path's last stage: the families' probes it is asked (:meth:`extra_jobs`) and
      its stability repeats (:meth:`repeat_job`), then its writes in a fixed order;
    * :meth:`run_probe` -- one probe and what follows it (redirect profiles), each :meth:`record`-ed;
    * :meth:`send_chain` (redirects) over :meth:`send_one` (retries, Retry-After) over :meth:`send_once`
      (the budget) -- or :meth:`send_raw` for the raw-socket probes.
    """

    def __init__(self, plan: Plan, client: HttpClient, options: ProbeOptions,
                 progress: Callable[[Observation], None] | None, sink: list[Observation] | None,
                 path_done: Callable[[str, list[Observation]], None] | None) -> None:
        self.plan, self.client, self.options = plan, client, options
        self.progress, self.path_done = progress, path_done
        self.values = ValueSource(plan.spec, seed=options.seed, user=dict(options.path_params),
                                  examples=plan.options.examples)
        self.budget = _Budget(options)
        # a shard (checker/shard.py) draws values for the whole plan, so its requests are the unsharded run's.
        # Drawn when first needed (at the latest once the first probe is answered: probe_paths), so the first
        # request does not wait for hypothesis; the drawing does not count against --max-time, as when it
        # came before the budget's clock started.
        self.values.prepare_later(plan_items(plan), done=self.budget.extend)
        self.observations: list[Observation] = sink if sink is not None else []
        self.by_path: dict[str, list[Observation]] = {}  #: every observation of each path
        self.outstanding: dict[str, int] = {}  #: path template -> its jobs made and not finished yet
        self.made: set[str] = set()  #: paths whose jobs are all made
        #: a path's cell probes, for its state-changing phase
        self.by_example: dict[tuple[str, int], list[Observation]] = {}
        self.max_hops = client.limits.max_hops
        # set by probe_paths, once the discovery is done
        self.deny: tuple[Any, ...] = ()  #: the configuration's [writes] deny rules
        self.pp_of: dict[str, PathPlan] = {}
        self.families: dict[str, Any] = {}  #: name -> the probe family (checker/probes/__init__.py)
        self.sample_rules: dict[str, set[str]] = {}  #: a sampled path -> the rule IDs of its findings
        self.works: dict[str, _PathWork] = {}
        self.sampler: Sampler | None = None

    # -- recording -----------------------------------------------------------------------------------
    def record(self, obs: Observation) -> None:
        self.observations.append(obs)
        if obs.role == "probe":
            self.by_example.setdefault((obs.path, obs.example), []).append(obs)
        self.by_path.setdefault(obs.path, []).append(obs)

    def observations_of(self, template: str, example: int) -> list[Observation]:
        return self.by_example.get((template, example), [])

    def maybe_done(self, template: str) -> None:
        """``path_done`` once every job of the path has been made and has finished (its observations complete)."""
        if self.path_done is not None and template in self.made and not self.outstanding.get(template):
            self.path_done(template, self.by_path.get(template, []))

    async def tracked(self, template: str, job: Coroutine[Any, Any, None]) -> None:
        await job
        self.outstanding[template] -= 1
        self.maybe_done(template)

    # -- sending -------------------------------------------------------------------------------------
    async def send_once(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Exchange | None:
        budget = self.budget
        taken = budget.take_now()
        if not (taken if taken is not None else await budget.take()):
            return None
        left = budget.remaining()
        ex = await self.client.send(method, url, headers, body, timeout=left)
        if ex.status is None and (budget.expired() or self.cut_by_max_time(left, ex)):
            return None  # cut off by --max-time: reported as not sent (the run's reason), not as a server fault
        return ex

    def cut_by_max_time(self, left: float | None, ex: Exchange) -> bool:
        """The request timed out on the deadline --max-time gave it (shorter than --timeout). Asked besides the
        budget's own clock: the request's deadline is kept on the event loop's, which may run a few milliseconds
        behind time.monotonic() (uvloop's is libuv's cached, coarse time), so it can fire just before the budget
        says the run's time is up."""
        if left is None or left >= self.client.limits.timeout or not (ex.error or "").startswith(("timeout", "connect: timeout")):
            return False
        return self.budget.time_up()

    async def send_one(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> Exchange | None:
        """One request, with the politeness rules: a safe method whose connection failed is re-sent (never a
        state-changing one); a 429/503 Retry-After within the cap and the deadline holds every new request
        until then, and a safe method is re-sent once after it."""
        options = self.options
        ex = await self.send_once(method, url, headers, body)
        if ex is None or (ex.status is not None and ex.status != 429 and ex.status != 503):
            return ex  # the common case: an answer, nothing to wait for or re-send
        safe = method.upper() in SAFE_METHODS
        tries = 0
        while (ex is not None and safe and tries < options.retries and ex.status is None
               and (ex.error or "").startswith(("connect", "reset"))):
            tries += 1
            ex = await self.send_once(method, url, headers, body) or ex
        if ex is not None and ex.status in (429, 503):
            wait = retry_after(ex.header("retry-after"))
            left = self.budget.remaining()
            if (wait is not None and wait <= options.retry_after_cap and (left is None or wait < left)
                    and self.budget.pause(wait, options.retry_after_cap)):
                if safe:
                    ex = await self.send_once(method, url, headers, body) or ex
        return ex

    async def send_chain(self, method: str, url: str, headers: dict[str, str], body: bytes | None,
                         may_hop: HopCheck | None = None) -> tuple[Exchange, ...]:
        return _kept(await walk(self.send_one, method, url, headers, body, self.max_hops, self.options.client, may_hop))

    async def send_raw(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> tuple[Exchange, ...]:
        from .http.raw import send_raw as raw_send

        if getattr(self.client, "_app", None) is not None or not await self.budget.take():
            return ()  # in-process application: there is no socket to read raw
        return _kept((await raw_send(self.client, method, url, headers, body),))

    async def run_probe(self, obs_args: dict[str, Any], method: str, url: str, headers: dict[str, str],
                        body: bytes | None, raw: bool = False, may_hop: HopCheck | None = None) -> Observation:
        """Send one probe and record it, then, when it was redirected, every client profile's chain."""
        options = self.options
        chain = (await self.send_raw(method, url, headers, body) if raw
                 else await self.send_chain(method, url, headers, body, may_hop))
        obs = Observation(
            chain=chain,
            skipped=None if chain else (self.budget.reason or "not sent"),
            method=method,
            **obs_args,
        )
        self.record(obs)
        if obs_args.get("role") == "probe" and has_redirect(chain):
            # every client profile's whole chain (checker/http/redirects.py): shared requests sent once
            for names, pchain in await explore(self.send_one, method, url, headers, body, self.client.limits.max_hops,
                                               options.client, seed=chain, may_hop=may_hop):
                self.record(Observation(chain=pchain.exchanges, method=method, **{
                    **obs_args, "role": PROFILE_ROLE, "tag": profile_tag(names, pchain.stop, options.client)}))
        if self.progress:
            self.progress(obs)
        return obs

    # -- 1. discovery --------------------------------------------------------------------------------
    async def discover(self) -> None:
        """A real id from each parent collection's GET, for the safe probes (``values.discovered``)."""
        plan = self.plan
        parents = {p.discovery_parent for p in plan.paths if p.discovery_parent}
        if not parents:
            return
        by_template = {p.item.template: p for p in plan.paths}
        found: dict[str, Any] = {}
        await drain([self.discover_parent(p, by_template, found) for p in sorted(parents)],
                    self.client.limits.concurrency)
        _check_reachable(self.observations, self.client)
        for pp in plan.paths:
            if pp.discovery_parent and found.get(pp.discovery_parent) is not None:
                name = template_names(pp.item.template)[-1]
                value = _find_id(found[pp.discovery_parent], name)
                if value is not None:
                    self.values.discovered.setdefault(pp.item.template, {})[name] = value

    async def discover_parent(self, parent: str, by_template: dict[str, PathPlan], found: dict[str, Any]) -> None:
        plan = self.plan
        pp = by_template.get(parent)
        url = pp.url if pp else None
        if url is None:
            from .plan import server_url

            item = next(i for i in plan.spec.paths if i.template == parent)
            url = server_url(item, plan.spec, plan.options) + parent
        chain = await self.send_chain("GET", url, {"accept": "application/json"}, None)
        self.record(Observation(path=parent, method="GET", role="discovery", example=0, chain=chain,
                                skipped=None if chain else self.budget.reason))
        if chain and chain[-1].status and 200 <= chain[-1].status < 300:
            found[parent] = _json(chain[-1].body)

    # -- 2. probes -----------------------------------------------------------------------------------
    async def probe_paths(self) -> None:
        """Every path's safe cells; then the extra probes -- of every path with --exhaustive, else of a sample per
        stack-level question (checker/adaptive.py) -- and the writes of the sampled paths; then the extra probes
        the sample's answers extend to the other paths, and their writes. The jobs are made as the workers ask
        for them, so making them overlaps the server's work instead of delaying the first request."""
        self.deny = parse_rules(self.plan.options.writes_deny)  # checked (with a clear error) when the plan was built
        self.pp_of = {pp.item.template: pp for pp in self.plan.paths}
        self.families = {f.name: f for f in probes.FAMILIES}  # read at run time: a host may add a family
        workers = self.client.limits.concurrency
        pending = self.jobs((pp.item.template, self.cell_stage(pp), False) for pp in self.plan.paths)
        first = next(pending, None)
        if first is not None:
            try:
                await first  # the first probe alone: a dead target is told apart in one request
                _check_reachable(self.observations, self.client)
                self.values.ready()  # now, while no request is in flight, if making the first job did not need them
            except BaseException:  # unreachable or interrupted: the other probes are never made
                pending.close()
                raise
            await drain(pending, workers)
        sampler = self.sampler = Sampler(_questions(self.families.values(), self.options), self.options.exhaustive,
                                         [f.name for f in self.families.values() if f.before_routing])
        paths = [pp for pp in self.plan.paths if pp.item.template in self.works]
        sample = sampler.choose(paths, self.applies, lambda t: self.by_path.get(t, []), self.informative)
        await drain(self.jobs((t, self.finish_stage(self.works[t], sample.get(t, set())), True)
                              for t in (pp.item.template for pp in paths) if t in sample), workers)
        carry = await self.ask_unrouted(sampler.carry_candidates(self.answers, self.sample_findings))
        extend, carried = sampler.decide(self.answers, self.sample_findings, carry)
        fewer = getattr(self.progress, "fewer", None)
        if fewer is not None:  # a progress bar counts every question of every path (the plan's count): fewer now
            fewer(self.unasked(paths, sample, extend))
        await drain(self.jobs((t, self.finish_stage(self.works[t], extend.get(t, set()), carried.get(t, {})), True)
                              for t in (pp.item.template for pp in paths) if t not in sample), workers)

    def jobs(self, stages: Iterable[tuple[str, Iterator[Coroutine[Any, Any, None]], bool]]
             ) -> Iterator[Coroutine[Any, Any, None]]:
        """The jobs of each path's stage, in plan order; ``last`` marks a path's final stage (its observations are
        complete once its jobs have finished). A path's state-changing job waits for the path's safe jobs: it is
        handed out only after as many other jobs as there are workers, by which time those have most likely
        finished -- a worker that took it earlier would sit idle waiting for them."""
        deferred: collections.deque[tuple[int, str, Coroutine[Any, Any, None]]] = collections.deque()
        given = 0
        lag = max(1, self.client.limits.concurrency)

        def hand_out(template: str, job: Coroutine[Any, Any, None]) -> Coroutine[Any, Any, None]:
            nonlocal given
            self.outstanding[template] = self.outstanding.get(template, 0) + 1
            given += 1
            return self.tracked(template, job)

        def finish(template: str) -> None:
            self.made.add(template)
            self.maybe_done(template)

        try:
            for template, stage, last in stages:
                waits = False
                for job in stage:
                    if isinstance(job, _Later):
                        deferred.append((given, template, job.job))
                        waits = True
                        continue
                    yield hand_out(template, job)
                    while deferred and given - deferred[0][0] >= lag:
                        _, later_template, later_job = deferred.popleft()
                        yield hand_out(later_template, later_job)
                        finish(later_template)
                if last and not waits:
                    finish(template)
            while deferred:
                _, later_template, later_job = deferred.popleft()
                yield hand_out(later_template, later_job)
                finish(later_template)
        finally:  # stopped early (an error, Ctrl-C): the jobs never handed out are closed, not left unawaited
            for _, _, never in deferred:
                close_unstarted(never)

    def cell_stage(self, pp: PathPlan) -> Iterator[Coroutine[Any, Any, None]]:
        """A path's first stage: its safe cells and its control GET, concurrently. Its state-changing cells are
        kept for its last stage (:meth:`finish_stage`), and the families' probes are built on its cells."""
        work = self.works[pp.item.template] = _PathWork(pp)
        for i in range(self.plan.options.examples):
            ex = self.example(pp, i)
            work.examples.append(ex)
            yield from self.cell_jobs(pp, ex, work.writes)
            if pp.hands_off:  # a path naming an action (checker/writes.py): no probe of any family either
                continue
            if not ex.real_err and not ex.gen_err:
                ex.extras = self.build_extras(pp, ex)
            if pp.needs_control and not ex.gen_err and ex.gen_vals != ex.real_vals:
                yield self.control_job(pp, ex)

    def finish_stage(self, work: _PathWork, questions: set[str], carried: dict[str, str] | None = None
                     ) -> Iterator[Coroutine[Any, Any, None]]:
        """A path's last stage: the families' probes it is asked (every family that is not a sampled question,
        and the sampled ``questions``) and its stability repeats, concurrently; then one job that sends its
        state-changing requests one after another in a fixed order, once every safe one has its answer. So no
        safe probe sees what a write did, and no write runs beside another on the same URL (checker/writes.py).
        A ``carried`` question's probes get a sampled path's answer instead (:meth:`carried_over`)."""
        pp = work.pp
        phase = _Phase()
        writes = work.writes
        for ex in work.examples:
            for f in self.families.values():
                if f.stack_level and f.name not in questions:
                    if carried and f.name in carried:
                        yield from self.carried_over(pp, ex, ex.extras.get(f.name, ()), carried[f.name], phase, writes)
                    continue
                yield from self.extra_jobs(pp, ex, ex.extras.get(f.name, ()), phase, writes)
            if STABILITY in questions and self.stability_applies(pp, ex):
                yield phase.wrap(self.repeat_job(pp, ex))
        phase.close()
        if writes:
            writes.sort(key=lambda w: w[0])  # stable: examples and extras keep their order within a rank
            yield _Later(self.state_changing(phase, writes))  # type: ignore[misc]

    # -- 2b. the sample (checker/adaptive.py) ---------------------------------------------------------
    def applies(self, template: str, question: str) -> bool:
        work = self.works[template]
        if question == STABILITY:
            return any(self.stability_applies(work.pp, ex) for ex in work.examples)
        return any(ex.extras.get(question) for ex in work.examples)

    def unasked(self, paths: list[PathPlan], sample: dict[str, set[str]], extend: dict[str, set[str]]) -> int:
        """The requests the sample's answers spared: every stack-level probe of a path that is neither in the
        sample nor extended to (inferred, or carried over), as the plan counted them."""
        spared = 0
        for pp in paths:
            t = pp.item.template
            if t in sample:
                continue
            asked = extend.get(t, set())
            for ex in self.works[t].examples:
                spared += sum(len(extras) for q, extras in ex.extras.items()
                              if q not in asked and self.families[q].stack_level)
                if STABILITY not in asked and self.stability_applies(pp, ex):
                    spared += self.options.repeats
        return spared

    def informative(self, pp: PathPlan, question: str) -> bool:
        f = self.families.get(question)
        return f is None or f.informative is None or f.informative(pp, self.options)

    def stability_applies(self, pp: PathPlan, ex: _Example) -> bool:
        """The GET cell was sent and answered: the repeats of the unstable-answer rule can follow it."""
        if not self.options.repeats or "GET" not in ex.cell_requests:
            return False
        got = next((o for o in self.observations_of(pp.item.template, ex.index) if o.method == "GET"), None)
        return got is not None and got.status is not None

    def answers(self, template: str, question: str) -> tuple | None:
        role = REPEAT_ROLE if question == STABILITY else self.families[question].role
        return answer_key([o for o in self.by_path.get(template, []) if o.role == role], question)

    def sample_findings(self, template: str) -> set[str]:
        """The rule IDs of a sampled path's findings (its probes are all answered by now), judged once for every
        question that reads them."""
        if template not in self.sample_rules:
            from .judge import judge_path

            findings, _, _ = judge_path(self.pp_of[template], self.by_path.get(template, []))
            self.sample_rules[template] = {f.rule for f in findings}
        return self.sample_rules[template]

    async def ask_unrouted(self, candidates: list[tuple[str, tuple, list[str]]]
                           ) -> Callable[[str, tuple, list[str]], str | None]:
        """Where a sample answered a question that can be answered before routing alike and made a finding, the
        same probe at a path no route serves on that server (:func:`unrouted_url`, one request per server and
        question). The ``carry`` of :meth:`Sampler.decide`: the first sampled path, when every sampled path and
        that path got the very same answer (:func:`carry_key`: status, media type, body bytes, no redirect) --
        the server answered before routing, so the key's other paths get it too; else None."""
        asked: dict[tuple[str, str], Observation | None] = {}
        jobs = []
        for question, _, sampled in candidates:
            url = unrouted_url(self.pp_of[sampled[0]])
            extra = next((e for ex in self.works[sampled[0]].examples for e in ex.extras.get(question, ())), None)
            if extra is None or (question, url) in asked:
                continue
            if first_match(self.deny, extra.method, f"/{UNROUTED}", None) is not None:
                continue  # "never send these" names it: not asked, so nothing is carried over
            asked[(question, url)] = None
            jobs.append(self.unrouted_job(question, url, extra, asked))
        await drain(jobs, self.client.limits.concurrency)

        def carry(question: str, key: tuple, sampled: list[str]) -> str | None:
            got = asked.get((question, unrouted_url(self.pp_of[sampled[0]])))
            role = self.families[question].role
            keys = {carry_key(o) for t in sampled for o in self.by_path.get(t, []) if o.role == role}
            return sampled[0] if got is not None and keys == {carry_key(got)} and None not in keys else None
        return carry

    async def unrouted_job(self, question: str, url: str, extra: Any, asked: dict[tuple[str, str], Any]) -> None:
        chain = await self.send_chain(extra.method, url, extra.headers, extra.body, may_hop=_no_hop)
        # recorded (the audit of state-changing requests lists it) under a path no template has: never judged
        obs = Observation(path=f"/{UNROUTED}", method=extra.method, role=extra.role, example=0, tag=extra.tag,
                          chain=chain, skipped=None if chain else (self.budget.reason or "not sent"))
        self.record(obs)
        asked[(question, url)] = obs if chain else None
        if self.sampler is not None:  # the report's sampling block says what was asked and what came back
            self.sampler.questions[question].unrouted.append(
                {"method": extra.method, "url": url, "status": obs.status if chain else None})

    def carried_over(self, pp: PathPlan, ex: _Example, extras: Iterable[Any], source: str, phase: _Phase,
                     writes: list[_Write]) -> Iterator[Coroutine[Any, Any, None]]:
        """A question's probes of one example, answered by inference: each is recorded with this path's request
        and the answer the ``source`` sampled path got to the same probe (``inferred_from``), and judged against
        this path's own cells like any answer. A probe the source has no answer to is sent."""
        for extra in extras:
            got = next((o for o in self.by_path.get(source, ()) if o.role == extra.role and o.example == ex.index
                        and o.tag == extra.tag and o.method == extra.method and carry_key(o) is not None), None)
            if got is None:
                yield from self.extra_jobs(pp, ex, (extra,), phase, writes)
                continue
            safe = extra.method in SAFE_METHODS
            self.record(Observation(
                path=pp.item.template, method=extra.method, role=extra.role, example=ex.index, tag=extra.tag,
                values=ex.real_vals if safe else ex.gen_vals, value_sources=ex.real_src if safe else ex.gen_src,
                chain=(replace(got.chain[0], url=extra.url, elapsed=0.0),), inferred_from=source))

    async def state_changing(self, phase: _Phase, writes: list[_Write]) -> None:
        await phase.done.wait()  # every safe probe of the path has its answer
        for _, make in writes:
            await make()

    def example(self, pp: PathPlan, i: int) -> _Example:
        # a path naming an action (checker/writes.py) takes generated values only, its safe cells too
        real_vals, real_src, real_err = self.values.path_values(pp.item, i, real=not pp.generated_only)
        gen_vals, gen_src, gen_err = self.values.path_values(pp.item, i, real=self.options.use_real_ids)
        inert = not gen_err and inert_values(gen_vals, gen_src)
        return _Example(i, real_vals, real_src, real_err, gen_vals, gen_src, gen_err, inert, _Urls(pp.url))

    def cell_jobs(self, pp: PathPlan, ex: _Example, writes: list[_Write]) -> Iterator[Coroutine[Any, Any, None]]:
        """The cells of one example: a safe one is a job of the path's first stage, a state-changing one joins
        ``writes``; one withheld (it could change data) is recorded as not sent, or, when it is a redirect
        probe, waits to see whether nothing is routed at its URL (:meth:`redirect_probe`)."""
        i = ex.index
        for n, cell in enumerate(pp.cells):
            vals, src, err = (ex.real_vals, ex.real_src, ex.real_err) if cell.safe else (ex.gen_vals, ex.gen_src, ex.gen_err)
            base = {"path": cell.path, "role": "probe", "example": i, "values": vals, "value_sources": src}
            if err:
                self.record(Observation(method=cell.method, skipped=err, **base))
                continue
            withheld = cell.withheld
            if withheld is None and cell.inert_only and not ex.inert:
                # the plan expected generated ids that name nothing; the values drawn could name a real row
                withheld = f"not sent: could change data: {_not_inert(ex.gen_vals, ex.gen_src)} (--allow-writes sends it)"
            if withheld is not None:
                if cell.redirect_probe and not err:
                    rv = _request(cell, pp, self.values, ex.urls.of(vals), i, self.options)
                    writes.append((_write_rank(cell.method, n),
                                   functools.partial(self.redirect_probe, base, cell, rv, withheld, i)))
                else:
                    self.record(Observation(method=cell.method, skipped=withheld, tag=WITHHELD_TAG, **base))
                continue
            rv = _request(cell, pp, self.values, ex.urls.of(vals), i, self.options)
            ex.cell_requests[cell.method] = (rv.url, rv.headers, rv.body)
            hop = _twin_hop if pp.harmless and cell.declared and not cell.safe and not cell.opened else None
            job = functools.partial(self.run_probe, base, cell.method, rv.url, rv.headers, rv.body, may_hop=hop)
            if cell.safe:
                yield job()
            else:
                writes.append((_write_rank(cell.method, n), job))

    def build_extras(self, pp: PathPlan, ex: _Example) -> dict[str, list[Any]]:
        """Every family's probes of one example (checker/probes/__init__.py), by family name."""
        i = ex.index
        get_url = ex.cell_requests["GET"][0] if "GET" in ex.cell_requests else \
            _request(_GET_CELL(pp), pp, self.values, ex.urls.of(ex.real_vals), i, self.options).url
        pctx = ProbeContext(i, get_url, ex.urls.of(ex.gen_vals), self.options, ex.cell_requests, inert=ex.inert)
        return {name: extras for name, f in self.families.items() if (extras := f.factory(pp, pctx))}

    def extra_jobs(self, pp: PathPlan, ex: _Example, extras: Iterable[Any], phase: _Phase, writes: list[_Write]
                   ) -> Iterator[Coroutine[Any, Any, None]]:
        """One family's probes of one example: a safe one is a job of the last stage's safe phase; a
        state-changing one, unless the configuration's [writes] deny names it, joins ``writes`` after the
        cells, gated on the refusals it needs (:meth:`gated_probe`)."""
        i = ex.index
        for extra in extras:
            safe = extra.method in SAFE_METHODS  # state-changing extras use the generated-id URL
            base = {"path": pp.item.template, "role": extra.role, "example": i,
                    "values": ex.real_vals if safe else ex.gen_vals,
                    "value_sources": ex.real_src if safe else ex.gen_src, "tag": extra.tag}
            if safe:
                yield phase.wrap(self.run_probe(base, extra.method, extra.url, extra.headers, extra.body, extra.raw))
            elif (denied := first_match(self.deny, extra.method, pp.item.template, None)) is not None:
                # "never send these": conform405's own probes with that method on that path neither
                self.record(Observation(method=extra.method, skipped=f"not sent: [writes] deny lists {denied.text!r}",
                                        **base))
            else:
                writes.append((len(_RANK) + 1, functools.partial(self.gated_probe, base, extra, i)))

    async def repeat_job(self, pp: PathPlan, ex: _Example) -> None:
        """The unstable-answer rule's samples (checker/rules/stability.py): the GET cell's exact request again,
        ``repeats`` times back to back; the cell's own answer is the first sample."""
        url, headers, body = ex.cell_requests["GET"]
        base = {"path": pp.item.template, "role": REPEAT_ROLE, "example": ex.index, "values": ex.real_vals,
                "value_sources": ex.real_src}
        for k in range(self.options.repeats):
            again = await self.send_chain("GET", url, headers, body)
            if not again:
                break
            self.record(Observation(chain=again, method="GET", **{**base, "tag": str(k + 1)}))

    def control_job(self, pp: PathPlan, ex: _Example) -> Coroutine[Any, Any, Observation]:
        """The control GET on the generated-id URL: tells a router's 404 from a resource's 404."""
        op = pp.item.operations.get("GET")
        query, headers = self.values.required_params(op, ex.index)
        url = _with_query(ex.urls.of(ex.gen_vals), query)
        base = {"path": pp.item.template, "role": "control", "example": ex.index, "values": ex.gen_vals,
                "value_sources": ex.gen_src}
        return self.run_probe(base, "GET", url, headers, None)

    async def redirect_probe(self, base: dict[str, Any], cell: Cell, rv: _Req, withheld: str, i: int) -> None:
        """A withheld write sent only where nothing is routed at its URL (the path's safe probes show it)."""
        safe = [o for o in self.observations_of(base["path"], i) if o.role == "probe" and o.method in SAFE_METHODS]
        if redirect_only(rv.url, safe):
            # nothing is routed at this URL: the redirect answers, no handler runs. No body, and no hop
            # that would carry the method on to the handler at the twin URL.
            headers = {k: v for k, v in rv.headers.items() if not k.lower().startswith("content-")}
            await self.run_probe(base, cell.method, rv.url, headers, None, may_hop=_no_hop)
        else:
            self.record(Observation(method=cell.method, skipped=withheld, tag=WITHHELD_TAG, **base))

    async def gated_probe(self, base: dict[str, Any], extra: Any, i: int) -> None:
        """A state-changing extra probe, sent only when the methods it names were refused on this URL."""
        for m in extra.only_if_refused:
            got = next((o for o in self.observations_of(base["path"], i) if o.role == "probe" and o.method == m), None)
            if got is None or got.status not in _REFUSED:
                why = "got no answer" if got is None or got.status is None else f"answered {got.status}"
                self.record(Observation(method=extra.method, skipped=f"not sent: {m} on this URL {why}, not a refusal: "
                                        f"this probe could act", **base))
                return
        if extra.only_if_unlike and self.alike(base["path"], extra.role, i, extra.only_if_unlike):
            return  # its answer is known already: neither sent nor recorded (nor counted by the plan)
        if extra.cell_answer:
            cell = next((o for o in self.observations_of(base["path"], i)
                         if o.role == "probe" and o.method == extra.method and o.chain), None)
            if cell is not None:  # the very same request was the cell's: its answer, not a second POST
                self.record(Observation(chain=cell.chain, method=extra.method, **base))
                return
        pp = self.pp_of[base["path"]]
        declared = extra.method in pp.item.operations and pp.harmless
        await self.run_probe(base, extra.method, extra.url, extra.headers, extra.body, extra.raw,
                             may_hop=_twin_hop if declared else None)

    def alike(self, template: str, role: str, example: int, tags: tuple[str, str]) -> bool:
        """The path's probes of ``role`` tagged ``tags`` (same example) were both answered, with the same status."""
        statuses = []
        for t in tags:
            got = next((o for o in self.by_path.get(template, ()) if o.role == role and o.example == example
                        and o.tag == t), None)
            if got is None or got.status is None:
                return False
            statuses.append(got.status)
        return statuses[0] == statuses[1]


async def drain(jobs: Iterable[Coroutine[Any, Any, None]], workers: int) -> None:
    """Await every coroutine of ``jobs`` with at most ``workers`` running at once: the run's concurrency.

    A job sends its requests one after another (a probe, its repeats, its redirect profiles), so
    ``workers`` jobs in flight are at most ``workers`` requests in flight -- without a task and a
    semaphore wait per request. Jobs never started (an error, Ctrl-C) are closed, not left pending.
    """
    pending = iter(jobs)

    async def worker() -> None:
        for job in pending:
            await job

    count = len(jobs) if isinstance(jobs, (list, tuple)) else workers
    try:
        await asyncio.gather(*(worker() for _ in range(max(1, min(workers, count)))))
    finally:
        if inspect.isgenerator(pending):
            # a generator makes its jobs on demand: closing it makes no more (its own finally closes what it
            # holds back). Pulling the rest only to close them would make wrappers (_Run.tracked, _Phase._run)
            # whose wrapped coroutine is then never awaited: a RuntimeWarning per job on Ctrl-C.
            pending.close()
        else:
            for never_started in pending:
                close_unstarted(never_started)


def close_unstarted(coro: Coroutine[Any, Any, Any]) -> None:
    """Close a coroutine that may never have run, and the coroutines it was given to await (a wrapper's
    argument would otherwise be reported as 'never awaited' when it is collected)."""
    if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
        for value in list(coro.cr_frame.f_locals.values()):
            if inspect.iscoroutine(value):
                close_unstarted(value)
    coro.close()


def observation_order(plan: Plan) -> Callable[[Observation], tuple]:
    """Sort key of a run's observations: plan order of paths, discovery first, then example, role, method."""
    paths = {pp.item.template: n for n, pp in enumerate(plan.paths)}
    methods = {m: n for n, m in enumerate(plan.methods)}
    return lambda o: (paths.get(o.path, -1), o.role != "discovery", o.example, o.role, methods.get(o.method, 99))


@dataclass(frozen=True)
class _Req:
    url: str
    headers: dict[str, str]
    body: bytes | None


class _Urls:
    """A path's URL filled with each set of values, worked out once (the cells of a path share two sets)."""

    def __init__(self, template_url: str) -> None:
        self.template_url = template_url
        self._filled: list[tuple[dict[str, str], str]] = []

    def of(self, vals: dict[str, str]) -> str:
        for known, url in self._filled:
            if known is vals or known == vals:
                return url
        url = fill(self.template_url, vals)
        self._filled.append((vals, url))
        return url


def _request(cell: Cell, pp: PathPlan, values: ValueSource, url: str, index: int, options: ProbeOptions) -> _Req:
    ops = pp.item.operations
    op = ops.get(cell.method) or ops.get("GET") or (next(iter(ops.values())) if ops else None)
    query, headers = values.required_params(op, index)
    body = None
    if cell.declared and op is not None and op.method == cell.method and (cell.safe or options.send_bodies):
        made = values.body(op, index)
        if made is not None:
            body, ctype = made
            headers = {**headers, "content-type": ctype}
    return _Req(_with_query(url, query), headers, body)


def _GET_CELL(pp: PathPlan) -> Cell:
    return Cell(pp.item.template, "GET", "GET" in pp.item.operations, None, pp.url)


def _with_query(url: str, query: dict[str, str]) -> str:
    if not query:
        return url
    return url + ("&" if urlparse(url).query else "?") + urlencode(query)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _find_id(doc: Any, param: str) -> str | None:
    """The id of the first element of a collection answer: ``[{"id": 1}]``, ``{"items": [...]}``."""
    items = None
    if isinstance(doc, list):
        items = doc
    elif isinstance(doc, dict):
        for key in ("items", "data", "results", "records", "values", "content", "list", "entries"):
            if isinstance(doc.get(key), list):
                items = doc[key]
                break
        if items is None:
            lists = [v for v in doc.values() if isinstance(v, list)]
            items = lists[0] if len(lists) == 1 else None
    if not items or not isinstance(items[0], dict):
        return None
    first = items[0]
    base = param.lower().replace("-", "_")
    candidates = [param, base, "id", base.removesuffix("_id"), base.removesuffix("id"), "uuid", "slug", "name", "key"]
    for key in candidates:
        for k, v in first.items():
            if k.lower() == key and isinstance(v, (str, int)) and not isinstance(v, bool) and str(v) != "":
                return str(v)
    return None


#: Body bytes an observation keeps (rules read at most the first 4 KiB; discovery GETs keep the whole
#: --max-body, to parse the collection): a run over 10,000 paths must not hold 64 KiB per answer.
KEEP_BODY = 16 * 1024


def _kept(chain: tuple[Exchange, ...]) -> tuple[Exchange, ...]:
    if len(chain) == 1 and len(chain[0].body) <= KEEP_BODY or not any(len(ex.body) > KEEP_BODY for ex in chain):
        return chain
    return tuple(replace(ex, body=ex.body[:KEEP_BODY], body_truncated=True) if len(ex.body) > KEEP_BODY else ex
                 for ex in chain)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds or an HTTP-date, RFC 9110 §10.2.3), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        from email.utils import parsedate_to_datetime
        import datetime as _dt

        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.timezone.utc)
        return max(0.0, (when - _dt.datetime.now(_dt.timezone.utc)).total_seconds())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _check_reachable(observations: list[Observation], client: HttpClient) -> None:
    sent = [o for o in observations if o.chain]
    if not sent or any(o.final is not None and o.final.status is not None for o in sent):
        return
    errors = [o.final.error or "" for o in sent if o.final is not None]
    # only "connect" errors (refused, unknown host, connect timeout) say nothing listens there: a
    # server that accepted the connection and then was slow, reset it or spoke garbage is reachable,
    # and its cells are reported one by one (rule request-failed)
    if all(e.startswith("connect") for e in errors):
        first = sent[0].chain[0]
        raise TargetUnreachable(f"no HTTP answer: {errors[0]}", f"{first.method} {first.url}")

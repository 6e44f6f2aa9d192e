"""conform405 as a pytest plugin: one test per (path, method) cell of your OpenAPI document.

Registered through the ``pytest11`` entry point, so installing conform405 is enough. It does
nothing at all until ``conform405_spec`` is set (no collection, no fixture, no import of the
checker); then three lines of configuration give one test per cell::

    [tool.pytest.ini_options]
    conform405_spec = "openapi.yaml"
    conform405_app = "myapi.main:app"        # or: conform405_base_url = "http://127.0.0.1:8000"

* Tests are named ``conform405[METHOD /path]`` (plus ``conform405[/path]`` for findings about a path
  as a whole), so ``pytest -k "POST and items"`` selects cells and ``-m conform405`` / ``-m "not
  conform405"`` all or none of them. They hang under a node for the spec file (``openapi.yaml::...``) and
  are collected like any test: counted in the header, listed by ``--collect-only``, run alone by
  ``pytest openapi.yaml`` or one by one by their node ids.
* A cell fails when it has a finding at or above ``conform405_fail_on`` (default ``warning``); the failure
  message is each finding's message, its evidence and a ``curl`` line. Findings below the threshold pass
  with a pytest warning. Inconclusive and skipped cells are skipped with the reason; a cell with no HTTP
  answer fails (it was not judged).
* ``conform405_ignore`` lines (``RULE PATH-GLOB METHOD reason…``, ``*`` for any) are the ignore model of
  :class:`checker.judge.Ignore`: a rule ignored on a cell skips it with the reason when nothing else is
  wrong; rule ``*`` skips matching cells without judging them.
* The target may come from fixtures instead (``conform405_target``: an ASGI/WSGI app object or a base
  URL; ``conform405_run_options``: :class:`checker.api.RunOptions`, e.g. auth headers). Override them in
  the ``conftest.py`` next to your pytest configuration, session-scoped.
* Collection needs only the spec (load + plan, nothing sent), so every pytest-xdist worker collects the
  same cells; the run happens once per worker, on the first conformance test it executes, and is shared
  by all its cells (values are seeded: every worker sends the same requests).
"""

from __future__ import annotations

import fnmatch
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

MARKER = "conform405"
SEVERITIES = ("error", "warning", "info")


class Conform405Warning(UserWarning):
    """A finding below ``conform405_fail_on``: the cell passes, the finding is still shown."""


# -- always on: ini options only (cheap) ---------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("conform405_spec", "conform405: the OpenAPI document (path relative to the rootdir, or an "
                  "http(s) URL). Setting it turns the plugin on.", default="")
    parser.addini("conform405_app", "conform405: the ASGI or WSGI application to test in-process, as module:attribute "
                  "(imported from the rootdir).", default="")
    parser.addini("conform405_base_url", "conform405: base URL of a running server to test instead of an app.",
                  default="")
    parser.addini("conform405_ignore", "conform405: ignore lines 'RULE PATH-GLOB METHOD reason...' ('*' for any; "
                  "RULE '*' skips whole cells).", type="linelist", default=[])
    parser.addini("conform405_fail_on", "conform405: lowest severity that fails a cell: error, warning (default), info.",
                  default="warning")


def pytest_configure(config: pytest.Config) -> None:
    spec = str(config.getini("conform405_spec") or "").strip()
    if not spec:
        return  # not configured: the plugin stays inert
    config.addinivalue_line("markers", f"{MARKER}: a conform405 method-conformance cell (path x method)")
    active = _Active(config, spec)
    config.stash[_ACTIVE] = active
    config.pluginmanager.register(active, "conform405-active")


# -- configuration, parsed once -------------------------------------------------------------------------
def _root(config: pytest.Config) -> Path:
    return Path(config.inipath).parent if config.inipath else Path(config.rootpath)


def _parse_ignores(lines: list[str]):
    from .judge import Ignore

    out = []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 3)
        if len(parts) < 3:
            raise pytest.UsageError(f"conform405_ignore: {line!r} must be 'RULE PATH-GLOB METHOD reason...'")
        rule, path, method = parts[:3]
        out.append(Ignore(rule=rule, path=path, method=method.upper(), reason=parts[3] if len(parts) > 3 else ""))
    return tuple(out)


def _cell_ignore(ignores, path: str, method: str | None):
    """The first whole-cell ignore (rule ``*``) matching the cell, if any."""
    for ig in ignores:
        if ig.rule == "*" and fnmatch.fnmatchcase(path, ig.path) and (ig.method == "*" or ig.method == (method or "*")):
            return ig
    return None


class _Active:
    """The plugin's working part, registered only when ``conform405_spec`` is set."""

    def __init__(self, config: pytest.Config, spec: str) -> None:
        self.config = config
        root = _root(config)
        self.root = root
        self.spec_source = spec if spec.startswith(("http://", "https://")) else str((root / spec).resolve())
        self.app_ref = str(config.getini("conform405_app") or "").strip()
        self.base_url = str(config.getini("conform405_base_url") or "").strip()
        if self.app_ref and self.base_url:
            raise pytest.UsageError("conform405: set conform405_app or conform405_base_url, not both")
        self.file_config = self._file_config()
        fail_on = str(config.getini("conform405_fail_on") or "").strip().lower()
        self.fail_on = fail_on or (self.file_config.fail_on if self.file_config else None) or "warning"
        if self.fail_on not in (*SEVERITIES, "never"):
            raise pytest.UsageError(f"conform405_fail_on must be error, warning, info or never, not {self.fail_on!r}")
        file_ignores = self.file_config.ignores if self.file_config else ()
        self.ignores = tuple(file_ignores) + _parse_ignores(config.getini("conform405_ignore"))
        self.plan = None  # loaded on the first collection of the spec (only the spec and the plan: nothing is sent)

    def _file_config(self):
        """conform405.toml / [tool.conform405] next to the pytest configuration: the same methods, paths,
        headers, path parameters, severities and ignores as the command line (not its target)."""
        from .config import load
        from .errors import Conform405Error

        try:
            return load(cwd=self.root)
        except Conform405Error as exc:
            raise pytest.UsageError(f"conform405: {exc}") from None

    # collection: the spec and the plan only, nothing is sent ------------------------------------------
    def _load_plan(self):
        from .errors import Conform405Error
        from .plan import PlanOptions, build_plan
        from .spec import load_spec

        try:
            spec = load_spec(self.spec_source)
            cfg = self.file_config
            options = PlanOptions() if cfg is None else PlanOptions(
                methods=cfg.methods or None, add_methods=cfg.add_methods, skip_methods=cfg.skip_methods,
                include_paths=cfg.include_paths, exclude_paths=cfg.exclude_paths, read_only=cfg.read_only,
                allow_writes=cfg.allow_writes, writes_allow=cfg.writes_allow, writes_deny=cfg.writes_deny)
            # the target is not known yet (it may come from a fixture): relative URLs are fine for collection
            return build_plan(spec, options)
        except Conform405Error as exc:
            raise pytest.UsageError(f"conform405_spec: {exc}") from None

    def _wanted(self, session: pytest.Session) -> bool:
        """Not when the run is narrowed to test files (``pytest tests/test_x.py``); yes for the default
        run, for directories, and when the spec file itself is named."""
        config = session.config
        if config.args_source != pytest.Config.ArgsSource.ARGS:
            return True
        spec = Path(self.spec_source)
        for arg in config.args:
            target = Path(config.invocation_params.dir, arg.split("::", 1)[0]).resolve()
            if target == spec or target.is_dir():
                return True
        return False

    def _spec_node(self, parent: pytest.Collector, path: Path) -> SpecNode:
        if self.plan is None:
            self.plan = self._load_plan()
        node = SpecNode.from_parent(parent, path=path)
        node.active = self
        return node

    def _named(self, session: pytest.Session) -> bool:
        """The spec file is itself an argument (``pytest openapi.yaml``, ``pytest 'openapi.yaml::conform405[GET /items]'``)."""
        return not self.spec_source.startswith(("http://", "https://")) and session.isinitpath(Path(self.spec_source))

    # The cells are collected like any test file's tests, so pytest counts them ("collected N items"),
    # lists them under --collect-only, and -k / -m / --deselect / node ids select them: the spec is a
    # child of the session when it is not named on the command line (it is often outside testpaths), and
    # a file collected by pytest's own walk when it is named.
    @pytest.hookimpl(hookwrapper=True)  # the old-style wrapper: pluggy < 1.1 (pytest 7) knows only this one
    def pytest_make_collect_report(self, collector: pytest.Collector):
        outcome = yield
        report = outcome.get_result()
        if isinstance(collector, pytest.Session) and report.passed and not self._named(collector) and self._wanted(collector):
            spec_path = Path(self.spec_source) if not self.spec_source.startswith("http") else self.root / "conform405"
            report.result.append(self._spec_node(collector, spec_path))

    def pytest_collect_file(self, file_path: Path, parent: pytest.Collector):
        if self._named(parent.session) and file_path.resolve() == Path(self.spec_source):
            return self._spec_node(parent, file_path)
        return None


_ACTIVE = pytest.StashKey["_Active"]()


def _active(request: pytest.FixtureRequest) -> _Active:
    active = request.config.stash.get(_ACTIVE, None)
    if active is None:
        raise _SetupFailed("conform405 is not configured: set conform405_spec in your pytest configuration")
    return active


# -- fixtures (override conform405_target / conform405_run_options in conftest.py, session-scoped) ---------
@pytest.fixture(scope="session")
def conform405_target(request: pytest.FixtureRequest) -> Any:
    """What to test: an ASGI/WSGI application object or a base URL (from the ini options by default)."""
    active = _active(request)
    if active.app_ref:
        from .errors import Conform405Error
        from .http.inprocess import load_app

        try:
            return load_app(active.app_ref, search=active.root)
        except Conform405Error as exc:
            raise _SetupFailed(f"conform405_app: {exc.message}") from None
    if active.base_url:
        return active.base_url
    raise _SetupFailed("conform405: no target: set conform405_app or conform405_base_url, "
                       "or define a session-scoped conform405_target fixture in conftest.py")


@pytest.fixture(scope="session")
def conform405_run_options(request: pytest.FixtureRequest) -> Any:
    """How to send (headers, limits, seed...): a :class:`checker.api.RunOptions`. Override it to add auth headers.
    The default takes headers, path parameters and severities from conform405.toml / [tool.conform405]."""
    from . import api

    cfg = request.config.stash[_ACTIVE].file_config if _ACTIVE in request.config.stash else None
    if cfg is None:
        return api.RunOptions()
    return api.RunOptions(probe=api.ProbeOptions(path_params=cfg.path_params), headers=cfg.headers,
                          judge=api.JudgeOptions(severity=dict(cfg.severity)))


@pytest.fixture(scope="session")
def conform405_report(request: pytest.FixtureRequest) -> Any:
    """The run, once per session (so once per xdist worker): the :class:`~checker.report.Report`, or why not."""
    try:
        active = _active(request)
        target = request.getfixturevalue("conform405_target")
        options = request.getfixturevalue("conform405_run_options")
    except _SetupFailed as exc:
        return _RunFailure(str(exc))
    return _run(active, target, options)


class _SetupFailed(Exception):
    pass


class _RunFailure:
    def __init__(self, message: str) -> None:
        self.message = message


def _run(active: _Active, target: Any, options: Any):
    import asyncio
    from dataclasses import replace

    from . import api
    from .plan import build_plan

    plan = active.plan
    if isinstance(target, str):
        if not target.startswith(("http://", "https://")):
            return _RunFailure(f"conform405_target: {target!r} is not an http(s) base URL")
        plan = build_plan(plan.spec, replace(plan.options, base_url=target))
        options = replace(options, app=None)
    elif target is not None:
        from .errors import Conform405Error
        from .http.inprocess import interface

        try:
            interface(target)
        except Conform405Error as exc:
            return _RunFailure(f"conform405_target {exc.message}")
        options = replace(options, app=target)
    judge = replace(options.judge, ignores=tuple(options.judge.ignores) + active.ignores)
    options = replace(options, judge=judge)

    def go():
        return api.run_coroutine(api.run_async(plan, options))

    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return go()
        import concurrent.futures  # a loop is running here (an async test plugin): run in a thread

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(go).result()
    except api.RunInterrupted:
        pytest.exit("conform405: interrupted", returncode=130)
    except api.RunUnreachable as exc:
        return _RunFailure(f"conform405: target unreachable: {exc}")


# -- the nodes ------------------------------------------------------------------------------------------
class SpecNode(pytest.File):
    """The spec file: parent of the cells."""

    active: _Active

    def collect(self):
        plan = self.active.plan
        items = []
        for pp in plan.paths:
            path = pp.item.template
            for cell in pp.cells:
                items.append(CellItem.from_parent(self, name=f"{MARKER}[{cell.method} {path}]", callobj=_cell_test,
                                                  cell_path=path, cell_method=cell.method))
            items.append(CellItem.from_parent(self, name=f"{MARKER}[{path}]", callobj=_cell_test,
                                              cell_path=path, cell_method=None))
        return items


def _cell_test(conform405_report) -> None:  # the body of every cell test; CellItem.runtest calls it
    raise AssertionError("unreachable")  # pragma: no cover


class CellItem(pytest.Function):
    """One (path, method) cell; ``cell_method=None`` is the path's own test (path-level findings)."""

    def __init__(self, *, cell_path: str, cell_method: str | None, **kw: Any) -> None:
        super().__init__(**kw)
        self.cell_path = cell_path
        self.cell_method = cell_method
        self.add_marker(MARKER)
        active: _Active = self.parent.active  # type: ignore[attr-defined]
        ig = _cell_ignore(active.ignores, cell_path, cell_method)
        if ig is not None:
            self.add_marker(pytest.mark.skip(reason=f"conform405_ignore: {ig.reason or 'ignored'}"))

    def runtest(self) -> None:
        report = self.funcargs["conform405_report"]
        active: _Active = self.parent.active  # type: ignore[attr-defined]
        if isinstance(report, _RunFailure):
            pytest.fail(report.message, pytrace=False)
        _judge_cell(report, active, self.cell_path, self.cell_method)

    def reportinfo(self):
        return self.path, 0, self.name

    def repr_failure(self, excinfo, *args, **kwargs):  # type: ignore[override]
        if isinstance(excinfo.value, CellFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, *args, **kwargs)


class CellFailed(AssertionError):
    """The cell has findings at or above ``conform405_fail_on``."""


def _mine(findings, path: str, method: str | None, cells: frozenset[str]):
    """The findings of one cell; for the path's own test (``method`` None) those of no cell of ``cells``
    (path-level findings, and extra probes such as a made-up method token)."""
    from .report.common import finding_methods

    out = []
    for f in findings:
        if f.path != path:
            continue
        methods = finding_methods(f)
        if method is None and not any(m in cells for m in methods):
            out.append(f)
        elif method is not None and method in methods:
            out.append(f)
    return out


def _judge_cell(report, active: _Active, path: str, method: str | None) -> None:
    rank = {s: n for n, s in enumerate(reversed(SEVERITIES), 1)}
    threshold = rank.get(active.fail_on, len(rank) + 1)  # "never": nothing fails
    cells = frozenset(c.method for pp in active.plan.paths if pp.item.template == path for c in pp.cells)
    mine = _mine(report.findings, path, method, cells)
    failing = [f for f in mine if rank.get(f.severity, 0) >= threshold]
    label = f"{method} {path}" if method else path
    if failing:
        rules = ", ".join(dict.fromkeys(f.rule for f in failing))
        raise CellFailed(f"{label}: {rules}\n\n" + "\n\n".join(describe(f) for f in failing))
    for f in mine:
        warnings.warn(Conform405Warning(f"{f.severity} {f.rule} on {label}: {f.message}"), stacklevel=1)
    ignored_here = {id(f) for f in _mine([f for f, _ in report.ignored], path, method, cells)}
    ignored = [(f, reason) for f, reason in report.ignored if id(f) in ignored_here]
    if ignored and not failing:
        _skip("; ".join(f"{f.rule} ignored: {reason or 'no reason given'}" for f, reason in ignored))
    if method is None:
        return
    row = next((r for r in report.matrix if r["path"] == path and r["method"] == method), None)
    if row is None:
        _skip("not probed in this run")
    if row["verdict"] in ("inconclusive", "skipped"):
        _skip(f"{row['verdict']}: {row.get('reason') or 'no reason given'}")
    if row["verdict"] == "no-answer":  # no HTTP answer: the cell could not be judged, which never passes
        pytest.fail(f"{method} {path}: no HTTP answer: {row.get('reason')}", pytrace=False)


def _skip(reason: str) -> None:
    """Skip, reported at the cell (the spec file), not at this module's line."""
    try:
        exc = pytest.skip.Exception(reason, _use_item_location=True)
    except TypeError:  # an older pytest
        exc = pytest.skip.Exception(reason)
    raise exc


def describe(f) -> str:
    """A finding as a failure message: the message, the evidence, the curl line, where the rule is documented."""
    lines = [f"[{f.severity}] {f.rule}: {f.message}"]
    ev = f.evidence or {}
    req, resp = ev.get("request") or {}, ev.get("response") or {}
    if req:
        lines.append(f"  request:  {req.get('method')} {req.get('url')}")
    if resp:
        if resp.get("status") is not None:
            headers = resp.get("headers") or {}
            shown = {k: headers[k] for k in ("allow", "location", "content-type") if k in headers}
            extra = "  " + "  ".join(f"{k}: {v}" for k, v in shown.items()) if shown else ""
            lines.append(f"  response: {resp['status']}{extra}")
            if resp.get("body_excerpt"):
                lines.append(f"  body:     {_short(resp['body_excerpt'])}")
        elif resp.get("error"):
            lines.append(f"  error:    {resp['error']}")
    for key, value in ev.items():
        if key in ("request", "response", "chain"):
            continue
        lines.append(f"  {key}: {_short(value if isinstance(value, str) else json.dumps(value, default=str))}")
    if f.reproduce:
        lines.append(f"  reproduce: {f.reproduce}")
    if getattr(f, "stack_fix", None):  # the fix in the recognised stack's terms (checker/stacks/)
        from .stacks import stack_label

        lines.append(f"  fix ({stack_label(f)}): {f.stack_fix}")
    lines.append(f"  rule docs: conform405 explain {f.rule}")
    return "\n".join(lines)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

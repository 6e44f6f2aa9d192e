"""The GitHub Action (action.yml at the repository root), its own shell steps run as a runner runs them.

A small stand-in for the runner: the steps of the composite action in order, each ``run:`` step with
``bash --noprofile --norc -eo pipefail`` (what ``shell: bash`` means), its ``${{ }}`` expressions
evaluated (inputs, github.action_path, runner.temp, steps.*.outputs and the ``if:`` conditions; anything
else fails the test), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_PATH as files, a step's outputs read
back from its GITHUB_OUTPUT. ``uses:`` steps (setup-python, upload-sarif) are not run: the test checks
whether they would be and with what. The API is the demo server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from checker import __version__
from checker.demo.server import DemoServer

from .support.run import ROOT

ACTION = ROOT / "action.yml"


@dataclass
class Job:
    """What the runner ends with: the job's exit code, each step's outputs, the steps run or skipped."""

    code: int
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    uses: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<call>(?:always|success|failure)\(\))"
                    r"|(?P<ref>[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*))")


class _Context:
    def __init__(self, inputs: dict[str, str], github: dict[str, str], runner: dict[str, str]) -> None:
        self.values = {"inputs": inputs, "github": github, "runner": runner}
        self.steps: dict[str, dict[str, str]] = {}
        self.failed = False

    def lookup(self, ref: str) -> str:
        parts = ref.split(".")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        if parts[0] in self.values and len(parts) == 2:
            table = self.values[parts[0]]
            if parts[0] == "inputs" or parts[1] in table:
                return table.get(parts[1], "")
        raise AssertionError(f"the test runner does not know {ref!r}: teach it or keep action.yml simpler")

    def evaluate(self, expression: str) -> Any:
        """A GitHub expression: string literals, context references, ==, !=, !, &&, ||, parentheses and the
        status functions; turned into Python and evaluated with nothing else in reach."""
        out, pos = [], 0
        expression = expression.strip()
        while pos < len(expression):
            m = _TOKEN.match(expression, pos)
            assert m and m.end() > pos, f"cannot read {expression[pos:]!r} in {expression!r}"
            pos = m.end()
            if m["str"]:
                out.append(repr(m["str"][1:-1].replace("''", "'")))
            elif m["op"]:
                out.append({"&&": " and ", "||": " or ", "!": " not "}.get(m["op"], m["op"]))
            elif m["call"]:
                name = m["call"][:-2]
                out.append(repr(True if name == "always" else (self.failed if name == "failure" else not self.failed)))
            else:
                out.append(repr(self.lookup(m["ref"]).lower()))  # GitHub compares strings ignoring case
        return eval("".join(out), {"__builtins__": {}}, {})  # noqa: S307 - built from the tokens above only

    def substitute(self, text: str) -> str:
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: self._text(m.group(1)), text)

    def _text(self, expression: str) -> str:
        ref = expression.strip()
        if re.fullmatch(r"[A-Za-z_][\w.-]*", ref):
            return self.lookup(ref)  # the value as it is (evaluate() lower-cases it for comparisons)
        value = self.evaluate(expression)
        return str(value).lower() if isinstance(value, bool) else str(value)


def run_action(with_: dict[str, str], *, workspace: Path, temp: Path, path: str, action_path: Path = ROOT,
               env: dict[str, str] | None = None, after_step=None) -> Job:
    action = yaml.safe_load(ACTION.read_text())
    assert action["runs"]["using"] == "composite"
    declared = action["inputs"]
    unknown = set(with_) - set(declared)
    assert not unknown, f"inputs not declared in action.yml: {unknown}"
    inputs = {name: str(spec.get("default", "")) for name, spec in declared.items()}
    inputs.update(with_)
    missing = [name for name, spec in declared.items() if spec.get("required") and not inputs.get(name)]
    assert not missing, f"required inputs missing: {missing}"

    temp.mkdir(parents=True, exist_ok=True)
    summary = temp / "step_summary.md"
    summary.touch()
    ctx = _Context(inputs, {"action_path": str(action_path), "workspace": str(workspace)}, {"temp": str(temp)})
    job = Job(code=0)
    extra_path: list[str] = []
    for n, step in enumerate(action["runs"]["steps"]):
        name = step.get("id") or step.get("name") or f"step {n}"
        condition = step.get("if", "success()")
        if not re.search(r"\b(?:always|success|failure)\(\)", condition):
            condition = f"success() && ({condition})"  # GitHub's implicit status check
        if not ctx.evaluate(condition):
            job.skipped.append(name)
            continue
        if "uses" in step:
            job.uses.append((step["uses"], {k: ctx.substitute(str(v)) for k, v in (step.get("with") or {}).items()}))
            continue
        assert step.get("shell") == "bash", f"{name}: every run step says shell: bash"
        output = temp / f"output-{n}"
        gh_path = temp / f"path-{n}"
        output.touch()
        gh_path.touch()
        script = temp / f"step-{n}.sh"
        script.write_text(ctx.substitute(step["run"]))
        step_env = {**(env or {}), **{k: ctx.substitute(str(v)) for k, v in (step.get("env") or {}).items()}}
        full_env = {
            "HOME": os.environ.get("HOME", str(temp)), "LANG": "C.UTF-8", "NO_COLOR": "1", "COLUMNS": "200",
            "PATH": os.pathsep.join([*reversed(extra_path), path]),
            "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_PATH": str(gh_path),
            "GITHUB_ACTION_PATH": str(action_path), "GITHUB_WORKSPACE": str(workspace), "GITHUB_ACTIONS": "true",
            "RUNNER_TEMP": str(temp), "CI": "true", **step_env,
        }
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                              env=full_env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        job.ran.append(name)
        job.logs.append(f"--- {name} (exit {done.returncode})\n{done.stdout}{done.stderr}")
        outputs: dict[str, str] = {}
        for line in output.read_text().splitlines():
            assert "=" in line and "<<" not in line, f"{name}: unexpected GITHUB_OUTPUT line {line!r}"
            key, value = line.split("=", 1)
            outputs[key] = value
        if "id" in step:
            ctx.steps[step["id"]] = outputs
            job.outputs[step["id"]] = outputs
        extra_path += [line for line in gh_path.read_text().splitlines() if line]
        if done.returncode != 0:
            ctx.failed = True
            job.code = job.code or done.returncode
        if after_step is not None:
            after_step(name)
    job.outputs["action"] = {k: ctx.substitute(str(v["value"])) for k, v in action.get("outputs", {}).items()}
    return job


def _workspace(tmp_path: Path) -> Path:
    """A user's repository: the spec (the demo's) at its root."""
    ws = tmp_path / "workspace"
    ws.mkdir()
    shutil.copy(ROOT / "specs" / "bookshop.yaml", ws / "openapi.yaml")
    return ws


def _check_reports(job: Job, ws: Path, temp: Path) -> dict:
    """The SARIF file was written where the outputs say, its alerts on the spec of the workspace; the job
    summary is the Markdown summary; upload-sarif would be given that file."""
    out = job.outputs["run"]
    sarif_path = ws / out["sarif"]
    sarif = json.loads(sarif_path.read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "conform405"
    report = json.loads((ws / out["json"]).read_text())
    results = sarif["runs"][0]["results"]
    assert len(results) == len(report["findings"]) > 0
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"openapi.yaml"}
    markdown = (ws / out["markdown"]).read_text()
    assert markdown.strip() and "Bookshop demo API" in markdown
    assert (temp / "step_summary.md").read_text() == markdown
    assert (ws / out["junit"]).read_text().startswith("<?xml")
    assert job.uses == [("github/codeql-action/upload-sarif@v3", {"sarif_file": out["sarif"], "category": "conform405"})]
    return report


@pytest.mark.parametrize(("fail_on", "code"), [("error", 1), ("never", 0)])
def test_action_steps_run_conform405_and_end_with_its_exit_code(tmp_path, fail_on, code):
    """With a conform405 already on PATH (install: false): the reports, the summary, the SARIF upload, and the
    demo's errors fail the job with fail-on error and pass it with fail-on never."""
    ws, temp = _workspace(tmp_path), tmp_path / "runner-temp"
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])
    with DemoServer() as url:
        job = run_action({"spec": "openapi.yaml", "base-url": url, "fail-on": fail_on, "install": "false"},
                         workspace=ws, temp=temp, path=path)
    logs = "\n".join(job.logs)
    assert job.code == code, logs
    assert job.skipped == ["Set up Python", "Install conform405"], logs
    assert job.outputs["run"]["exit-code"] == str(code) and job.outputs["action"]["exit-code"] == str(code)
    report = _check_reports(job, ws, temp)
    assert report["target"]["base_url"] == url


def test_action_args_are_split_like_a_shell_and_never_run(tmp_path):
    """``args`` keeps quoted words whole and runs nothing: a command substitution is only a word."""
    ws, temp = _workspace(tmp_path), tmp_path / "runner-temp"
    path = os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])
    args = "--exclude-path '/health' --html 'my report.html' --exclude-path \"$(touch pwned)\" -H 'X-Trace: a b'"
    with DemoServer() as url:
        job = run_action({"spec": "openapi.yaml", "base-url": url, "args": args, "install": "false", "upload-sarif": "false"},
                         workspace=ws, temp=temp, path=path)
    assert job.code == 1, "\n".join(job.logs)
    assert (ws / "my report.html").is_file() and not (ws / "pwned").exists() and not (temp / "pwned").exists()
    report = json.loads((ws / job.outputs["run"]["json"]).read_text())
    assert "/health" not in {c["path"] for c in report["matrix"]}
    assert job.uses == [] and "Upload SARIF to code scanning" in job.skipped

    broken = run_action({"spec": "openapi.yaml", "args": "--html 'unclosed", "install": "false"},
                        workspace=ws, temp=tmp_path / "temp2", path=path)
    assert broken.code != 0 and broken.outputs["run"] == {}, "an unclosed quote fails the step before conform405 runs"


@pytest.mark.slow
def test_action_installs_conform405_from_its_own_checkout(tmp_path):
    """The install step as written: a virtual environment in RUNNER_TEMP, ``pip install`` of the action's own
    checkout, its bin on GITHUB_PATH; the run step then uses that conform405 (nothing else on PATH has one).
    Only the dependencies are not fetched: PIP_NO_DEPS=1 for the install, then a .pth line to this test
    environment's site-packages in the new environment (no package index needed)."""
    ws, temp = _workspace(tmp_path), tmp_path / "runner-temp"
    action_path = tmp_path / "actions" / "conform405"  # the runner's copy of the action's repository
    shutil.copytree(ROOT, action_path, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "reports", ".hypothesis", ".pytest_cache", ".bench"))
    bin_dir = tmp_path / "bin"  # python3 and nothing of conform405
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys._base_executable)
    venv = temp / "conform405-venv"

    def after(step: str) -> None:
        if step == "Install conform405":
            purelib = next((venv / "lib").glob("python3*/site-packages"))
            (purelib / "zz_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    with DemoServer() as url:
        job = run_action({"spec": "openapi.yaml", "base-url": url, "python-version": ""}, workspace=ws, temp=temp,
                         path=os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]), action_path=action_path,
                         env={"PIP_NO_DEPS": "1"}, after_step=after)
    logs = "\n".join(job.logs)
    assert job.code == 1, logs
    assert job.skipped == ["Set up Python"] and "Install conform405" in job.ran, logs
    assert (venv / "bin" / "conform405").is_file()
    installed = subprocess.run([venv / "bin" / "python", "-c", "import checker; print(checker.__file__, checker.__version__)"],
                               capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"})
    module, version = installed.stdout.split()
    assert Path(module).is_relative_to(venv) and version == __version__
    report = _check_reports(job, ws, temp)
    assert report["tool"]["version"] == __version__


def test_readme_ci_recipes_install_what_exists_and_use_the_action_as_declared():
    """Every YAML recipe of the README is YAML; none installs conform405 from a package index (it is on
    none); the workflow steps that use the action give only inputs action.yml declares, and the required ones."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"pip install conform405\b", readme)
    declared = yaml.safe_load(ACTION.read_text())["inputs"]
    required = {name for name, spec in declared.items() if spec.get("required")}
    uses = []
    for block in re.findall(r"```yaml\n(.*?)```", readme, re.S):
        doc = yaml.safe_load(block)
        for job in (doc.get("jobs") or {}).values() if isinstance(doc, dict) else ():
            uses += [step for step in job.get("steps", ()) if str(step.get("uses", "")).split("@")[0].endswith("/conform405")]
    assert uses, "the README shows the action in a workflow"
    for step in uses:
        given = set(step.get("with") or {})
        assert given <= set(declared) and required <= given, step

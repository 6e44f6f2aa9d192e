"""The install the README documents: the sdist and the wheel build (``python -m build``), carry the package
data, and the wheel installed into a fresh environment gives a working ``conform405`` outside the checkout.

The fresh environment gets the wheel and nothing else from pip (``--no-deps --no-index``); its dependencies
come from this test environment's site-packages through a ``.pth`` line written after the install, so no
package index is needed and nothing of the checkout is importable there (this environment has conform405
as an editable install, whose import hook lives in a ``.pth`` file a path line does not run).
"""

from __future__ import annotations

import json
import os
import re
import site
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from checker import __version__

from .support.run import ROOT


def test_the_version_is_written_once_and_the_command_tells_it():
    """pyproject.toml reads the version from checker.__version__; ``--version`` prints it and ``--help`` lists it."""
    import tomllib

    from .support.run import cli

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "checker.__version__"}
    result = cli("--version")
    assert (result.code, result.stdout) == (0, f"conform405 {__version__}\n")
    result = cli("--help")
    assert result.code == 0 and re.search(r"^\s+--version\s+\S", result.stdout, re.M), result.stdout


def _run(args: list[str | Path], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(NO_COLOR="1", COLUMNS="200", PYTHONNOUSERSITE="1")
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """``python -m build``: the sdist from the checkout, then the wheel from the unpacked sdist."""
    out = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=out, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


@pytest.mark.slow
def test_sdist_and_wheel_carry_the_package_and_its_data(dist):
    wheel = dist / f"conform405-{__version__}-py3-none-any.whl"
    sdist = dist / f"conform405-{__version__}.tar.gz"
    assert sorted(p.name for p in dist.iterdir()) == sorted([wheel.name, sdist.name])  # the version of checker/__init__.py

    with zipfile.ZipFile(wheel) as whl:
        names = set(whl.namelist())
        modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "checker").rglob("*.py")}
        assert modules - names == set(), "modules of checker/ missing from the wheel (pyproject's package list)"
        for asset in ("html_report.js", "html_report.css", "report.schema.json"):
            assert whl.read(f"checker/report/{asset}") == (ROOT / "checker" / "report" / asset).read_bytes()
        assert whl.read("checker/demo/specs/bookshop.yaml") == (ROOT / "specs" / "bookshop.yaml").read_bytes()
        assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
        meta = whl.read(f"conform405-{__version__}.dist-info/METADATA").decode()
        entry_points = whl.read(f"conform405-{__version__}.dist-info/entry_points.txt").decode()
    assert f"\nVersion: {__version__}\n" in meta and "Requires-Python: >=3.11" in meta
    assert "conform405 = checker.__main__:entry" in entry_points and "conform405 = checker.pytest_plugin" in entry_points

    with tarfile.open(sdist) as tar:
        files = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    # the whole source tree a release is tested from: the suite, its specs, the demo spec, the action
    assert {"pyproject.toml", "Makefile", "action.yml", "specs/bookshop.yaml", "tests/support/run.py",
            "tests/test_packaging.py", "scripts/bootstrap.sh", "checker/report/html_report.js"} <= files
    assert not [n for n in files if "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.slow
def test_the_wheel_installed_in_a_fresh_environment_runs_outside_the_checkout(dist, tmp_path):
    wheel = dist / f"conform405-{__version__}-py3-none-any.whl"
    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    installed = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
                      "--no-cache-dir", "--disable-pip-version-check", wheel], cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp_path).stdout.strip())
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")

    work = tmp_path / "elsewhere"  # not the checkout: nothing of it is on the path
    work.mkdir()
    where = _run([python, "-c", "import checker, json; print(json.dumps([checker.__file__, checker.__version__]))"], cwd=work)
    module, version = json.loads(where.stdout)
    assert Path(module).is_relative_to(purelib) and version == __version__

    command = venv / "bin" / "conform405"
    result = _run([command, "--version"], cwd=work)
    assert (result.returncode, result.stdout) == (0, f"conform405 {__version__}\n")
    result = _run([command, "--help"], cwd=work)
    assert result.returncode == 0 and "--version" in result.stdout
    result = _run([command, "plan", ROOT / "specs" / "bookshop.yaml"], cwd=work)
    assert result.returncode == 0, result.stderr
    assert "Bookshop demo API" in result.stdout and "/books/{bookId}" in result.stdout

    # the demo from the install: its spec and the report's assets are the package's data
    result = _run([python, "-m", "checker.demo", "--html", "demo.html", "--no-progress", "-q"], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((work / "reports" / "demo.json").read_text())
    assert Path(report["spec"]["file"]).resolve().is_relative_to(purelib.resolve()), report["spec"]
    assert report["summary"]["findings"] > 0
    page = (work / "demo.html").read_text()
    assert (ROOT / "checker" / "report" / "html_report.js").read_text()[:200] in page

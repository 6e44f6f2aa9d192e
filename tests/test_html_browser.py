"""The HTML report in a real headless browser (Debian's chromium): it loads with no console
error, runs its script without an exception, and shows the grid with every cell of the run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .support.run import cli
from .support.servers import serve_asgi
from .test_report_formats import make_app, write_spec

pytestmark = pytest.mark.needs_system


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and cannot be installed here (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=300, check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=env, capture_output=True, timeout=900, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"chromium could not be installed with apt-get: {exc}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get install chromium did not provide a chromium binary")
    return found


def _browse(binary: str, page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
            *extra, page.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


CONSOLE = re.compile(r":CONSOLE[:(]|Uncaught|Refused to")  # the page logs nothing: any console line is a problem


def test_html_report_in_headless_chromium(tmp_path):
    binary = _chromium()
    spec = write_spec(tmp_path, "yaml")
    page = tmp_path / "report.html"
    with serve_asgi(make_app()) as url:
        # --allow-writes: the declared PUT /items/{itemId} (not implemented) is one of the findings shown
        result = cli(str(spec), "--base-url", url, "--html", str(page), "--json", str(tmp_path / "r.json"), "-q",
                     "--allow-writes")
    assert result.code == 1, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())

    dom = _browse(binary, page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    problems = [line for line in dom.stderr.splitlines() if CONSOLE.search(line)]
    assert not problems, "console errors:\n" + "\n".join(problems)
    html = dom.stdout
    # the grid: one coloured cell per (path, method) of the run, declared/undeclared and verdict as classes
    cells = re.findall(r'<td class="cell (declared|undeclared) v-([a-z-]+)" data-cell="([^"]+)"', html)
    assert len(cells) == len(report["matrix"])
    by_cell = {c: (kind, verdict) for kind, verdict, c in cells}
    assert by_cell["/admin POST"] == ("undeclared", "error")
    assert by_cell["/items/{itemId} PUT"] == ("declared", "error")
    assert by_cell["/items GET"] == ("declared", "ok")
    # the script ran to its end: it filled the "shown" counter and hid the "no match" line
    assert re.search(r'<span id="shown">\d+</span>', html)
    assert 'id="nomatch" class="hidden"' in html
    # every finding is on the page with its curl line; the redirect chain of POST /legacy is shown
    assert html.count('<details class="finding') == len(report["findings"])
    assert "curl -sS -i -X PUT" in html and "Redirect chain" in html

    shot = tmp_path / "shot.png"
    taken = _browse(binary, page, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1400,1000")
    assert taken.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000

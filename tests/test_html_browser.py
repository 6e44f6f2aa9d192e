"""The HTML report in a real headless browser (Debian's chromium): it loads with no console
error, runs its script without an exception, and shows the grid with every cell of the run; its
filters and cell clicks, driven with real input events over the DevTools protocol (tests/support/cdp.py),
dim and show what they should."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from .support.run import ROOT, cli
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


# -- the report's interactions, driven like a user (real clicks and typing over the DevTools protocol) -----
def _cells_of(finding: dict) -> set[str]:
    """The grid cells a JSON finding belongs to (its method and every method it was also seen on)."""
    return {f"{finding['path']} {m}" for m in (finding["evidence"].get("seen_on") or [finding["method"]]) if m}


STATE = """(() => {
    const shown = el => !el.closest(".hidden");
    return {
        dimmed: Array.from(document.querySelectorAll("td.cell.dim")).map(c => c.dataset.cell).sort(),
        lit: Array.from(document.querySelectorAll("td.cell:not(.dim)")).filter(shown).map(c => c.dataset.cell).sort(),
        rows: Array.from(document.querySelectorAll("tr.row")).filter(shown).map(r => r.dataset.path),
        findings: Array.from(document.querySelectorAll("details.finding")).filter(shown).map(d => d.dataset.rule + " " + d.dataset.path).sort(),
        counter: document.getElementById("shown").textContent,
        nomatch: !document.getElementById("nomatch").classList.contains("hidden"),
        open: Array.from(document.querySelectorAll("details.finding[open]")).map(d => ({
            id: d.id, rule: d.dataset.rule, path: d.dataset.path, shown: shown(d),
            inView: (r => r.top >= 0 && r.bottom <= window.innerHeight)(d.querySelector("summary").getBoundingClientRect())})),
        hash: location.hash,
    };
})()"""


def test_html_report_filters_and_clicks_in_headless_chromium(tmp_path):
    """The demo API's report, used like a reader would: choose a rule, untick a severity, type a path filter,
    click cells. The lit cells are exactly the cells of the findings the filters keep; a click opens the
    cell's finding that the filters show."""
    from checker.demo.server import DemoServer

    from .support.cdp import Browser

    binary = _chromium()
    page = tmp_path / "report.html"
    with DemoServer() as url:
        # the demo as make demo runs it: --allow-writes (its server is in memory), every documented drift shown
        result = cli(str(ROOT / "specs" / "bookshop.yaml"), "--base-url", url, "--html", str(page),
                     "--json", str(tmp_path / "r.json"), "-q", "--allow-writes")
    assert result.code == 1, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    findings = report["findings"]
    every_cell = sorted(f"{c['path']} {c['method']}" for c in report["matrix"])
    every_path = list(dict.fromkeys(c["path"] for c in report["matrix"]))

    def expected(keep) -> tuple[list[str], list[str]]:
        kept = [f for f in findings if keep(f)]
        return sorted(set().union(*(_cells_of(f) for f in kept))), sorted(f"{f['rule']} {f['path']}" for f in kept)

    # a cell with findings of two rules, and a rule that is not the one of the cell's first finding
    by_cell: dict[str, list[dict]] = {}
    for f in findings:
        for c in _cells_of(f):
            by_cell.setdefault(c, []).append(f)
    shared_cell, its = next((c, fs) for c, fs in by_cell.items() if len({f["rule"] for f in fs}) > 1)
    rule = next(f["rule"] for f in its if f["rule"] != its[0]["rule"])

    with Browser(binary, tmp_path / "profile") as b:
        b.open(page.as_uri())
        state = b.js(STATE)
        assert state["lit"] == every_cell and state["dimmed"] == [] and state["rows"] == every_path
        assert state["counter"] == str(len(findings)) and state["open"] == [] and not state["nomatch"]

        # choose a rule (a <select>'s choice: value set, then the input and change events the browser fires)
        b.js(f"""(() => {{ const s = document.getElementById("f-rule"); s.value = {json.dumps(rule)};
                 s.dispatchEvent(new Event("input", {{bubbles: true}})); s.dispatchEvent(new Event("change", {{bubbles: true}})); }})()""")
        state = b.js(STATE)
        lit, shown = expected(lambda f: f["rule"] == rule)
        assert state["lit"] == lit, f"rule {rule}: the cells of its findings stay lit"
        assert state["dimmed"] == sorted(set(every_cell) - set(lit))
        assert state["findings"] == shown and state["counter"] == str(len(shown))

        # a click on the shared cell opens the finding of the chosen rule, not the hidden first one
        b.click(f'td.cell[data-cell="{shared_cell}"]')
        state = b.js(STATE)
        assert [(o["rule"], o["path"], o["shown"], o["inView"]) for o in state["open"]] == [(rule, shared_cell.rsplit(" ", 1)[0], True, True)]
        assert state["hash"] == "#" + state["open"][0]["id"]
        b.click("#collapse")

        # back to all rules; untick "error": only the cells of the other severities stay lit
        b.js("""(() => { const s = document.getElementById("f-rule"); s.value = "";
                 s.dispatchEvent(new Event("change", {bubbles: true})); })()""")
        assert b.js(STATE)["dimmed"] == []
        b.click('input[data-sev="error"]')
        assert b.js('document.querySelector("input[data-sev=error]").checked') is False
        state = b.js(STATE)
        lit, shown = expected(lambda f: f["severity"] != "error")
        assert lit and len(lit) < len(every_cell)
        assert state["lit"] == lit and state["dimmed"] == sorted(set(every_cell) - set(lit))
        assert state["findings"] == shown and state["counter"] == str(len(shown))
        b.click('input[data-sev="error"]')

        # type a path filter: only the matching rows and findings are shown; no cell is dimmed by it
        b.type("#f-path", "author")
        state = b.js(STATE)
        assert state["rows"] == [p for p in every_path if "author" in p] == ["/authors"]
        assert state["dimmed"] == []
        _, shown = expected(lambda f: "author" in f["path"])
        assert state["findings"] == shown and state["counter"] == str(len(shown))

        # with that filter, a click on a cell opens its first finding and scrolls to it
        target = next(c for c in by_cell if c.startswith("/authors "))
        b.click(f'td.cell[data-cell="{target}"]')
        state = b.js(STATE)
        first = by_cell[target][0]
        assert [(o["rule"], o["path"], o["shown"], o["inView"]) for o in state["open"]] == [(first["rule"], "/authors", True, True)]

        # a filter nothing matches says so
        b.type("#f-path", "-nowhere")
        state = b.js(STATE)
        assert state["findings"] == [] and state["rows"] == [] and state["nomatch"] and state["counter"] == "0"
        assert b.problems() == [], "the page logged problems"

"""A headless Chromium driven over the Chrome DevTools Protocol, Python standard library only.

``--remote-debugging-pipe`` makes Chromium read protocol messages from its file descriptor 3 and write
its answers to descriptor 4, each a JSON text ended by a NUL byte: no port, no websocket, nothing that
another process on the machine could connect to. Clicks and typing are real input events
(``Input.dispatchMouseEvent`` at an element's centre, ``Input.insertText`` into the focused field), so the
page's own listeners, hit testing and default actions (a link's navigation) run as for a user.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")


class CdpError(RuntimeError):
    pass


class Browser:
    """One browser, one page (``with Browser(binary, profile) as page: page.open(url)``)."""

    def __init__(self, binary: str, profile: Path, timeout: float = 30.0) -> None:
        self.timeout = timeout
        to_child, self._out = os.pipe()    # we write, Chromium reads on its fd 3
        self._in, from_child = os.pipe()   # Chromium writes on its fd 4, we read
        profile.mkdir(parents=True, exist_ok=True)
        self.log = profile.parent / f"{profile.name}.stderr"
        with open(self.log, "wb") as err:
            # bash (dash takes no descriptor above 9) moves the two pipe ends to 3 and 4, then becomes Chromium
            self.proc = subprocess.Popen(
                ["bash", "-c", f'exec "$0" "$@" 3<&{to_child} 4>&{from_child}', binary, *FLAGS,
                 f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
                pass_fds=(to_child, from_child), stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        os.close(to_child)
        os.close(from_child)
        self._buf = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def __enter__(self) -> Browser:
        try:
            target = self.call("Target.createTarget", url="about:blank", session=False)["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True, session=False)["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                self.call(f"{domain}.enable")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._send({"id": -1, "method": "Browser.close"})
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(10)
        for fd in (self._out, self._in):
            try:
                os.close(fd)
            except OSError:
                pass

    # -- the protocol ----------------------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._out, data):]

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError(f"no answer from Chromium in {self.timeout:.0f}s; its log: {self.stderr()[-2000:]}")
            ready, _, _ = select.select([self._in], [], [], left)
            if ready:
                chunk = os.read(self._in, 1 << 16)
                if not chunk:
                    raise CdpError(f"Chromium exited ({self.proc.poll()}); its log: {self.stderr()[-2000:]}")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: bool = True, **params: Any) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session and self.session:
            message["sessionId"] = self.session
        self._send(message)
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next:
                if "error" in answer:
                    raise CdpError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def wait_for(self, event: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        for n, seen in enumerate(self.events):
            if seen["method"] == event:
                return self.events.pop(n)
        while True:
            answer = self._receive(deadline)
            if answer.get("method") == event:
                return answer
            if "method" in answer:
                self.events.append(answer)

    def stderr(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    # -- what a test does with the page ------------------------------------------------------------------
    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def js(self, expression: str) -> Any:
        """The value of ``expression`` in the page (JSON-serialisable values only); a thrown error fails."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise CdpError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real left click at the centre of the element (scrolled into view first)."""
        box = self.js(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) {{ return null; }}
            el.scrollIntoView({{block: "center", inline: "center"}});
            const r = el.getBoundingClientRect();
            return {{x: r.left + r.width / 2, y: r.top + r.height / 2}};
        }})()""")
        if box is None:
            raise CdpError(f"nothing matches {selector!r}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left",
                      buttons=1 if kind == "mousePressed" else 0, clickCount=0 if kind == "mouseMoved" else 1)

    def type(self, selector: str, text: str) -> None:
        """Click into a field and type ``text`` as the keyboard would (an ``input`` event)."""
        self.click(selector)
        self.call("Input.insertText", text=text)

    def problems(self) -> list[str]:
        """Console messages, uncaught exceptions and browser log entries (a CSP refusal) seen so far."""
        out = []
        for ev in self.events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.consoleAPICalled":
                out.append(f"console.{p.get('type')}: " + " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", ())))
            elif ev["method"] == "Runtime.exceptionThrown":
                out.append(f"exception: {p.get('exceptionDetails')}")
            elif ev["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                out.append(f"log: {p['entry'].get('text')}")
        return out

"""nginx in front of a test app, on 127.0.0.1, with its own configuration in a temporary folder.

    binary = nginx_binary()            # installs Debian's nginx when missing; None (with a reason) if impossible
    with serve_nginx(tmp_path, locations, upstream_url) as url: ...

nginx runs in the foreground (``daemon off;``) as a child process of the test, with its pid file,
logs and temporary folders inside ``tmp_path``; it listens on 127.0.0.1:<free port> only and proxies
to 127.0.0.1 backends only. It is stopped (SIGTERM to its own pid, then SIGKILL) when the block ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

_lock = threading.Lock()
_state: dict[str, object] = {}


def nginx_binary() -> tuple[str | None, str]:
    """``(path, "")`` when nginx is available (installing Debian's package once if it is missing),
    else ``(None, reason)``."""
    with _lock:
        if "result" in _state:
            return _state["result"]  # type: ignore[return-value]
        _state["result"] = result = _find_or_install()
        return result


def _find() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def _find_or_install() -> tuple[str | None, str]:
    found = _find()
    if found:
        return found, ""
    if os.environ.get("CONFORM405_NO_APT"):
        return None, "nginx is not installed and CONFORM405_NO_APT is set (install it: apt-get install -y nginx)"
    if not shutil.which("apt-get"):
        return None, "nginx is not installed and there is no apt-get here (install nginx to run these tests)"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return None, "nginx is not installed and installing it needs root (run: sudo apt-get install -y nginx)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # several pytest-xdist workers may get here at once: one installs, the others wait on the lock file
    lock_path = Path("/tmp/conform405-nginx-install.lock")
    with open(lock_path, "w") as lock:
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _find():
                return _find(), ""
            for cmd in (["apt-get", "-o", "DPkg::Lock::Timeout=300", "update", "-q"],
                        ["apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q", "--no-install-recommends", "nginx"]):
                try:
                    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, stdin=subprocess.DEVNULL)
                except (OSError, subprocess.TimeoutExpired) as exc:
                    return None, f"could not install nginx ({' '.join(cmd)}: {exc})"
                if proc.returncode != 0:
                    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
                    return None, f"could not install nginx ({' '.join(cmd)} exited {proc.returncode}: {tail[0]})"
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    found = _find()
    return (found, "") if found else (None, "apt-get install nginx succeeded but no nginx binary was found")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _config(prefix: Path, port: int, upstream: str, locations: str) -> str:
    up = urlparse(upstream)
    assert up.hostname == "127.0.0.1", "nginx proxies to 127.0.0.1 backends only"
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream app {{ server 127.0.0.1:{up.port}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $http_host;
{locations}
    }}
}}
"""


@contextlib.contextmanager
def serve_nginx(tmp: Path, upstream: str, locations: str) -> Iterator[str]:
    """nginx on 127.0.0.1:<free port> with the given ``location`` blocks (``proxy_pass http://app;`` reaches
    ``upstream``). Yields its base URL."""
    binary, reason = nginx_binary()
    if binary is None:
        raise RuntimeError(reason)
    prefix = Path(tmp) / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    last_error = ""
    for _attempt in range(3):  # the free port may be taken between the probe and nginx's bind
        port = _free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(_config(prefix, port, upstream, locations))
        proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(prefix), "-e", str(prefix / "error.log")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    up = True
                    break
            time.sleep(0.02)
        if up:
            break
        if proc.poll() is None:
            proc.kill()
        _, stderr = proc.communicate(timeout=10)
        last_error = (stderr or b"").decode(errors="replace").strip() or (prefix / "error.log").read_text(errors="replace")[-500:]
    else:
        raise RuntimeError(f"nginx did not start: {last_error}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()

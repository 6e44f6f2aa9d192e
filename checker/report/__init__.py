"""Reports: one model (:class:`Report`), one module per output format.

To add a format: write a module here with ``render(report) -> str`` and list it in
``FORMATS``. Files are written atomically (a temporary file, then a rename), so a
crash or an interruption never leaves half a report for a nightly job to read.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

from .model import FAIL_ON, SCHEMA_VERSION, Report

#: format name -> module (imported only when that format is asked for)
FORMATS: dict[str, str] = {
    "json": "checker.report.json_report",
    "junit": "checker.report.junit",
    "sarif": "checker.report.sarif",
    "markdown": "checker.report.markdown",
    "html": "checker.report.html",
}


def render(report: Report, fmt: str) -> str:
    module = importlib.import_module(FORMATS[fmt])
    return module.render(report)


def write(report: Report, fmt: str, destination: str) -> None:
    """Render ``report`` as ``fmt`` to ``destination`` ("-" is standard output)."""
    module = importlib.import_module(FORMATS[fmt])
    if destination != "-" and os.linesep == "\n" and hasattr(module, "render_bytes"):
        write_atomic(Path(destination), module.render_bytes(report))  # the same bytes, without a text copy
        return
    text = module.render(report)
    if destination == "-":
        sys.stdout.write(text)
        if not text.endswith("\n"):
            sys.stdout.write("\n")
        sys.stdout.flush()
        return
    write_atomic(Path(destination), text)


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write ``text`` (or bytes, as they are) to ``path`` through a temporary file and a rename."""
    import tempfile  # not imported before a run's first request: its report is written at the end

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with (os.fdopen(fd, "wb") if isinstance(text, bytes) else os.fdopen(fd, "w", encoding="utf-8")) as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


__all__ = ["FAIL_ON", "FORMATS", "SCHEMA_VERSION", "Report", "render", "write", "write_atomic"]

"""The JSON report (``--json``): the machine-readable source of truth, also the baseline format."""

from __future__ import annotations

import json

from .model import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"

"""Load and plan figures for the largest corpus documents (``make bench``, or ``python -m benchmarks.load_plan``).

For each document: load time and plan time (median of 5 runs each, in this process), the
parse step alone (bytes to Python objects), and the peak memory of one fresh process that
loads and plans it (``ru_maxrss`` of a child interpreter, so earlier runs do not count).
The documents live in ../shared/specs-corpus; without them this prints why and returns.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "specs-corpus"
DOCUMENTS = ("github-api.github.com.json", "stripe-spec3.yaml")
RUNS = 5

_CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from checker.spec import load_spec
from checker.plan import build_plan
t1 = time.perf_counter()
spec = load_spec(sys.argv[1])
t2 = time.perf_counter()
plan = build_plan(spec)
t3 = time.perf_counter()
print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "import": t1 - t0,
                  "load": t2 - t1, "plan": t3 - t2, "cells": len(plan.cells), "requests": plan.requests}))
"""


def _median(fn, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(path: Path) -> dict:
    from checker.plan import build_plan
    from checker.spec import load_spec
    from checker.spec.load import _gc_paused
    from checker.spec.parse import parse_document

    data = path.read_bytes()

    def parse_paused() -> None:
        with _gc_paused():
            parse_document(data, str(path))

    parse_gc = _median(lambda: parse_document(data, str(path)), 3)
    parse = _median(parse_paused)
    load = _median(lambda: load_spec(path))
    spec = load_spec(path)
    plan = _median(lambda: build_plan(spec))
    child = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, cwd=ROOT,
                           timeout=300, check=True)
    fresh = json.loads(child.stdout)
    return {"size_mb": len(data) / 1e6, "paths": len(spec.paths), "operations": spec.operation_count, "parse": parse,
            "parse_gc": parse_gc,
            "load": load, "plan": plan, **{f"fresh_{k}": v for k, v in fresh.items()}}


def main() -> None:
    print("== load + plan (checker/spec, checker/plan.py)")
    if not CORPUS.is_dir():
        print(f"  skipped: the shared corpus is not at {CORPUS} (it lives beside the repository, in ../shared)")
        return
    for name in DOCUMENTS:
        path = CORPUS / name
        if not path.is_file():
            print(f"  {name}: skipped (not in the corpus)")
            continue
        m = measure(path)
        print(f"  {name} ({m['size_mb']:.1f} MB, {m['paths']} paths, {m['operations']} operations)")
        print(f"    parse only, median of {RUNS}:    {m['parse']:.3f} s  (with the cyclic GC left on: {m['parse_gc']:.3f} s)")
        print(f"    load (parse + model), median of {RUNS}: {m['load']:.3f} s")
        print(f"    plan, median of {RUNS}:          {m['plan']:.3f} s")
        print(f"    load + plan:                 {m['load'] + m['plan']:.3f} s  (target: under 2 s)")
        print(f"    fresh process: import {m['fresh_import']:.2f} s, load {m['fresh_load']:.3f} s, plan {m['fresh_plan']:.3f} s")
        print(f"    peak memory (fresh process, ru_maxrss): {m['fresh_maxrss_kb'] / 1024:.0f} MB")
        print(f"    plan: {m['fresh_cells']} cells, {m['fresh_requests']} requests")


if __name__ == "__main__":
    main()

"""Compact per-server summary of the real-world runs: findings by rule, exit code, side effects.

Reads .realworld/<name>.json / .rc / .secs / .side-effects.txt written by the launchers.
`python scripts/realworld/summary.py [-v] [NAME...]`; -v lists every finding (rule, method, path, status).
"""
import json
import sys
from pathlib import Path

RW = Path(__file__).resolve().parents[2] / ".realworld"


def read(p: Path) -> str:
    return p.read_text().strip() if p.exists() else ""


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    names = [a for a in argv if not a.startswith("-")] or sorted(
        p.name[: -len(".rc")] for p in RW.glob("*.rc"))
    for name in names:
        rc, secs = read(RW / f"{name}.rc"), read(RW / f"{name}.secs")
        report = RW / f"{name}.json"
        skipped = RW / f"{name}.skipped"
        if skipped.exists():  # the launcher chose not to run (e.g. loopback with --allow-writes)
            print(f"== {name}: skipped: {skipped.read_text().strip()}")
            continue
        if not report.exists():
            print(f"== {name}: no report (launcher failed; see .realworld/{name}/)")
            continue
        d = json.loads(report.read_text())
        s = d["summary"]
        print(f"== {name}: exit {rc or '?'}, {s['findings']} findings, {s['requests']} requests, "
              f"{secs or '?'} s; spec {d['spec'].get('title')!r} {d['spec'].get('version')}, "
              f"{s['paths']} paths")
        for rule, n in sorted(s["by_rule"].items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"   {n:4d}  {rule}")
        for line in read(RW / f"{name}.side-effects.txt").splitlines():
            print(f"   side effects {line}")
        if verbose:
            for f in d["findings"]:
                resp = (f.get("evidence") or {}).get("response") or {}
                print(f"     - {f['rule']:34s} {f.get('method') or '-':8s} {f['path']}  -> {resp.get('status')} "
                      f"allow={(resp.get('headers') or {}).get('allow')!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Compare two reports of the same server (default: the adaptive <name>.json and <name>.exhaustive.json).

    python scripts/realworld/compare_modes.py NAME [TAG_A [TAG_B]]   # TAG '' = the default run's <name>.json

Prints requests, findings as (rule, path, method, severity) and the matrix verdicts per (path, method) that differ,
and each report's sampling per question (applies / sampled / extended / inferred / carried). Exit 1 when they differ.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

RW = Path(__file__).resolve().parents[2] / ".realworld"


def load(name: str, tag: str) -> dict:
    return json.loads((RW / f"{name}{'.' + tag if tag else ''}.json").read_text())


def findings(d: dict) -> Counter:
    return Counter((f["rule"], f["path"], f.get("method"), f["severity"]) for f in d["findings"])


def verdicts(d: dict) -> dict:
    return {(c["path"], c["method"]): (c["verdict"], c["status"]) for c in d["matrix"]}


def sampling(d: dict) -> str:
    qs = (d.get("sampling") or {}).get("questions") or {}
    return "; ".join(f"{q} {v['applies']}/{len(v['sampled'])}/{len(v['extended'])}/{len(v['inferred'])}/{len(v.get('carried') or ())}"
                     + (f" ({', '.join(v['extended_because'])})" if v["extended_because"] else "")
                     for q, v in qs.items())


def main(argv: list[str]) -> int:
    name = argv[0]
    tag_a = argv[1] if len(argv) > 1 else ""
    tag_b = argv[2] if len(argv) > 2 else "exhaustive"
    a, b = load(name, tag_a), load(name, tag_b)
    la, lb = tag_a or "default", tag_b or "default"
    print(f"{name}: requests {la} {a['summary']['requests']}, {lb} {b['summary']['requests']}")
    differ = 0
    fa, fb = findings(a), findings(b)
    for k in sorted(set(fa) | set(fb), key=str):
        if fa[k] != fb[k]:
            differ += 1
            print(f"  finding {k}: {la} x{fa[k]}, {lb} x{fb[k]}")
    va, vb = verdicts(a), verdicts(b)
    for k in sorted(set(va) | set(vb), key=str):
        if va.get(k, (None,))[0] != vb.get(k, (None,))[0]:
            differ += 1
            print(f"  verdict {k}: {la} {va.get(k)}, {lb} {vb.get(k)}")
    print(f"  findings {'equal' if fa == fb else 'DIFFER'} ({sum(fa.values())} / {sum(fb.values())}); "
          f"{differ} difference(s)")
    for label, d in ((la, a), (lb, b)):
        print(f"  sampling {label} (applies/sampled/extended/inferred/carried): {sampling(d) or '-'}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

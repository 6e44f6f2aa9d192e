"""Memory and time to load a large document (``make bench``, or ``python -m benchmarks.large_document``).

Builds a JSON and a YAML description of about BENCH_LARGE_MB megabytes (default 58: just under the
default ``--max-spec-size`` of 64 MiB) from the GitHub description: its paths again and again under
``/c0``, ``/c1``, ... (block-style YAML, no aliases), in .bench/. Each is then loaded in a fresh process
(``load_spec``, the limit lifted) and its peak RSS (``ru_maxrss``) and load time printed: the figures of
README's "Loading documents". The GitHub description lives in ../shared/specs-corpus; without it this
prints why and returns.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "specs-corpus" / "github-api.github.com.json"
OUT = ROOT / ".bench"

_CHILD = """
import json, resource, sys, time
from checker.spec import LoadOptions, load_spec
t0 = time.perf_counter()
spec = load_spec(sys.argv[1], LoadOptions(max_spec_size=1 << 30))
print(json.dumps({"load": time.perf_counter() - t0, "paths": len(spec.paths),
                  "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def build(megabytes: float) -> tuple[Path, Path]:
    import orjson
    import yaml

    class Dumper(yaml.CSafeDumper):  # type: ignore[misc, name-defined]
        def ignore_aliases(self, data: object) -> bool:
            return True

    raw = SOURCE.read_bytes()
    src = orjson.loads(raw)
    paths = src["paths"]
    copies = max(0, round((megabytes * 1e6 - len(raw)) / len(orjson.dumps(paths))))
    OUT.mkdir(exist_ok=True)
    json_path, yaml_path = OUT / f"large-{megabytes:g}mb.json", OUT / f"large-{megabytes:g}mb.yaml"
    every = dict(paths)
    for i in range(copies):
        every.update({f"/c{i}{k}": v for k, v in paths.items()})
    json_path.write_bytes(orjson.dumps({**src, "paths": every}))
    # YAML: the paths block dumped once, its keys (indented two spaces) renamed for each copy
    head = yaml.dump({k: v for k, v in src.items() if k != "paths"}, Dumper=Dumper, sort_keys=False, width=1000,
                     allow_unicode=True)
    block = yaml.dump({"paths": paths}, Dumper=Dumper, sort_keys=False, width=1000, allow_unicode=True)
    block = block.split("\n", 1)[1]
    key = re.compile(r"^  (['\"]?)/", re.M)
    with yaml_path.open("w", encoding="utf-8") as out:
        out.write(head + "paths:\n" + block)
        for i in range(copies):
            out.write(key.sub(rf"  \g<1>/c{i}/", block))
    return json_path, yaml_path


def main() -> None:
    print("== a large document: peak memory and load time (checker/spec)")
    if not SOURCE.is_file():
        print(f"  skipped: the GitHub description is not at {SOURCE} (it lives beside the repository, in ../shared)")
        return
    megabytes = float(os.environ.get("BENCH_LARGE_MB", "58"))
    for path in build(megabytes):
        child = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, cwd=ROOT,
                               timeout=600, check=True)
        m = json.loads(child.stdout)
        size = path.stat().st_size
        print(f"  {path.name} ({size / 1e6:.1f} MB, {m['paths']} paths): load {m['load']:.1f} s, "
              f"peak memory {m['maxrss_kb'] / 1024:.0f} MB ({m['maxrss_kb'] * 1024 / size:.1f} x the document)")
        path.unlink()


if __name__ == "__main__":
    main()

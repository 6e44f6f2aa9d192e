"""Synthetic documents N times GitHub's: its 811 paths under N mount prefixes (``/api0``, ``/api1``, ...).

    python -m benchmarks.synthetic N [DEST_DIR]     # writes github-xN.json, prints its path

Copy ``k`` of every path key is ``/api{k}`` + the key, so the document stays valid and realistic (one API
mounted N times, as a gateway fronting N services of one shape would be): each operation's ``operationId``
gets the copy's prefix (``api{k}-`` + the id) so ids stay unique, and ``components`` (schemas, parameters,
responses, examples) are shared by every copy, as they would be in one document. Everything else (info,
servers, tags, ``x-webhooks``) is kept once. Even 1x is prefixed (``/api0``): every size then has the same
shape of path, and the same routing cost on the benchmark's server.

The GitHub description lives in ../shared/specs-corpus, beside the repository; only benchmarks and tests
read it (:data:`SOURCE`), never the package. Documents are written where the caller says (a temporary
directory at bench time): at 10x it is 27 MB, never committed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "specs-corpus" / "github-api.github.com.json"
#: the keys of a path item that are operations (OpenAPI 3.0, the GitHub description's version)
_OPERATIONS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def prefix(k: int) -> str:
    return f"/api{k}"


def replicate(doc: dict, copies: int) -> dict:
    """``doc`` with its paths under ``copies`` mount prefixes (see the module docstring); ``doc`` is not changed."""
    if copies < 1:
        raise ValueError("copies must be at least 1")
    paths: dict[str, object] = {}
    for k in range(copies):
        for key, item in doc["paths"].items():
            paths[prefix(k) + key] = _rename_operations(item, f"api{k}-") if isinstance(item, dict) else item
    out = {key: value for key, value in doc.items() if key != "paths"}
    info = dict(out.get("info") or {})
    info["title"] = f"{info.get('title', 'API')} x{copies} (synthetic: conform405 benchmarks)"
    out["info"] = info
    # keep the document's key order (paths before components)
    return {key: (paths if key == "paths" else out[key]) for key in doc}


def _rename_operations(item: dict, id_prefix: str) -> dict:
    renamed = dict(item)
    for method, op in item.items():
        if method in _OPERATIONS and isinstance(op, dict) and isinstance(op.get("operationId"), str):
            renamed[method] = {**op, "operationId": id_prefix + op["operationId"]}
    return renamed


def write(copies: int, dest: str | Path, source: str | Path = SOURCE) -> Path:
    """Write the ``copies``-fold document as JSON into directory ``dest``; returns its path.

    Raises FileNotFoundError when ``source`` (by default the shared corpus's GitHub description) is absent."""
    doc = json.loads(Path(source).read_bytes())
    path = Path(dest) / f"github-x{copies}.json"
    # compact JSON (the source is indented: 13 MB for 811 paths, 7 MB here)
    path.write_text(json.dumps(replicate(doc, copies), separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    return path


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python -m benchmarks.synthetic N [DEST_DIR]")
    print(write(int(sys.argv[1]), sys.argv[2] if len(sys.argv) == 3 else "."))

"""Replay every finding of a real-world report with curl, one by one, and record what the server says.

`python replay.py REPORT.json OUT.txt [-H 'Name: value']...`: for each finding, the curl line (secrets shown
as $TOKEN) and the answer's status line, Allow, Location and the start of the body. Used by the launchers
right after conform405's run, while the server is still up, as the hand-check's starting evidence; every
URL must be on 127.0.0.1 (anything else is refused).
"""
import json
import shlex
import subprocess
import sys
from urllib.parse import urlsplit


def main(argv: list[str]) -> int:
    report, out = argv[0], argv[1]
    headers: list[str] = []
    it = iter(argv[2:])
    for a in it:
        if a == "-H":
            headers.append(next(it))
    d = json.load(open(report))
    lines = []
    seen = set()
    for f in d["findings"]:
        req = ((f.get("evidence") or {}).get("request")) or {}
        url, method = req.get("url"), req.get("method")
        if not url or not method:
            lines.append(f"## {f['rule']} {f.get('method')} {f['path']}: no request in evidence: {f['message']}")
            continue
        if urlsplit(url).hostname != "127.0.0.1":
            raise SystemExit(f"refusing to replay a request to {url}: 127.0.0.1 only")
        key = (method, url)
        head = f"## {f['rule']} {method} {f['path']}: {f['message']}"
        if key in seen:
            lines.append(head + "\n   (same request as above)")
            continue
        seen.add(key)
        cmd = ["curl", "-sS", "-i", "--max-time", "10", "-X", method, url]
        if method == "HEAD":
            cmd = ["curl", "-sS", "-I", "--max-time", "10", url]
        for h in headers:
            cmd += ["-H", h]
        shown = " ".join(shlex.quote(c) for c in cmd)
        for h in headers:
            # mask only the secret's last word: 'Authorization: token $TOKEN', 'Basic $TOKEN'
            secret = h.partition(":")[2].split()[-1]
            shown = shown.replace(secret, "$TOKEN")
        r = subprocess.run(cmd, capture_output=True, timeout=15)
        text = r.stdout.decode("utf-8", "replace").replace("\r", "")
        hdr, _, body = text.partition("\n\n")
        hl = hdr.split("\n")
        keep = [hl[0]] + [x for x in hl[1:] if x.lower().split(":")[0] in ("allow", "location", "content-type")]
        lines.append(f"{head}\n   $ {shown}\n   " + " | ".join(keep) + f"\n   body: {body[:160]!r}")
    open(out, "w").write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/bin/sh
# Chroma: the vector database's single-node server. Since 1.0 it is written in Rust (axum on hyper, inside the
# chromadb wheel; `chroma run` starts it) and serves the OpenAPI 3.1 document utoipa generates from its routes at
# /openapi.json (29 paths). A fresh data folder per run with one collection of two records, anonymised telemetry
# off. Its action endpoints (POST /api/v2/reset, .../collections/{id}/delete, /add, /upsert, ...) are declared
# writes: a default run must not send them. The state compared before and after: the row count of every table of
# its SQLite file, and the collection's records.
NAME=chroma
. "$(dirname "$0")/common.sh"
rw_venv 'chromadb==1.5.9'

d="$RW/$NAME"
data="$d/data"; rm -rf "$data"; mkdir -p "$data"
port=$(rw_port)
base="http://127.0.0.1:$port"
export ANONYMIZED_TELEMETRY=False ALLOW_RESET=False HOME="$d/home"
rw_start "$VBIN/chroma" run --host 127.0.0.1 --port "$port" --path "$data"
rw_wait "$base/api/v2/heartbeat"
coll="$base/api/v2/tenants/default_tenant/databases/default_database/collections"
id=$(curl -s -X POST "$coll" -H 'Content-Type: application/json' -d '{"name": "c405-notes"}' \
  | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -s -o /dev/null -X POST "$coll/$id/add" -H 'Content-Type: application/json' \
  -d '{"ids": ["a", "b"], "embeddings": [[1, 2, 3], [4, 5, 6]], "documents": ["one", "two"]}'
state() {  # the row count of every table, and the records of the collection, as one line
  records=$("$VBIN/python" - "$coll/$id/get" <<'EOF'
import json, sys, urllib.request
ask = urllib.request.Request(sys.argv[1], data=b"{}", headers={"Content-Type": "application/json"}, method="POST")
with urllib.request.urlopen(ask) as answer:
    got = json.load(answer)
print(sorted(zip(got["ids"], got["documents"])))
EOF
)
  echo "$("$PY" "$ROOT/scripts/realworld/sqlite_rows.py" "$data/chroma.sqlite3"); records: $records"
}
before=$(state)
rw_note "before: $before"
curl -s -o "$d/openapi.json" "$base/openapi.json"
rw_check "$d/openapi.json" "$base"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/api/v2/heartbeat"; then alive=yes; else alive=NO; fi
after=$(state)
if [ "$before" = "$after" ]; then rw_note "after: every table's row count and the records unchanged"; else rw_note "after: $after"; fi
rw_note "server still answering after the run: $alive"
# the server's open TCP connections to anything but 127.0.0.1 at the end (a snapshot: telemetry would show here)
out=$(ss -tnpH 2>/dev/null | grep "pid=$SERVER_PID\b\|chroma" | awk '{print $5}' | grep -v '^127\.0\.0\.1:' | sort -u | tr '\n' ' ')
rw_note "server's own connections elsewhere (at the end): ${out:-none}"
rw_replay
cp "$d/server.log" "$RW/$OUT.server.log"

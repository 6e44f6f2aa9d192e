#!/bin/sh
# LoopBack 4 (@loopback/example-todo from npm): IBM's Node.js API framework, on Express, whose own router
# dispatches on the OpenAPI document it generates from the controllers (served at /openapi.json). The Todo
# example keeps its todos in the memory connector, loaded from and saved to ./data/db.json: a fresh copy of
# that file per run, in a folder of its own, is what the run may change. Creating a todo with an address
# would call a geocoding service (loopback-connector-rest): only declared writes create, and a default run
# withholds them (RW_ALLOW_WRITES is not for this server: it would reach for the internet).
NAME=loopback
. "$(dirname "$0")/common.sh"
rw_no_writes "a created todo with an address calls a geocoding service on the internet"
rw_npm '@loopback/example-todo@6.0.0'

d="$RW/$NAME"
pkg="$d/node_modules/@loopback/example-todo"
run="$d/run"
rm -rf "$run" && mkdir -p "$run" && cp -r "$pkg/data" "$run/"
port=$(rw_port)
base="http://127.0.0.1:$port"
cd "$run"
HOST=127.0.0.1 PORT=$port rw_start node "$pkg/dist/index.js"
rw_wait "$base/todos"
# the todos as stored (the memory connector rewrites the file in its own layout: compare the records, not bytes)
state() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ids"], sorted(d["models"]["Todo"].items()))' "$run/data/db.json"; }
listed() { curl -s "$base/todos" | "$PY" -c 'import json,sys; print(sorted(t["id"] for t in json.load(sys.stdin)))'; }
before="$(state)"
rw_note "before: todos $(listed); db.json $(printf '%s' "$before" | cut -c1-60)..."
curl -s -o "$d/openapi.json" "$base/openapi.json"
rw_check "$d/openapi.json" "$base"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/todos"; then alive=yes; else alive=NO; fi
after="$(state)"
rw_note "after: todos $(listed); db.json records $([ "$before" = "$after" ] && echo unchanged || echo CHANGED)"
rw_note "server still answering after the run: $alive"
rw_replay
cp "$d/server.log" "$RW/$OUT.server.log"

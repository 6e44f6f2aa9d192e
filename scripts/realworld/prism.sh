#!/bin/sh
# Prism (@stoplight/prism-cli): the spec-driven mock server from npm. `prism mock` answers every request
# from the OpenAPI document alone (status, examples, validation), so this checks how a mock built from a
# spec stands up to the same spec. Fed the pet shop document the connexion run uses; it serves no
# document of its own, so the run reads that file.
NAME=prism
. "$(dirname "$0")/common.sh"
rw_npm '@stoplight/prism-cli@5.16.0'

d="$RW/$NAME"
spec="$ROOT/scripts/realworld/connexion_app/openapi.yaml"
port=$(rw_port)
base="http://127.0.0.1:$port"
rw_start "$NBIN/prism" mock "$spec" -h 127.0.0.1 -p "$port" --errors=false
rw_wait "$base/pets"
rw_note "before: stateless mock (answers from the document; nothing to change)"
# prism mounts the paths at / (it drops the relative server URL /api)
rw_check "$spec" "$base"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/pets"; then alive=yes; else alive=NO; fi
rw_note "server still answering after the run: $alive"
rw_replay
cp "$d/server.log" "$RW/$OUT.server.log"

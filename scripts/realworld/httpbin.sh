#!/bin/sh
# httpbin: the HTTP request & response service (Flask). With its 'mainapp' extra, flasgger builds a
# Swagger 2.0 document from the handlers' docstrings and serves it at /spec.json. Run under gunicorn.
NAME=httpbin
. "$(dirname "$0")/common.sh"
rw_venv 'httpbin[mainapp]==0.10.4' 'flasgger==0.9.7.1' 'gunicorn==23.0.0'

d="$RW/$NAME"
port=$(rw_port)
base="http://127.0.0.1:$port"
# 2 workers: httpbin has /delay and /drip, and a single sync worker would serialise the whole run.
rw_start "$VBIN/gunicorn" -b "127.0.0.1:$port" -w 2 --access-logfile - httpbin:app
rw_wait "$base/get"
rw_note "before: stateless service (no data to change)"
curl -s -o "$d/spec.json" "$base/spec.json"
rw_check "$d/spec.json" "$base"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/get"; then alive=yes; else alive=NO; fi
rw_note "server still answering after the run: $alive"
rw_replay
cp "$d/server.log" "$RW/$OUT.server.log"

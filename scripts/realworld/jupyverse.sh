#!/bin/sh
# jupyverse: a Jupyter server re-implemented on FastAPI (fps plugins). FastAPI generates its OpenAPI 3.1
# document and serves it at /openapi.json. Started with the 'noauth' plugin and without the JupyterLab
# front end (the 'lab' and 'page_config' modules need the jupyterlab extra, which the API does not).
NAME=jupyverse
. "$(dirname "$0")/common.sh"
rw_venv 'jupyverse[noauth]==0.14.18' 'ipykernel==7.4.0'

d="$RW/$NAME"
root="$d/root"; rm -rf "$root"; mkdir -p "$root/sub"
printf '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n' >"$root/hello.ipynb"
printf 'hello\n' >"$root/notes.txt"
printf 'inner\n' >"$root/sub/inner.txt"
export JUPYTER_RUNTIME_DIR="$d/runtime" JUPYTER_CONFIG_DIR="$d/config" JUPYTER_DATA_DIR="$d/data"
port=$(rw_port)
base="http://127.0.0.1:$port"
# jupyverse serves the directory it is started in; conform405 itself must not run there (hypothesis
# writes .hypothesis/ into the current directory, which would show up as a change to the served files).
cd "$root"
rw_start "$VBIN/jupyverse" --host 127.0.0.1 --port "$port" --disable lab --disable page_config
cd "$ROOT"
rw_wait "$base/api/status"
state() {
  echo "files: $(cd "$root" && find . -mindepth 1 | sort | tr '\n' ' ')"
  for c in kernels sessions terminals; do
    echo "$c: $(curl -s "$base/api/$c" | "$VBIN/python" -c 'import json,sys; d=json.load(sys.stdin); print(len(d), [x.get("name") or x.get("id") for x in d])' 2>&1)"
  done
}
rw_note "before: $(state | tr '\n' ';')"
curl -s -o "$d/openapi.json" "$base/openapi.json"
rw_check "$d/openapi.json" "$base"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/api/status"; then alive=yes; else alive=NO; fi
rw_note "after: $(state | tr '\n' ';')"
rw_note "server still answering after the run: $alive"
rw_replay
cp "$d/server.log" "$RW/$OUT.server.log"

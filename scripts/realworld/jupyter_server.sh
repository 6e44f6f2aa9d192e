#!/bin/sh
# jupyter_server: the Jupyter notebook backend (Tornado). Its REST API spec ships inside the package
# (jupyter_server/services/api/api.yaml) and is served at /api/spec.yaml; every API call needs the token.
NAME=jupyter_server
. "$(dirname "$0")/common.sh"
rw_venv 'jupyter-server==2.21.1' 'ipykernel==7.4.0'

# A fresh notebook root with a little content, so GETs and discovery find real files.
root="$RW/$NAME/root"; rm -rf "$root"; mkdir -p "$root/sub"
printf '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n' >"$root/hello.ipynb"
printf 'hello\n' >"$root/notes.txt"
printf 'inner\n' >"$root/sub/inner.txt"
# Keep Jupyter's runtime/config/data away from ~ so a run leaves nothing outside .realworld/.
export JUPYTER_RUNTIME_DIR="$RW/$NAME/runtime" JUPYTER_CONFIG_DIR="$RW/$NAME/config" JUPYTER_DATA_DIR="$RW/$NAME/data"
rm -rf "$JUPYTER_RUNTIME_DIR"

port=$(rw_port)
token=c405-realworld-token
base="http://127.0.0.1:$port"
rw_start "$VBIN/jupyter" server --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port="$port" \
  --ServerApp.port_retries=0 --ServerApp.log_level=DEBUG --IdentityProvider.token="$token" --ServerApp.root_dir="$root" $( [ "$(id -u)" = 0 ] && echo --allow-root )
rw_wait "$base/api/status" -H "Authorization: token $token"

auth="Authorization: token $token"
state() {  # what a run could change: files under root, kernels, sessions, terminals
  echo "files: $(cd "$root" && find . -mindepth 1 | sort | tr '\n' ' ')"
  for c in kernels sessions terminals; do
    echo "$c: $(curl -s -H "$auth" "$base/api/$c" | "$VBIN/python" -c 'import json,sys; d=json.load(sys.stdin); print(len(d), [x.get("name") or x.get("id") for x in d])' 2>&1)"
  done
}
rw_note "before: $(state | tr '\n' ';')"
curl -s -H "$auth" -o "$RW/$NAME/spec.yaml" "$base/api/spec.yaml"
rw_check "$RW/$NAME/spec.yaml" "$base" -H "$auth"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null -H "$auth" "$base/api/status"; then alive=yes; else alive=NO; fi
rw_note "after: $(state | tr '\n' ';')"
rw_note "server still answering after the run: $alive"
rw_replay -H "$auth"
cp "$RW/$NAME/server.log" "$RW/$OUT.server.log"

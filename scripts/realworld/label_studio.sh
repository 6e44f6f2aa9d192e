#!/bin/sh
# Label Studio: HumanSignal's data-labelling server, Django + Django REST framework (drf-spectacular). Its API
# document (114 paths) is served at /docs/api/schema/ to a signed-in user; every API call needs the token.
# A fresh SQLite database per run, one project with two tasks (so the run has real ids to find), and the
# server's own calls out switched off: its PyPI version check, its analytics, and Sentry, to which it reports
# every 500 (built-in DSN). The state compared before and after: the row count of every table in the database.
# Not run with --allow-writes: its declared writes register webhooks, ML backends and cloud storages, which the
# server then connects to (generated URLs).
NAME=label_studio
. "$(dirname "$0")/common.sh"
rw_no_writes "its webhooks, ML backends and storages would make it connect to generated URLs"
rw_venv 'label-studio==1.23.2'

d="$RW/$NAME"
data="$d/data"; rm -rf "$data"; mkdir -p "$data"
port=$(rw_port)
token=c405realworldtoken0123456789abcdef0123
auth="Authorization: Token $token"
base="http://127.0.0.1:$port"
export LATEST_VERSION_CHECK=false COLLECT_ANALYTICS=false SENTRY_DSN= FRONTEND_SENTRY_DSN= \
  LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN=true DJANGO_DB=sqlite LABEL_STUDIO_BASE_DATA_DIR="$data" HOME="$d/home"
rw_start "$VBIN/label-studio" start --no-browser --internal-host 127.0.0.1 -p "$port" --data-dir "$data" \
  --username admin@example.com --password c405-realworld-pw --user-token "$token" --enable-legacy-api-token
rw_wait "$base/api/projects/" -H "$auth"
project=$(curl -s -H "$auth" -H 'Content-Type: application/json' -X POST "$base/api/projects/" \
  -d '{"title":"c405","label_config":"<View><Text name=\"t\" value=\"$text\"/><Choices name=\"c\" toName=\"t\"><Choice value=\"a\"/><Choice value=\"b\"/></Choices></View>"}' \
  | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
curl -s -o /dev/null -H "$auth" -H 'Content-Type: application/json' -X POST "$base/api/projects/$project/import" \
  -d '[{"text":"one"},{"text":"two"}]'
state() { "$PY" "$ROOT/scripts/realworld/sqlite_rows.py" "$data/label_studio.sqlite3"; }  # every table's row count
before=$(state)
rw_note "before: $before"
curl -s -H "$auth" -o "$d/openapi.json" "$base/docs/api/schema/?format=json"
rw_check "$d/openapi.json" "$base" -H "$auth"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null -H "$auth" "$base/api/projects/"; then alive=yes; else alive=NO; fi
after=$(state)
if [ "$before" = "$after" ]; then rw_note "after: every table's row count unchanged"; else rw_note "after: $after"; fi
rw_note "server still answering after the run: $alive"
# what the server itself tried to reach (urllib3 names the host of every connection it opens or retries)
out=$(grep -o "host='[^']*'" "$d/server.log" | grep -v "host='127.0.0.1'" | sort -u | tr '\n' ' ')
rw_note "server's own connections elsewhere (from its log): ${out:-none}"
rw_replay -H "$auth"
cp "$d/server.log" "$RW/$OUT.server.log"

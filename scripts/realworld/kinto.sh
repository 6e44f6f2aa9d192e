#!/bin/sh
# Kinto: a JSON storage service (Pyramid + Cornice). It generates and serves its own OpenAPI 2.0
# document at /v1/__api__. Memory backend, accounts plugin (the `kinto init` defaults); the run
# authenticates as an admin account with HTTP Basic.
# KINTO_KEEP_ACCOUNT=1 (NAME kinto-keep-account): the same run with /accounts* excluded, so the run does
# not delete the very account it authenticates with halfway through (what a default run does).
NAME=kinto${KINTO_KEEP_ACCOUNT:+-keep-account}
. "$(dirname "$0")/common.sh"
RW_VENV=kinto rw_venv 'kinto==26.5.0'

d="$RW/$NAME"
port=$(rw_port)
"$VBIN/kinto" init --ini "$d/config.ini" --backend memory --cache-backend memory --host 127.0.0.1 -q >/dev/null 2>&1 \
  || { rm -f "$d/config.ini"; "$VBIN/kinto" init --ini "$d/config.ini" --backend memory --cache-backend memory --host 127.0.0.1 -q; }
base="http://127.0.0.1:$port"
rw_start "$VBIN/kinto" start --ini "$d/config.ini" --port "$port"
rw_wait "$base/v1/"

# An admin account (the ini lets account:admin create buckets) and a little data to find.
cred=admin:c405-realworld-pw
j() { curl -s -o /dev/null -w '%{http_code}' -u "$cred" -H 'Content-Type: application/json' "$@"; }
curl -s -o /dev/null -X PUT "$base/v1/accounts/admin" -H 'Content-Type: application/json' -d '{"data": {"password": "c405-realworld-pw"}}'
j -X PUT "$base/v1/buckets/demo" -d '{}' >/dev/null
j -X PUT "$base/v1/buckets/demo/collections/tasks" -d '{}' >/dev/null
j -X PUT "$base/v1/buckets/demo/groups/team" -d '{"data": {"members": ["account:admin"]}}' >/dev/null
j -X PUT "$base/v1/buckets/demo/collections/tasks/records/task-1" -d '{"data": {"title": "first"}}' >/dev/null

state() {  # what a run could change: buckets, collections, groups, records, accounts
  "$VBIN/python" - "$base" "$cred" <<'PY'
import base64, json, sys, urllib.request
base, cred = sys.argv[1], sys.argv[2]
h = {"Authorization": "Basic " + base64.b64encode(cred.encode()).decode()}
def get(p):
    try:
        with urllib.request.urlopen(urllib.request.Request(base + p, headers=h)) as r:
            return [x["id"] for x in json.load(r)["data"]]
    except Exception as e:
        return f"error {e}"
out = {"buckets": get("/v1/buckets"), "accounts": get("/v1/accounts")}
for b in out["buckets"] if isinstance(out["buckets"], list) else []:
    out[f"{b}/collections"] = get(f"/v1/buckets/{b}/collections")
    out[f"{b}/groups"] = get(f"/v1/buckets/{b}/groups")
    for c in out[f"{b}/collections"] if isinstance(out[f"{b}/collections"], list) else []:
        out[f"{b}/{c}/records"] = get(f"/v1/buckets/{b}/collections/{c}/records")
print(json.dumps(out, sort_keys=True))
PY
}
rw_note "before: $(state)"
curl -s -o "$d/spec.json" "$base/v1/__api__"
rw_check "$d/spec.json" "$base/v1" --auth "$cred" ${KINTO_KEEP_ACCOUNT:+--exclude-path '/accounts*'}
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/v1/"; then alive=yes; else alive=NO; fi
after=$(state)
rw_note "after: $after"
case $after in *'"accounts": "error HTTP Error 401'*)
  # The run deleted the admin account (declared DELETE /accounts); make it again to see what else is left.
  curl -s -o /dev/null -X PUT "$base/v1/accounts/admin" -H 'Content-Type: application/json' -d '{"data": {"password": "c405-realworld-pw"}}'
  rw_note "after re-creating the deleted admin account: $(state)";;
esac
rw_note "server still answering after the run: $alive"
rw_replay -H "Authorization: Basic $(printf %s "$cred" | base64)"
cp "$d/server.log" "$RW/$OUT.server.log"

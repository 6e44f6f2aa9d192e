#!/bin/sh
# Prefect: the workflow orchestration server (FastAPI + SQLite). FastAPI generates its OpenAPI 3.1 document
# (150 paths) and serves it at /api/openapi.json. Analytics and the UI are off; PREFECT_HOME is under
# .realworld/, so the SQLite database is fresh and private to the run.
# PREFECT_HTTPTOOLS=1 (the launcher prefect-httptools): the same server with httptools installed, which uvicorn
# then parses requests with -- a made-up method is refused 400 by the parser, before any route is looked up.
if [ "${PREFECT_HTTPTOOLS:-0}" = 1 ]; then NAME=prefect-httptools EXTRA=httptools==0.9.0; else NAME=prefect EXTRA=; fi
. "$(dirname "$0")/common.sh"
rw_venv 'prefect==3.9.1' $EXTRA

d="$RW/$NAME"
rm -rf "$d/home"; mkdir -p "$d/home"
port=$(rw_port)
base="http://127.0.0.1:$port"
export PREFECT_HOME="$d/home" PREFECT_SERVER_ANALYTICS_ENABLED=false PREFECT_UI_ENABLED=false \
  PREFECT_SERVER_API_HOST=127.0.0.1 PREFECT_SERVER_API_PORT="$port" PREFECT_API_URL="$base/api"
rw_start "$VBIN/prefect" server start --host 127.0.0.1 --port "$port"
rw_wait "$base/api/health"
# A little data for discovery: a flow, a variable, a work pool.
j() { curl -s -o /dev/null -H 'Content-Type: application/json' "$@"; }
j -X POST "$base/api/flows/" -d '{"name": "c405-demo-flow"}'
j -X POST "$base/api/variables/" -d '{"name": "c405_demo_var", "value": "hello"}'
j -X POST "$base/api/work_pools/" -d '{"name": "c405-demo-pool", "type": "process"}'
state() {  # rows per non-empty table of the server's own SQLite database
  "$VBIN/python" - "$d/home" <<'PY'
import glob, sqlite3, sys
dbs = glob.glob(sys.argv[1] + "/*.db")
if not dbs:
    print("no database"); raise SystemExit
con = sqlite3.connect(f"file:{dbs[0]}?mode=ro", uri=True)
tables = [r[0] for r in con.execute("select name from sqlite_master where type='table' and name not like 'alembic%'")]
counts = {t: con.execute(f'select count(*) from "{t}"').fetchone()[0] for t in tables}
print(", ".join(f"{t}={n}" for t, n in sorted(counts.items()) if n))
if counts.get("events"):  # which events: the set-up's own (created) or the run's (deleted, updated, ...)
    kinds = con.execute("select event, count(*) from events group by event order by event").fetchall()
    print("events: " + ", ".join(f"{e} x{n}" for e, n in kinds))
PY
}
# Prefect writes the events of the set-up above (flow, variable, work pool created) seconds later: wait until they
# are in the database (at most 30 s), so that they are not counted as the run's.
i=0
while now=$(state) && case $now in *'events='*) false;; *) true;; esac && [ $i -lt 30 ]; do i=$((i+1)); sleep 1; done
rw_note "before: $(echo "$now" | tr '\n' ';')"
curl -s -o "$d/openapi.json" "$base/api/openapi.json"
rw_check "$d/openapi.json" "$base/api"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/api/health"; then alive=yes; else alive=NO; fi
rw_note "after: $(state | tr '\n' ';')"
rw_note "server still answering after the run: $alive"
rw_replay
cp "$d/server.log" "$RW/$OUT.server.log"

#!/bin/sh
# Apache Airflow 3: its API server (FastAPI on uvicorn) generates the public REST API's OpenAPI document and serves
# it at /openapi.json (88 paths under /api/v2). A fresh SQLite database per run, no example DAGs, one DAG of our
# own parsed into it, a variable and a pool made through the API; usage-data collection off. The run authenticates
# as a nightly job would: a JWT from POST /auth/token for the simple auth manager's admin user, sent as
# "Authorization: Bearer ...". The document declares GET /api/v2/auth/logout, which revokes the token a request
# carries: the launcher checks that the run's token still works afterwards. State compared: the row count of every
# table but the audit log (`log`, where Airflow writes one row for each write request it receives, refused or not),
# counted apart.
NAME=airflow
. "$(dirname "$0")/common.sh"
rw_venv 'apache-airflow==3.3.2'

d="$RW/$NAME"
home="$d/home"; rm -rf "$home" "$d/dags"; mkdir -p "$home" "$d/dags"
cat >"$d/dags/c405_demo.py" <<'EOF'
from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

with DAG("c405_demo", start_date=datetime(2026, 1, 1), schedule=None, catchup=False):
    EmptyOperator(task_id="nothing")
EOF
port=$(rw_port)
base="http://127.0.0.1:$port"
export AIRFLOW_HOME="$home" AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__DAGS_FOLDER="$d/dags" \
  AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False HOME="$d"
"$VBIN/airflow" db migrate >"$d/migrate.log" 2>&1 || { log "airflow db migrate failed (see $d/migrate.log)"; exit 1; }
"$VBIN/airflow" dags reserialize >>"$d/migrate.log" 2>&1
rw_start "$VBIN/airflow" api-server --host 127.0.0.1 --port "$port"
rw_wait "$base/api/v2/version"
password=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin"])' "$home/simple_auth_manager_passwords.json.generated")
token=$(curl -s -X POST "$base/auth/token" -H 'Content-Type: application/json' \
  -d "{\"username\": \"admin\", \"password\": \"$password\"}" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth="Authorization: Bearer $token"
j() { curl -s -o /dev/null -H "$auth" -H 'Content-Type: application/json' "$@"; }
j -X POST "$base/api/v2/variables" -d '{"key": "c405_var", "value": "hello"}'
j -X POST "$base/api/v2/pools" -d '{"name": "c405_pool", "slots": 2}'
state() {  # the row count of every table but the audit log, as one line; then the audit log's rows
  "$PY" "$ROOT/scripts/realworld/sqlite_rows.py" "$home/airflow.db" --without log
  echo "audit log rows: $("$PY" "$ROOT/scripts/realworld/sqlite_rows.py" "$home/airflow.db" --count log)"
}
before=$(state)
rw_note "before: $(echo "$before" | head -1); $(echo "$before" | tail -1)"
curl -s -o "$d/openapi.json" "$base/openapi.json"
# SQLite serialises writes, and Airflow writes an audit-log row for every write request: 32 requests in flight
# queue past the 10 s timeout (and its 5 s lock wait answers 500), so the run keeps 2 in flight (at 4, 2 runs in 6 still met a 500)
rw_check "$d/openapi.json" "$base" -H "$auth" --concurrency 2
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/api/v2/version"; then alive=yes; else alive=NO; fi
after=$(state)
if [ "$(echo "$before" | head -1)" = "$(echo "$after" | head -1)" ]; then
  rw_note "after: every table's row count unchanged; $(echo "$after" | tail -1)"
else
  rw_note "after: $(echo "$after" | head -1); $(echo "$after" | tail -1)"
fi
rw_note "the run's token after the run: $(curl -s -o /dev/null -w '%{http_code}' -H "$auth" "$base/api/v2/dags") (200: not revoked)"
rw_note "server still answering after the run: $alive"
rw_replay -H "$auth"
cp "$d/server.log" "$RW/$OUT.server.log"

#!/bin/sh
# connexion: the spec-first Python framework (here its FlaskApp under uvicorn). It routes and validates
# from the OpenAPI document and serves it back at /api/openapi.json. The app is a small pet shop in the
# shape of connexion's petstore example (scripts/realworld/connexion_app/), with /pets/search beside
# /pets/{pet_id} (the /user/login vs /user/{username} overlap of the classic petstore) and a declared 302.
NAME=connexion
. "$(dirname "$0")/common.sh"
rw_venv 'connexion[flask,uvicorn]==3.3.0'

d="$RW/$NAME"
app="$ROOT/scripts/realworld/connexion_app"
port=$(rw_port)
base="http://127.0.0.1:$port"
rw_start "$VBIN/uvicorn" --app-dir "$app" --host 127.0.0.1 --port "$port" --log-level info petshop:app
rw_wait "$base/api/pets"
state() { curl -s "$base/api/pets" | "$VBIN/python" -c 'import json,sys; print(sorted(p["id"] for p in json.load(sys.stdin)))'; }
rw_note "before: pets $(state)"
curl -s -o "$d/openapi.json" "$base/api/openapi.json"
rw_check "$d/openapi.json" "$base/api"
if kill -0 "$SERVER_PID" 2>/dev/null && curl -s -o /dev/null "$base/api/pets"; then alive=yes; else alive=NO; fi
rw_note "after: pets $(state)"
rw_note "server still answering after the run: $alive"
rw_replay
cp "$d/server.log" "$RW/$OUT.server.log"

# Shared helpers for the real-world launchers (sourced, not run).
# Each launcher installs one open-source server from a pinned version into .realworld/<name>/,
# starts it on 127.0.0.1 only, runs conform405's default run against the server's own OpenAPI
# document and stops it. Nothing here ever talks to an address other than 127.0.0.1.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RW="$ROOT/.realworld"
C405="${C405:-$ROOT/.venv/bin/conform405}"
PY="${PY:-python3}"
# RW_TAG=allow-writes (set by run_all.sh for RW_ALLOW_WRITES=1) files the run's reports as <name>.<tag>.*, beside
# the default run's; RW_ARGS is appended to conform405's arguments (e.g. --allow-writes).
OUT="$NAME${RW_TAG:+.$RW_TAG}"
mkdir -p "$RW/$NAME"
rm -f "$RW/$OUT.json" "$RW/$OUT.rc" "$RW/$OUT.side-effects.txt" "$RW/$OUT.out" "$RW/$OUT.err" "$RW/$OUT.skipped"

log() { printf '[realworld:%s] %s\n' "$NAME" "$*" >&2; }

# rw_no_writes WHY: end the launcher, noting WHY, when the run would send writes (RW_ALLOW_WRITES, --allow-writes):
# for a server whose declared writes make it connect out (summary.py prints "skipped: WHY")
rw_no_writes() {
  if [ -n "${RW_ALLOW_WRITES:-}" ] || case " ${RW_ARGS:-} " in *" --allow-writes "*) true ;; *) false ;; esac; then
    log "not run with --allow-writes: $1"; echo "not run with --allow-writes: $1" >"$RW/$OUT.skipped"
    exit 0
  fi
}

# rw_venv PKG...  -> $RW/$NAME/venv (or $RW/$RW_VENV/venv, to share one) with exactly these pinned
# requirements (reinstalled when they change)
rw_venv() {
  d="$RW/${RW_VENV:-$NAME}"; mkdir -p "$d"
  want="$*"
  if [ ! -x "$d/venv/bin/python" ]; then "$PY" -m venv "$d/venv"; fi
  if [ "$(cat "$d/venv/.rw-pins" 2>/dev/null)" != "$want" ]; then
    log "installing $want"
    "$d/venv/bin/python" -m pip install -q --disable-pip-version-check "$@" >"$d/install.log" 2>&1 \
      || { log "pip install failed (see $d/install.log)"; return 1; }
    printf '%s' "$want" >"$d/venv/.rw-pins"
  fi
  VBIN="$d/venv/bin"
}

# rw_npm PKG@VER... -> $RW/$NAME/node_modules
rw_npm() {
  d="$RW/$NAME"; mkdir -p "$d"
  want="$*"
  if [ "$(cat "$d/.rw-pins" 2>/dev/null)" != "$want" ]; then
    log "installing $want (npm)"
    npm install --prefix "$d" --no-audit --no-fund --loglevel=error "$@" >"$d/install.log" 2>&1 \
      || { log "npm install failed (see $d/install.log)"; return 1; }
    printf '%s' "$want" >"$d/.rw-pins"
  fi
  NBIN="$d/node_modules/.bin"
}

# a free TCP port on 127.0.0.1 (the kernel picks it)
rw_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# rw_start CMD... : start the server in its own process group, output to $RW/$NAME/server.log
rw_start() {
  log "starting: $*"
  setsid "$@" >"$RW/$NAME/server.log" 2>&1 &
  SERVER_PID=$!
  # EXIT alone would not stop a Ctrl-C'd launcher in dash: INT/TERM stop the server, then leave.
  trap rw_stop EXIT
  trap 'rw_stop; exit 130' INT TERM
}

rw_stop() {
  if [ "${RW_KEEP:-0}" = 1 ] && [ -n "${SERVER_PID:-}" ]; then
    log "RW_KEEP=1: left running, process group $SERVER_PID (stop it with: kill -TERM -$SERVER_PID)"
    SERVER_PID=; return 0
  fi
  if [ -n "${SERVER_PID:-}" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "-$SERVER_PID" 2>/dev/null || true
    i=0; while kill -0 "$SERVER_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
    kill -KILL "-$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}

# rw_wait URL [curl args...]: until URL answers at all (any status), for up to 60 s
rw_wait() {
  url=$1; shift
  i=0
  while ! curl -s -o /dev/null --max-time 2 "$@" "$url"; do
    i=$((i+1))
    if [ $i -ge 120 ]; then log "no answer from $url after 60 s; server log:"; tail -20 "$RW/$NAME/server.log" >&2; return 1; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then log "server exited; log:"; tail -20 "$RW/$NAME/server.log" >&2; return 1; fi
    sleep 0.5
  done
}

# rw_check SPEC BASEURL [extra conform405 args...]: conform405's default run, JSON report to $RW/$OUT.json.
# Its exit code lands in $RW/$OUT.rc (1 = findings is the expected outcome here, not a failure).
rw_check() {
  # (no plain 'base' here: launchers keep their own $base, and sh functions share one scope)
  _spec=$1; _base=$2; shift 2
  # shellcheck disable=SC2086 # RW_ARGS is a list of flags
  set -- "$@" ${RW_ARGS:-}
  log "conform405 $_spec --base-url $_base $*"
  t0=$(date +%s)
  set +e
  echo "$_base" >"$RW/$OUT.base"
  "$C405" "$_spec" --base-url "$_base" --json "$RW/$OUT.json" "$@" >"$RW/$OUT.out" 2>"$RW/$OUT.err"
  rc=$?
  set -e
  echo "$rc" >"$RW/$OUT.rc"
  echo $(( $(date +%s) - t0 )) >"$RW/$OUT.secs"
  log "conform405 exit $rc in $(cat "$RW/$OUT.secs") s"
}

# rw_side_effects FILE: record the before/after state a launcher collected (free text)
rw_note() { printf '%s\n' "$*" >>"$RW/$OUT.side-effects.txt"; }

# rw_replay [-H header]...: curl every finding again while the server is still up -> $RW/$OUT.replay.txt
rw_replay() {
  [ -f "$RW/$OUT.json" ] || return 0
  "$PY" "$ROOT/scripts/realworld/replay.py" "$RW/$OUT.json" "$RW/$OUT.replay.txt" "$@" || log "replay failed"
}

#!/bin/sh
# `make realworld`: every launcher in turn (one server at a time: the machine is small), then the summary.
# A launcher that fails (install, start) is reported and the others still run.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
t0=$(date +%s)
failed=
for s in ${RW_SERVERS:-jupyter_server jupyverse kinto kinto-keep-account httpbin connexion prism prefect}; do
  ts=$(date +%s)
  case $s in
    kinto-keep-account) KINTO_KEEP_ACCOUNT=1 sh scripts/realworld/kinto.sh ;;
    *) sh "scripts/realworld/$s.sh" ;;
  esac || { failed="$failed $s"; echo "[realworld] $s: launcher failed" >&2; }
  echo "[realworld] $s: $(( $(date +%s) - ts )) s (install, start, run, stop)" >&2
done
echo
"${PYTHON:-python3}" scripts/realworld/summary.py ${RW_SERVERS:-jupyter_server jupyverse kinto kinto-keep-account httpbin connexion prism prefect}
echo
echo "realworld: $(( $(date +%s) - t0 )) s in all${failed:+; failed:$failed}; reports in .realworld/<name>.json, curl replays in .realworld/<name>.replay.txt"
[ -z "$failed" ]

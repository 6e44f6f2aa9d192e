#!/bin/sh
# `make realworld`: every launcher in turn (one server at a time: the machine is small), then the summary.
# A launcher that fails (install, start) is reported and the others still run.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
t0=$(date +%s)
failed=
hyp_before=$([ -d .hypothesis ] && echo yes || echo no)
# RW_ALLOW_WRITES=1: the same servers with --allow-writes (fresh throwaway servers: every declared write is sent),
# reports as .realworld/<name>.allow-writes.*
if [ "${RW_ALLOW_WRITES:-0}" = 1 ]; then export RW_TAG=allow-writes RW_ARGS="${RW_ARGS:-} --allow-writes"; fi
for s in ${RW_SERVERS:-jupyter_server jupyverse kinto kinto-keep-account httpbin connexion prism loopback label_studio chroma airflow prefect}; do
  ts=$(date +%s)
  case $s in
    kinto-keep-account) KINTO_KEEP_ACCOUNT=1 sh scripts/realworld/kinto.sh ;;
    prefect-httptools) PREFECT_HTTPTOOLS=1 sh scripts/realworld/prefect.sh ;;
    *) sh "scripts/realworld/$s.sh" ;;
  esac || { failed="$failed $s"; echo "[realworld] $s: launcher failed" >&2; }
  echo "[realworld] $s: $(( $(date +%s) - ts )) s (install, start, run, stop)" >&2
done
echo
names=
for s in ${RW_SERVERS:-jupyter_server jupyverse kinto kinto-keep-account httpbin connexion prism loopback label_studio chroma airflow prefect}; do names="$names $s${RW_TAG:+.$RW_TAG}"; done
"${PYTHON:-python3}" scripts/realworld/summary.py $names
echo
# conform405 draws its values with hypothesis, whose cache must not land in the directory a run starts from
if [ "$hyp_before" = no ] && [ -d .hypothesis ]; then echo "note: a run left .hypothesis/ in $ROOT (conform405 should not)"; fi
echo "realworld: $(( $(date +%s) - t0 )) s in all${failed:+; failed:$failed}; reports in .realworld/<name>.json, curl replays in .realworld/<name>.replay.txt"
[ -z "$failed" ]

#!/usr/bin/env bash
# What a nightly refresh costs (BENCHMARKS.md, "Nightly refresh"): at one
# scale factor of the shared end-to-end dataset, `doppel run` into an empty
# database without and with ANALYZE, and `run --swap` as a first run (no
# live copy) and as a refresh of a live copy that two readers query in a
# loop (--swap-readers terminate). Wall time and peak RSS from
# /usr/bin/time -v; the swap window (new connections held up) and the
# sessions ended from the run report.
#
#   ../shared/bench/pg.sh start
#   benches/refresh.sh [SF] [RULES]     (default SF 1, rules doppel-third.yaml)
#
# Uses the benchmark cluster on 127.0.0.1:55432; generates `prod` at SF if
# needed (../shared/bench/gen.sh, into refresh_src_sfSF, kept for the next
# run); creates and drops the other refresh_* databases.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-$(cd ../shared/bench && pwd)}
# shellcheck source=/dev/null
source "$BENCH/lib.sh"
require_cluster

SF=${1:-1}
RULES=${2:-$BENCH/rules/doppel-third.yaml}
export DOPPEL_KEY=${DOPPEL_KEY:-doppel-benchmark-key-not-a-secret}
cargo build --release --locked --bin doppel >/dev/null 2>&1
DOPPEL=$PWD/target/release/doppel
work=$(mktemp -d)
drop_all() {
  for db in refresh_plain refresh_live refresh_live_doppel_next refresh_live_doppel_old; do
    q postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  done
}
cleanup() { drop_all; [ -n "${readers:-}" ] && kill $readers 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

SRC=refresh_src_sf$SF
if ! q postgres "SELECT 1 FROM pg_database WHERE datname = '$SRC'" | grep -q 1; then
  "$BENCH/gen.sh" "$SF" "$SRC" >/dev/null
fi
drop_all

# run LABEL TARGET_DB [ARGS...] → one line: label, wall, peak RSS, phases
run() {
  local label=$1 db=$2
  shift 2
  /usr/bin/time -v "$DOPPEL" run --source "$(src_url "$SRC")" --target "$(src_url "$db")" \
    --rules "$RULES" --jobs "$JOBS" --progress log --report "$work/report.json" "$@" \
    2> "$work/log.txt" > /dev/null || { tail -5 "$work/log.txt"; exit 1; }
  local wall rss phases swap
  wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$work/log.txt")
  rss=$(awk -F': ' '/Maximum resident/ {print int($2 / 1024)}' "$work/log.txt")
  phases=$(grep -o '([a-z]* [0-9.]*s, .*s)' "$work/log.txt" | tail -1)
  swap=$(python3 -c "import json,sys; s=json.load(open('$work/report.json')).get('swap'); print('' if not s else 'held %.3fs, waited %.1fs, %d sessions ended, first=%s' % (s['held_seconds'], s['waited_seconds'], s['sessions_ended'], s['first']))")
  echo "| $label | $wall | $rss MiB | $phases | $swap |"
}

# A reader: a psql session that queries the live copy in a loop,
# reconnecting when its session is ended.
reader() {
  while true; do
    psql -X -qAt -d refresh_live -c "SELECT count(*) FROM public.users" \
      -c "SELECT pg_sleep(0.05)" -c "SELECT count(*) FROM public.tasks" >/dev/null 2>&1 || true
  done
}

echo "SF=$SF, rules $(basename "$RULES"), --jobs $JOBS, $(date -u +%F), commit $(git rev-parse --short HEAD)"
echo "| run | wall | peak RSS | phases | swap |"
echo "|---|--:|--:|---|---|"
q postgres "CREATE DATABASE refresh_plain"
run "plain, --no-analyze" refresh_plain --no-analyze
q postgres "DROP DATABASE refresh_plain WITH (FORCE)"
q postgres "CREATE DATABASE refresh_plain"
run "plain (ANALYZE)" refresh_plain
q postgres "DROP DATABASE refresh_plain WITH (FORCE)"
run "--swap, first run" refresh_live --swap
reader & r1=$!
reader & r2=$!
readers="$r1 $r2"
sleep 1
run "--swap, refresh with 2 readers (terminate)" refresh_live --swap --swap-readers terminate
kill $readers 2>/dev/null || true
readers=

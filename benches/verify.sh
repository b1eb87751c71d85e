#!/usr/bin/env bash
# What `doppel verify` costs beside the copy it checks (BENCHMARKS.md,
# "Verify"): at one scale factor of the shared end-to-end dataset, `doppel
# run` into an empty database, then `doppel verify` of that copy (with the
# run's report for the row counts). Wall time and peak RSS from
# /usr/bin/time -v; fingerprints, values and rows from verify's report.
#
#   ../shared/bench/pg.sh start
#   benches/verify.sh [SF] [RULES]     (default SF 1, rules doppel-third.yaml)
#
# Uses the benchmark cluster on 127.0.0.1:55432; generates the source at SF
# if needed (into refresh_src_sfSF, kept); creates and drops verify_copy.
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
DOPPEL=${CARGO_TARGET_DIR:-$PWD/target}/release/doppel
work=$(mktemp -d)
cleanup() { q postgres "DROP DATABASE IF EXISTS verify_copy WITH (FORCE)" || true; rm -rf "$work"; }
trap cleanup EXIT

SRC=refresh_src_sf$SF
if ! q postgres "SELECT 1 FROM pg_database WHERE datname = '$SRC'" | grep -q 1; then
  "$BENCH/gen.sh" "$SF" "$SRC" >/dev/null
fi
q postgres "DROP DATABASE IF EXISTS verify_copy WITH (FORCE)"
q postgres "CREATE DATABASE verify_copy"

# measure LABEL CMD... → one line: label, wall, peak RSS
measure() {
  local label=$1
  shift
  local code=0
  /usr/bin/time -v "$@" 2> "$work/log.txt" > /dev/null || code=$?
  [ "$code" -le 4 ] || { tail -5 "$work/log.txt"; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$work/log.txt")
  rss=$(awk -F': ' '/Maximum resident/ {print int($2 / 1024)}' "$work/log.txt")
  echo "| $label | $wall | $rss MiB | exit $code |"
}

echo "SF=$SF, rules $(basename "$RULES"), --jobs $JOBS, $(date -u +%F), commit $(git rev-parse --short HEAD)"
echo "| step | wall | peak RSS | result |"
echo "|---|--:|--:|---|"
measure "run (copy)" "$DOPPEL" run --source "$(src_url "$SRC")" --target "$(src_url verify_copy)" \
  --rules "$RULES" --jobs "$JOBS" --progress log --report "$work/run.json"
measure "verify" "$DOPPEL" verify --source "$(src_url "$SRC")" --target "$(src_url verify_copy)" \
  --rules "$RULES" --run-report "$work/run.json" --report "$work/verify.json"
grep '^verify:' "$work/log.txt" || true
python3 - "$work/verify.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["seconds"]
print(f"sensitive columns {len(r['sensitive_columns'])}, source rows {r['source_rows']}, "
      f"distinct values {r['distinct_values']}, row fingerprints {r['row_fingerprints']}, "
      f"fingerprints ~{r['fingerprint_bytes'] // 1048576} MiB; target rows {r['rows_scanned']} "
      f"in {r['tables_scanned']} tables; seconds: fingerprints {s['fingerprints']:.1f}, "
      f"scan {s['scan']:.1f}, integrity {s['integrity']:.1f}; leaks {r['leaks_total']}, "
      f"integrity findings {len(r['integrity']['findings'])}")
for l in r["leaks"][:10]:
    print("  leak:", l["table"], l["column"], l["row"], l["source_column"], l["found_as"], l["why"])
for f in r["integrity"]["findings"][:10]:
    print("  integrity:", f["table"], f["problem"])
PY

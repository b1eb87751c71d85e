#!/usr/bin/env bash
# Time `doppel sample` on the benchmark dataset: the smallest, the median
# and the largest tenant (by tasks), and 1% and 5% of tenants, each into a
# fresh local database, then the median tenant into a SQL file.
#
#   ../shared/bench/pg.sh start && ../shared/bench/gen.sh 10 prod10
#   scripts/bench-sample.sh [DB]        # default prod10; needs a release build
#
# Prints one Markdown row per case: rows copied, wall seconds, time spent
# closing the subset, peak RSS.
set -euo pipefail
DB=${1:-prod10}
PORT=${BENCH_PORT:-55432}
SRC="postgresql://postgres@127.0.0.1:$PORT/$DB"
DEV="postgresql://postgres@127.0.0.1:$PORT/doppel_sample_bench"
RULES="$(dirname "$0")/../../shared/bench/rules/doppel-peers.yaml"
DOPPEL="$(dirname "$0")/../target/release/doppel"
export DOPPEL_KEY=${DOPPEL_KEY:-bench-key-0123456789abcdef}
q() { psql -X -At -h 127.0.0.1 -p "$PORT" -U postgres -d "$DB" -c "$1"; }
fresh() {
  psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres \
    -c "DROP DATABASE IF EXISTS doppel_sample_bench" -c "CREATE DATABASE doppel_sample_bench"
}
pick() { # $1: ORDER BY direction and offset expression
  q "WITH s AS (SELECT org_id, count(*) n FROM tasks GROUP BY org_id)
     SELECT org_id || ' (' || n || ' tasks)' FROM s ORDER BY n $1 LIMIT 1"
}
min=$(pick "ASC, org_id")
median=$(pick "ASC, org_id OFFSET (SELECT count(*) / 2 FROM s)")
max=$(pick "DESC, org_id")
log=$(mktemp)
one() { # $1 label, rest: doppel sample options
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$log.time" \
    "$DOPPEL" sample --source "$SRC" --rules "$RULES" --progress quiet "$@" 2> "$log"
  local rows subset wall rss
  rows=$(grep -o 'tables (0 schema only), [0-9]* rows' "$log" | grep -o '[0-9]* rows' || echo "file")
  subset=$(grep -o 'subset [0-9.]*s' "$log" | head -1 | cut -d' ' -f2)
  read -r wall rss < "$log.time"
  echo "| $label | ${rows} | ${wall} s | ${subset} | $((rss / 1024)) MB |"
}
echo "| sample | rows | wall | closing the subset | peak RSS |"
echo "|---|---|---|---|---|"
for c in "smallest tenant:$min" "median tenant:$median" "largest tenant:$max"; do
  label=${c%%:*}; t=${c#*:}; fresh
  one "$label, $t" --tenant "${t%% *}" --target "$DEV"
done
for p in 1% 5%; do fresh; one "--sample-tenants $p" --sample-tenants "$p" --target "$DEV"; done
out=$(mktemp --suffix=.sql)
one "median tenant to --output" --tenant "${median%% *}" --output "$out"
echo "(SQL file: $(du -h "$out" | cut -f1))"
rm -f "$out" "$log" "$log.time"
psql -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "DROP DATABASE IF EXISTS doppel_sample_bench"

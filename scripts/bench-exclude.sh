#!/usr/bin/env bash
# Time a whole `doppel run` of the benchmark dataset beside the same run
# without its largest tenant (by tasks), the two interleaved run by run so
# that whatever else the machine does falls on both alike.
#
#   ../shared/bench/pg.sh start && ../shared/bench/gen.sh 1 prod
#   scripts/bench-exclude.sh [DB] [RUNS]    # default prod, 5; needs a release build
#
# Each run loads a fresh database in the same cluster (after a CHECKPOINT),
# with the rules ../shared/bench/rules/doppel-peers.yaml, --jobs 2. Prints
# one Markdown row per case: rows copied, median wall (min-max), the time
# spent deciding what is left out, median peak RSS.
set -euo pipefail
DB=${1:-prod}
RUNS=${2:-5}
PORT=${BENCH_PORT:-55432}
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="postgresql://postgres@127.0.0.1:$PORT/$DB"
TGT="postgresql://postgres@127.0.0.1:$PORT/doppel_exclude_bench"
RULES="$HERE/../../shared/bench/rules/doppel-peers.yaml"
DOPPEL=${DOPPEL:-$HERE/../target/release/doppel}
export DOPPEL_KEY=${DOPPEL_KEY:-bench-key-0123456789abcdef}
psql_() { psql -X -q -At -h 127.0.0.1 -p "$PORT" -U postgres "$@"; }
work=$(mktemp -d)
trap 'rm -rf "$work"; psql_ -d postgres -c "DROP DATABASE IF EXISTS doppel_exclude_bench"' EXIT
# The same rules, with the tenant excluded.
sed 's|^  root: public.organisations$|&\n  exclude_tenants: ["${DOPPEL_EXCLUDE_TENANT}"]|' "$RULES" >"$work/exclude.yaml"
DOPPEL_EXCLUDE_TENANT=$(psql_ -d "$DB" -c "SELECT p.org_id FROM tasks t JOIN projects p ON p.id = t.project_id
  GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
export DOPPEL_EXCLUDE_TENANT
one() { # $1 case, $2 rules, $3 run number: appends "wall rss_kb subset_s rows" to $work/$1
  psql_ -d postgres -c "DROP DATABASE IF EXISTS doppel_exclude_bench" -c "CREATE DATABASE doppel_exclude_bench"
  psql_ -d postgres -c CHECKPOINT
  sync
  /usr/bin/time -f "%e %M" -o "$work/time" "$DOPPEL" run --source "$SRC" --target "$TGT" \
    --rules "$2" --jobs 2 --progress log 2>"$work/log-$1-$3"
  local rows subset
  rows=$(grep -o 'tables (0 schema only), [0-9]* rows' "$work/log-$1-$3" | grep -o '[0-9]* rows' | cut -d' ' -f1)
  subset=$(grep -o 'subset [0-9.]*s' "$work/log-$1-$3" | cut -d' ' -f2 | tr -d s || true)
  echo "$(cat "$work/time") ${subset:-0} $rows" >>"$work/$1"
}
for i in $(seq "$RUNS"); do
  one plain "$RULES" "$i"
  one exclude "$work/exclude.yaml" "$i"
done
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "excluded tenant: $DOPPEL_EXCLUDE_TENANT; $RUNS runs each, interleaved"
echo "| run | rows copied | wall s (median) | min-max | deciding what is left out | peak RSS |"
echo "|---|--:|--:|--:|--:|--:|"
for c in plain exclude; do
  f="$work/$c"
  printf '| %s | %s | %s | %s-%s | %s s | %s MB |\n' "$c" "$(awk 'NR == 1 {print $4}' "$f")" \
    "$(cut -d' ' -f1 "$f" | median)" "$(cut -d' ' -f1 "$f" | sort -n | head -1)" \
    "$(cut -d' ' -f1 "$f" | sort -n | tail -1)" "$(cut -d' ' -f3 "$f" | median)" \
    "$(($(cut -d' ' -f2 "$f" | median) / 1024))"
done

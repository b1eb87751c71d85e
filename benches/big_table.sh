#!/usr/bin/env bash
# One big table (BENCHMARKS.md, "One big table"): the shared benchmark's
# schema at a small scale factor, with public.tasks grown to ROWS rows whose
# descriptions are long (~600 bytes) and hold e-mail addresses and phone
# numbers, so that one table and its scrubbed column dominate the copy.
#
#   ../shared/bench/pg.sh start
#   benches/big_table.sh gen                  build the source (once)
#   benches/big_table.sh run [LABEL]          time REPEAT runs of $DOPPEL
#
# Environment: DOPPEL (the binary; default target/release/doppel), RULES
# (default ../shared/bench/rules/doppel-third.yaml: description is
# `scrub: [email, phone]`), ROWS (default 2000000), SF of the rest of the
# schema (default 0.1), REPEAT (default 3), JOBS (default 2), DOPPEL_ARGS
# (extra arguments to `doppel run`).
#
# Uses the benchmark cluster on 127.0.0.1:55432: the source is
# `bigtable_src` (kept for the next run), the target `bigtable_dst`
# (dropped afterwards). Each run prints wall seconds, peak RSS, client CPU
# and the server's CPU (every backend of the cluster: another run on the
# same cluster at the same time counts too) and the machine's busy CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-$(cd ../shared/bench && pwd)}
# shellcheck source=/dev/null
source "$BENCH/lib.sh"
require_cluster

ROWS=${ROWS:-2000000}
SF=${SF:-0.1}
REPEAT=${REPEAT:-3}
RULES=${RULES:-$BENCH/rules/doppel-third.yaml}
DOPPEL=${DOPPEL:-$PWD/target/release/doppel}
export DOPPEL_KEY=${DOPPEL_KEY:-doppel-benchmark-key-not-a-secret}
SRC=bigtable_src
DST=bigtable_dst

gen() {
  "$BENCH/gen.sh" "$SF" "$SRC" >/dev/null
  q "$SRC" "
    CREATE TEMP TABLE base AS
      SELECT row_number() OVER (ORDER BY id) - 1 AS i, org_id, project_id, title, status, priority,
             assignee_id, reporter_id, labels, estimate_hours, due_date, created_at, updated_at
      FROM tasks;
    INSERT INTO tasks (id, org_id, project_id, title, description, status, priority, assignee_id,
                       reporter_id, labels, estimate_hours, due_date, created_at, updated_at)
    SELECT md5('bigtable:' || g)::uuid, b.org_id, b.project_id, b.title,
           (ARRAY['Customer','Reporter','Account owner','Support'])[1 + g % 4] || ' '
             || (ARRAY['James','Mary','Budi','Siti','Wei','Priya','Lukas','Yuki'])[1 + g % 8]
             || ' wrote from ' || w.e1 || ' about the '
             || (ARRAY['export','invoice','search index','import','digest','webhook'])[1 + g % 6]
             || ' problem. Steps to reproduce: open the dashboard, switch workspace, refresh twice;'
             || ' the totals do not match the invoice PDF and the quarterly close is blocked.'
             || ' Please call back on ' || w.p1 || ' (office) or ' || w.p2
             || ' (mobile) before Friday, and copy ' || w.e2 || ' on the reply.'
             || ' Works in staging, fails in production since the last deploy; screenshots'
             || ' attached, the modal overlaps the save button on small screens. Reference '
             || substr(md5('ref' || g), 1, 12) || '.',
           b.status, b.priority, b.assignee_id, b.reporter_id, b.labels, b.estimate_hours,
           b.due_date, b.created_at, b.updated_at
    FROM generate_series(0, $ROWS - (SELECT count(*) FROM base) - 1) g
    JOIN base b ON b.i = g % (SELECT count(*) FROM base)
    CROSS JOIN LATERAL (SELECT
        lower((ARRAY['james','mary','budi','siti','wei','priya','lukas','yuki'])[1 + (g / 8) % 8])
          || '.' || substr(md5('u' || g), 1, 6) || '@'
          || (ARRAY['example.com','mail.test','corp.example','acme.test'])[1 + g % 4] AS e1,
        'ops+' || substr(md5('v' || g), 1, 8) || '@example.org' AS e2,
        '+' || (ARRAY['1','44','49','62','65','81'])[1 + g % 6] || ' '
          || lpad((g % 1000)::text, 3, '0') || ' ' || lpad(((g * 7) % 10000)::text, 4, '0')
          || ' ' || lpad(((g * 13) % 10000)::text, 4, '0') AS p1,
        '+1 (415) 555-' || lpad(((g * 31) % 10000)::text, 4, '0') AS p2) w"
  q "$SRC" "VACUUM ANALYZE tasks"
  q "$SRC" "SELECT count(*) || ' tasks, ' || pg_size_pretty(pg_table_size('tasks')) || ' (heap+TOAST), '
              || pg_size_pretty(pg_database_size(current_database())) || ' database, avg description '
              || round(avg(length(description))) || ' chars' FROM tasks"
}

run() {
  local label=${1:-doppel} out
  out=$(mktemp -d)
  [ -x "$DOPPEL" ] || die "no doppel binary at $DOPPEL (set DOPPEL)"
  echo "| run | wall s | peak RSS MB | client CPU s | server CPU s | machine CPU s | load before | phases |"
  echo "|---|--:|--:|--:|--:|--:|--:|---|"
  for i in $(seq 1 "$REPEAT"); do
    fresh_db "$DST"
    q postgres "CHECKPOINT" >/dev/null
    local load
    load=$(cut -d' ' -f1 /proc/loadavg)
    # shellcheck disable=SC2086 # DOPPEL_ARGS is a list of arguments
    timed "$label-$i" "$out" "$DOPPEL" run --source "$(src_url "$SRC")" --target "$(src_url "$DST")" \
      --rules "$RULES" --jobs "$JOBS" --progress log ${DOPPEL_ARGS:-} ||
      { tail -5 "$out/$label-$i.log"; exit 1; }
    # shellcheck disable=SC1090
    source "$out/$label-$i.metrics"
    local phases
    phases=$(grep -o '(prepare [^)]*)' "$out/$label-$i.log" | tail -1)
    echo "| $label $i | $wall_s | $((maxrss_kb / 1024)) | $client_cpu_s | $server_cpu_s | $machine_cpu_s | $load | $phases |"
  done
  q "$DST" "SELECT 'target: ' || count(*) || ' tasks' FROM tasks"
  q postgres "DROP DATABASE IF EXISTS $DST WITH (FORCE)"
  rm -rf "$out"
}

case "${1:-}" in
  gen) gen ;;
  run) shift; run "$@" ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

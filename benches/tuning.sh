#!/usr/bin/env bash
# How the data pass's knobs were chosen (BENCHMARKS.md, "Tuning"): at one
# scale factor of the shared end-to-end dataset, `doppel run` into an empty
# database with one knob varied at a time, the others at their defaults.
# Wall time, client CPU (user + system) and peak RSS from /usr/bin/time -v;
# the data phase from the run's log. Each setting runs REPEAT times and the
# median is printed.
#
#   ../shared/bench/pg.sh start
#   benches/tuning.sh [SF] [RULES] [REPEAT]   (default 1, doppel-third.yaml, 3)
#
# Uses the benchmark cluster on 127.0.0.1:55432; generates the dataset into
# refresh_src_sfSF if needed (kept); creates and drops tuning_tgt.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-$(cd ../shared/bench && pwd)}
# shellcheck source=/dev/null
source "$BENCH/lib.sh"
require_cluster

SF=${1:-1}
RULES=${2:-$BENCH/rules/doppel-third.yaml}
REPEAT=${3:-3}
export DOPPEL_KEY=${DOPPEL_KEY:-doppel-benchmark-key-not-a-secret}
cargo build --release --locked --bin doppel >/dev/null 2>&1
DOPPEL=$PWD/target/release/doppel
work=$(mktemp -d)
cleanup() { q postgres "DROP DATABASE IF EXISTS tuning_tgt WITH (FORCE)" || true; rm -rf "$work"; }
trap cleanup EXIT

SRC=refresh_src_sf$SF
if ! q postgres "SELECT 1 FROM pg_database WHERE datname = '$SRC'" | grep -q 1; then
  "$BENCH/gen.sh" "$SF" "$SRC" >/dev/null
fi

# once ARGS... → "wall client_cpu rss_mib data_s" of one run
once() {
  q postgres "DROP DATABASE IF EXISTS tuning_tgt WITH (FORCE)"
  q postgres "CREATE DATABASE tuning_tgt"
  /usr/bin/time -v "$DOPPEL" run --source "$(src_url "$SRC")" --target "$(src_url tuning_tgt)" \
    --rules "$RULES" --progress log --no-analyze "$@" \
    2> "$work/log.txt" > /dev/null || { tail -5 "$work/log.txt" >&2; exit 1; }
  awk -F': ' '
    /Elapsed \(wall/ { n = split($2, t, ":"); w = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
    /User time/ { u = $2 } /System time/ { s = $2 }
    /Maximum resident/ { r = int($2 / 1024) }
    END { printf "%.1f %.1f %d", w, u + s, r }' "$work/log.txt"
  # ", data 3.3s" of the summary line: not "pre-data" or "post-data"
  printf ' %s\n' "$(grep -a -o ', data [0-9.]*s' "$work/log.txt" | tail -1 | tr -dc '0-9.')"
}

# setting LABEL ARGS... → one table row with the medians
setting() {
  local label=$1
  shift
  for _ in $(seq "$REPEAT"); do once "$@"; done | sort -n -k1 |
    awk -v l="$label" '{ w[NR] = $1; c[NR] = $2; r[NR] = $3; d[NR] = $4 }
      END { m = int((NR + 1) / 2); printf "| %s | %.1f | %.1f - %.1f | %s | %d MiB | %s |\n", l, w[m], w[1], w[NR], c[m], r[m], d[m] }'
}

echo "SF=$SF, rules $(basename "$RULES"), $REPEAT runs each, $(date -u +%F), commit $(git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| setting | wall s (median) | min - max | client CPU s | peak RSS | data phase s |"
echo "|---|--:|--:|--:|--:|--:|"
for j in 1 2 3 4; do setting "--jobs $j" --jobs "$j"; done
for b in 16kB 64kB 256kB 1MB; do setting "--batch-size $b" --jobs 2 --batch-size "$b"; done
for d in 1 4 16; do setting "--queue-depth $d" --jobs 2 --queue-depth "$d"; done
for t in 1 2 4; do setting "--mask-threads $t" --jobs 2 --mask-threads "$t"; done

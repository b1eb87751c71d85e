#!/usr/bin/env bash
# Large values, end to end (the figures in BENCHMARKS.md, "Large values"):
#  1. criterion: seconds per MB of every masker family at 1 and 50 MB;
#  2. the 50 MB values test through the real pipeline (ignored by default);
#  3. peak RSS of `doppel run` copying one row with a 200 MB text value,
#     kept and masked (partial, scrub), measured with /usr/bin/time -v.
#
# Needs PostgreSQL at $PGURL (default postgres://postgres@127.0.0.1:5432)
# and creates, then drops, the databases doppel_large_src and _tgt.
# Usage: benches/large_values.sh [--no-criterion]
set -euo pipefail
cd "$(dirname "$0")/.."

PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
MB=${MB:-200}
export DOPPEL_KEY=${DOPPEL_KEY:-bench-key-0123456789abcdef}

if [[ "${1:-}" != "--no-criterion" ]]; then
  cargo bench --bench large_values
fi
cargo test --release --test it large_values -- --ignored
cargo build --release --bin doppel

work=$(mktemp -d)
cleanup() {
  psql -q "$PGURL/postgres" -c "DROP DATABASE IF EXISTS doppel_large_src WITH (FORCE)" \
    -c "DROP DATABASE IF EXISTS doppel_large_tgt WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -q "$PGURL/postgres" -c "DROP DATABASE IF EXISTS doppel_large_src WITH (FORCE)" \
  -c "CREATE DATABASE doppel_large_src"
psql -q "$PGURL/doppel_large_src" -c "CREATE TABLE big (id int PRIMARY KEY, body text);
  INSERT INTO big SELECT 1, repeat('Mail ann.lee@corp.example or call +62 812-3456-7890 now. ', $MB * 1024 * 1024 / 57);"

for masker in keep '{ partial: { keep_start: 3, keep_end: 3, with: "*" } }' \
  '{ scrub: [email, phone, card, ip, nik, nric, iban, url] }'; do
  printf 'version: 1\nkey: ${DOPPEL_KEY}\ntables:\n  public.big:\n    columns:\n      id: keep\n      body: %s\n' \
    "$masker" > "$work/rules.yaml"
  psql -q "$PGURL/postgres" -c "DROP DATABASE IF EXISTS doppel_large_tgt WITH (FORCE)" \
    -c "CREATE DATABASE doppel_large_tgt"
  /usr/bin/time -v target/release/doppel run --source "$PGURL/doppel_large_src" \
    --target "$PGURL/doppel_large_tgt" --rules "$work/rules.yaml" --progress log \
    2> "$work/time.txt" > /dev/null
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$work/time.txt")
  wall=$(awk -F': ' '/Elapsed \(wall/ {print $2}' "$work/time.txt")
  out=$(psql -Atq "$PGURL/doppel_large_tgt" -c "SELECT octet_length(body) FROM big")
  echo "$MB MB value, body: $masker -> peak RSS $((rss / 1024)) MiB, wall $wall, target value $out bytes"
done

#!/usr/bin/env bash
# The release doppel with extra arguments, for ../shared/bench/run.sh's
# doppel entry (which takes an executable, not arguments): e.g. the copy
# without ANALYZE, as the raw pipes leave theirs,
#
#   DOPPEL=$PWD/benches/doppel-with.sh DOPPEL_WITH="--no-analyze" \
#     ../shared/bench/run.sh --sf 1 --tools "raw-copy doppel"
#
# DOPPEL_BIN  the executable (default: target/release/doppel of this tree)
# DOPPEL_WITH arguments added after the harness's own (split on spaces)
set -euo pipefail
bin=${DOPPEL_BIN:-$(cd "$(dirname "$0")/.." && pwd)/target/release/doppel}
# shellcheck disable=SC2086 # DOPPEL_WITH is a list of arguments
exec "$bin" "$@" ${DOPPEL_WITH:-}

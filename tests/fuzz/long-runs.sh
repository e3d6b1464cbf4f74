#!/usr/bin/env bash
# Runs libFuzzer targets, at most $PARALLEL at a time, each niced: the long
# runs (tests/fuzz/README.md) and the short pass of scripts/run test.
#
#   tests/fuzz/long-runs.sh BUILD_FUZZ SEEDS|- TARGET...
#
# BUILD_FUZZ is a -DSEKISHO_FUZZ=ON build, SEEDS what seed.py wrote (or -:
# none). Each target runs from its working corpus $WORK/<target> (new inputs
# land there, never in the saved corpus), the saved corpus
# tests/fuzz/corpus/<target> and the seeds, with its dictionary if there is
# one, and logs to $LOGS/<target>.log; crash, timeout and OOM inputs land in
# $WORK/artifacts/<target>/. Exits 1 if any target stopped on a finding.
# Environment: SECONDS_PER_TARGET (600), RUNS (unlimited), MAX_LEN (libFuzzer's
# choice), PARALLEL (2), WORK (/tmp/fuzzwork), LOGS (/tmp/fuzzlogs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
seeds=$2
[ "$seeds" = - ] || seeds=$(cd "$seeds" && pwd)
shift 2
per_target=${SECONDS_PER_TARGET:-600}
parallel=${PARALLEL:-2}
work=${WORK:-/tmp/fuzzwork}
logs=${LOGS:-/tmp/fuzzlogs}
mkdir -p "$work" "$logs"

seed_dirs() { # the seed folders of one target
    [ "$seeds" = - ] && return
    case $1 in
    native | clamd) echo "$seeds/own/$1" ;;
    *) echo "$seeds/own/content" "$seeds"/third/content ;;
    esac
}

run_one() {
    local target=$1 opts=()
    mkdir -p "$work/$target" "$work/artifacts/$target"
    [ -f "$here/dict/$target.dict" ] && opts+=(-dict="$here/dict/$target.dict")
    [ -n "${RUNS:-}" ] && opts+=(-runs="$RUNS")
    [ -n "${MAX_LEN:-}" ] && opts+=(-max_len="$MAX_LEN")
    local rc=0
    # shellcheck disable=SC2046 # seed_dirs lists folders, none with spaces
    nice -n 10 "$build/fuzz/fuzz_$target" "${opts[@]}" \
        -max_total_time="$per_target" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$target/" \
        "$work/$target" "$here/corpus/$target" $(seed_dirs "$target") \
        >"$logs/$target.log" 2>&1 || rc=$?
    echo "$(date -u +%H:%M:%S) $target finished (exit $rc): $(grep -E '^#[0-9]+' "$logs/$target.log" | tail -1)"
    if [ "$rc" -ne 0 ]; then
        echo "$target" >>"$work/failed"
        tail -40 "$logs/$target.log"
        ls -l "$work/artifacts/$target/"
    fi
    return "$rc"
}

rm -f "$work/failed"
for target in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
        wait -n || true
    done
    echo "$(date -u +%H:%M:%S) $target started"
    run_one "$target" &
done
wait
if [ -s "$work/failed" ]; then
    echo "fuzzing stopped on a finding in: $(tr '\n' ' ' <"$work/failed")"
    exit 1
fi

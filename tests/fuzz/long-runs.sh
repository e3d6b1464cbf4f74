#!/usr/bin/env bash
# Long fuzzing runs, at most $PARALLEL at a time, each niced (tests/fuzz/README.md).
#
#   tests/fuzz/long-runs.sh BUILD_FUZZ SEEDS TARGET...
#
# BUILD_FUZZ is a -DSEKISHO_FUZZ=ON build, SEEDS what seed.py wrote. Each
# target runs from its working corpus $WORK/<target> (new inputs land there),
# the saved corpus tests/fuzz/corpus/<target> and the seeds, with its
# dictionary if there is one, and logs to $LOGS/<target>.log; crash, timeout
# and OOM inputs land in $WORK/artifacts/<target>/.
# Environment: SECONDS_PER_TARGET (600), PARALLEL (2), WORK (/tmp/fuzzwork),
# LOGS (/tmp/fuzzlogs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
seeds=$(cd "$2" && pwd)
shift 2
per_target=${SECONDS_PER_TARGET:-600}
parallel=${PARALLEL:-2}
work=${WORK:-/tmp/fuzzwork}
logs=${LOGS:-/tmp/fuzzlogs}
mkdir -p "$work" "$logs"

seed_dirs() { # the seed folders of one target
    case $1 in
    native | clamd) echo "$seeds/own/$1" ;;
    *) echo "$seeds/own/content" "$seeds"/third/content ;;
    esac
}

run_one() {
    local target=$1 dict=()
    mkdir -p "$work/$target" "$work/artifacts/$target"
    [ -f "$here/dict/$target.dict" ] && dict=(-dict="$here/dict/$target.dict")
    # shellcheck disable=SC2046 # seed_dirs lists folders, none with spaces
    nice -n 10 "$build/fuzz/fuzz_$target" "${dict[@]}" \
        -max_total_time="$per_target" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/$target/" \
        "$work/$target" "$here/corpus/$target" $(seed_dirs "$target") \
        >"$logs/$target.log" 2>&1 || true
    echo "$(date -u +%H:%M:%S) $target finished: $(grep -c '^==.*ERROR\|^SUMMARY' "$logs/$target.log" || true) error lines"
}

for target in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
        wait -n || true
    done
    echo "$(date -u +%H:%M:%S) $target started"
    run_one "$target" &
done
wait

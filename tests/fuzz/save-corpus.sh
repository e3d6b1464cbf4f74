#!/usr/bin/env bash
# Rebuilds the saved corpus tests/fuzz/corpus/<target>/ that ctest replays:
#
#   tests/fuzz/save-corpus.sh BUILD_FUZZ TARGET DIR...
#
# libFuzzer's -merge=1 keeps, out of the saved corpus and DIR..., the inputs
# that add coverage; then the largest are dropped until the folder holds at
# most 150 files and 1 MB. Past crash inputs (crash-*, timeout-*, oom-*,
# leak-*) are kept as they are, always. Give only inputs of our own making
# (seed.py's own/ folders, fuzzer finds from them): never third-party files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fuzzer=$(cd "$1" && pwd)/fuzz/fuzz_$2
target=$2
shift 2
saved=$here/corpus/$target
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$saved" "$tmp/merged" "$tmp/keep"
find "$saved" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \
    -o -name 'leak-*' \) -exec cp {} "$tmp/keep/" \;
# An unpacker target's harness skips inputs its unpacker does not take, yet
# they reach new coverage in the sniffer: only inputs that fit are offered.
case $target in
scan | passwords | native | clamd | rar5 | sevenz) ;;
*)
    mkdir "$tmp/fits"
    SK_REPLAY_NAMES=1 "$(dirname "$fuzzer")/../tests/fuzz_${target}_replay" "$@" 2>&1 >/dev/null |
        python3 -c '
import shutil, sys
last = None
for line in sys.stdin:
    if line.startswith("replay: fits") and last:
        shutil.copy(last, sys.argv[1])
    elif line.startswith("replay: "):
        last = line[8:].rstrip("\n")
' "$tmp/fits"
    set -- "$tmp/fits"
    ;;
esac
nice -n 10 "$fuzzer" -merge=1 -rss_limit_mb=2048 -timeout=10 "$tmp/merged" "$saved" "$@" \
    >"$tmp/merge.log" 2>&1 || { tail -20 "$tmp/merge.log"; exit 1; }
python3 - "$tmp/merged" "$tmp/keep" <<'EOF'
import hashlib, os, sys
merged, keep = sys.argv[1:]
def sha(p):
    return hashlib.sha1(open(p, "rb").read()).hexdigest()
kept = {sha(os.path.join(keep, n)) for n in os.listdir(keep)}
files = [os.path.join(merged, n) for n in os.listdir(merged)]
for p in [p for p in files if sha(p) in kept]:
    os.remove(p)  # already there as a crash input
files = [p for p in files if os.path.exists(p)]
files.sort(key=os.path.getsize)
budget = 1_000_000 - sum(os.path.getsize(os.path.join(keep, n)) for n in os.listdir(keep))
room = 150 - len(kept)
chosen = []
for p in files:
    if len(chosen) < room and os.path.getsize(p) <= budget:
        chosen.append(p)
        budget -= os.path.getsize(p)
for p in set(files) - set(chosen):
    os.remove(p)
print(f"{len(chosen)} inputs kept, {len(files) - len(chosen)} dropped for the size limits")
EOF
rm -rf "$saved"
mkdir -p "$saved"
cp "$tmp/keep/"* "$tmp/merged/"* "$saved/" 2>/dev/null || true
echo "$target: $(find "$saved" -type f | wc -l) files, $(du -sk --apparent-size "$saved" | cut -f1) KiB"

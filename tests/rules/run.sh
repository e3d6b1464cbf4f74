#!/usr/bin/env bash
# Makes every bundled rule's samples in a temporary folder and checks each
# against the sekisho binary given as $1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python3}
samples=$(mktemp -d)
trap 'rm -rf "$samples"' EXIT
"$py" "$here/make_samples.py" "$samples"
"$py" "$here/test_rules.py" --sekisho "$1" --samples "$samples"

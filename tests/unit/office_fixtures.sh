#!/bin/sh
# Makes the inputs of test_cfb_check in the folder $1: an MSI
# as msitools' wixl writes it (libgsf's writer, independent of ours), a Word
# file with a VBA project from mkole.py, and mkole.py's damaged files.
set -eu
out=${1:?usage: office_fixtures.sh FOLDER}
tests=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# The MSI of the droppers case that pins msitools' names.
OUT="$out/wixl.msi" sh "$tests/cases/droppers/msi_stream_names.sh"

printf 'Sub AutoOpen()\r\n  MsgBox "hello"\r\nEnd Sub\r\n' >module.bas
python3 "$tests/fixtures/mkole.py" "$out/vba.doc" --text WordDocument=hello --vba Module1=module.bas
head -c 9000 /dev/zero | tr '\0' 'b' >Big
for c in "" cyclic-fat cyclic-dir long-minichain short-chain; do
    python3 "$tests/fixtures/mkole.py" "$out/${c:-plain}.doc" --text WordDocument=x \
        --text Small="small stream" --stream Big=Big ${c:+--corrupt "$c"}
done

#!/bin/sh
# Makes the inputs of test_fail_closed in the folder $1 with independent tools
# and the fixture cases' own writers: a password ZIP (Info-ZIP), a message
# whose ZIP opens with a password from its body, a Word file with VBA, an
# RTF with a Package object, a DOCX, an XLS, a tar.gz, a PDF whose
# JavaScript is in an object stream, a OneNote section with named files, a
# PowerShell shortcut, a FAT and a UDF image, a message with a TNEF part,
# an XLS with an XLM macro sheet, and a zip of 3,000 members (for the time limit).
set -eu
out=${1:?usage: fail_closed_fixtures.sh FOLDER}
tests=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export PY=python3 FIXTURES="$tests/fixtures" MKARCHIVE="python3 $tests/fixtures/mkarchive.py"
export EICAR="$work/no-eicar" # none of these cases reads it

# case GROUP/NAME FILE: runs a fixture case's script with OUT=FILE
case_input() {
    mkdir -p "$work/$1"
    rm -f "$out/$2" # a writer such as mkfs.fat refuses to overwrite (a second run)
    (cd "$work/$1" && OUT="$out/$2" bash -eu "$tests/cases/$1.sh")
}

printf 'minutes of the meeting\n' >minutes.txt
zip -q -X -P 'S3cret-pw' "$out/password.zip" minutes.txt
case_input messages/clean_zip_opened_from_body_passes mail.eml
case_input ole2/vba_benign_module vba.doc
case_input rtf/package_text_file package.rtf
case_input ooxml/docx_clean_passes clean.docx
case_input biff/xls_no_macro_passes plain.xls
seq 1 20000 >numbers.txt
tar -czf "$out/numbers.tar.gz" numbers.txt minutes.txt
case_input bad/timeout slow.zip
# the unpackers whose buffers are dynbufs from the job's allocator
case_input pdf/javascript_in_object_stream objstm.pdf
case_input onenote/names_tied names.one
case_input droppers/lnk_powershell shortcut.lnk
case_input droppers/fat_img_exe_long_name fat.img
case_input droppers/udf_exe_in_subdir subdir.udf
case_input tnef/clean_winmail_passes winmail.eml
case_input biff/xls_macro_sheet macro.xls
case_input ooxml/xlsb_macrosheet_xlm macro.xlsb

# Corrupt inputs, one or more per unpacker that can find its input corrupt.
head -c 20000 "$out/numbers.tar.gz" >"$out/truncated.tar.gz"
case_input ole2/truncated truncated.doc
case_input bad/truncated_cab truncated.cab
case_input biff/xls_truncated_macro_sheet truncated.xls
printf '{\\rtf1\\ansi {\\b bold {\\i italic' >"$out/unclosed.rtf"
python3 - "$out" <<'PYEOF'
import os, sys, zipfile
out = sys.argv[1]
with open(os.path.join(out, "long-header.eml"), "wb") as f:
    f.write(b"Subject: hello\nX-Long: " + b"a" * (2 << 20) + b"\n\nbody\n")
# a DOCX whose document part fails its CRC-32 (one byte of its data flipped)
raw = bytearray(open(os.path.join(out, "clean.docx"), "rb").read())
with zipfile.ZipFile(os.path.join(out, "clean.docx")) as z:
    info = z.getinfo("word/document.xml")
start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
raw[start + info.compress_size // 2] ^= 0x55
open(os.path.join(out, "crc.docx"), "wb").write(bytes(raw))
PYEOF

# An AES256 ZIP of LZMA members (7zz): opened by the second candidate.
# libarchive 3.6 decrypts only stored and deflated ZIP members: the trial
# decrypts, and libarchive decompresses a plain copy.
# EICAR padded to 128 bytes with whitespace (still the test file) so that
# 7-Zip compresses it rather than storing it.
{ cat "$EICAR"; printf '%*s\n' 59 ''; } > eicar.com
"$PY" -c "import sys; sys.stdout.write(''.join(f'line {i} of the member text, compressed then encrypted\\n' for i in range(800)))" > doc.txt
7zz a -tzip -mm=LZMA -mem=AES256 '-pS3cret!' "$OUT" doc.txt eicar.com >/dev/null
# Neither member may have been stored: the point is the method.
if 7zz l -slt "$OUT" | grep -q '^Method = .*Store'; then exit 1; fi

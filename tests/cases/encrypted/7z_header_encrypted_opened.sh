# -mhe=on: the header itself is LZMA under 7zAES; the candidate that opens it opens the files too.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
$PY "$FIXTURES/mk7z.py" x86 prog.bin
"$SEVENZ" a -bd -y -pS3cret-7z -mhe=on "$OUT" eicar.com prog.bin >/dev/null

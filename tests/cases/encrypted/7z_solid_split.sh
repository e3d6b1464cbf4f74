# -ms=on: one solid folder decoded once and split by the substream sizes.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
$PY "$FIXTURES/mk7z.py" x86 prog.bin
"$SEVENZ" a -bd -y -pS3cret-7z -ms=on -m0=LZMA2 "$OUT" eicar.com prog.bin >/dev/null

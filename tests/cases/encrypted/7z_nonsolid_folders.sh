# -ms=off: one folder per file, each encrypted with the same key (derived once, from the cache).
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
$PY "$FIXTURES/mk7z.py" x86 prog.bin
"$SEVENZ" a -bd -y -pS3cret-7z -ms=off -mhe=on "$OUT" eicar.com prog.bin >/dev/null

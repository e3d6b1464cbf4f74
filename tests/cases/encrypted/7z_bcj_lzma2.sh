# x86 code through BCJ then LZMA2 under 7zAES: the program comes back byte for byte.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
$PY "$FIXTURES/mk7z.py" x86 prog.bin
"$SEVENZ" a -bd -y -pS3cret-7z -m0=BCJ -m1=LZMA2 -ms=on "$OUT" eicar.com prog.bin >/dev/null

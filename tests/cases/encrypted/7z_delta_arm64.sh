# Delta and ARM64 (liblzma 5.4) in one chain before LZMA2, under 7zAES.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
$PY "$FIXTURES/mk7z.py" x86 prog.bin
"$SEVENZ" a -bd -y -pS3cret-7z -m0=ARM64 -m1=Delta:4 -m2=LZMA2 "$OUT" eicar.com prog.bin >/dev/null

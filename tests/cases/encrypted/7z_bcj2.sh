# x86 code through BCJ2 (four streams: main, CALL, JMP, range coder), each LZMA, each under 7zAES.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
$PY "$FIXTURES/mk7z.py" x86 prog.bin
"$SEVENZ" a -bd -y -pS3cret-7z -m0=BCJ2 -m1=LZMA -m2=LZMA -m3=LZMA -mb0s0:1 -mb0s1:2 -mb0s2:3 "$OUT" eicar.com prog.bin >/dev/null

# The other branch filters liblzma runs (PPC, SPARC, ARM, ARMT, IA64), each before LZMA
# under 7zAES in a 7z of its own, the five stored in one plain zip: each program comes
# back byte for byte.
SEVENZ=$(command -v 7zz || command -v 7z)
$PY "$FIXTURES/mk7z.py" x86 prog.bin
for f in PPC SPARC ARM ARMT IA64; do
    "$SEVENZ" a -bd -y -pS3cret-7z -m0=$f -m1=LZMA "$f.7z" prog.bin >/dev/null
done
zip -q -0 "$OUT" PPC.7z SPARC.7z ARM.7z ARMT.7z IA64.7z

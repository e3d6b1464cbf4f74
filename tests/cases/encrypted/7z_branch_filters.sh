# The other branch filters liblzma runs (PPC, SPARC, ARM, ARMT, IA64), each before LZMA
# under 7zAES in a 7z of its own, the five stored in one plain zip: each program comes
# back byte for byte.
SEVENZ=$(command -v 7zz || command -v 7z)
$PY - <<'PYEOF'
import random
r = random.Random(7)
b = bytearray()
for i in range(3000):
    b += bytes([0x55, 0x48, 0x89, 0xE5, 0xE8]) + r.randrange(1 << 20).to_bytes(4, "little")
    b += b"\xE9" + r.randrange(1 << 16).to_bytes(4, "little")
    b += b"\x0F\x84" + r.randrange(4096).to_bytes(4, "little") + b"\xC3"
open("prog.bin", "wb").write(b)
PYEOF
for f in PPC SPARC ARM ARMT IA64; do
    "$SEVENZ" a -bd -y -pS3cret-7z -m0=$f -m1=LZMA "$f.7z" prog.bin >/dev/null
done
zip -q -0 "$OUT" PPC.7z SPARC.7z ARM.7z ARMT.7z IA64.7z

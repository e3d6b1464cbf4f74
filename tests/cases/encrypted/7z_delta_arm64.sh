# Delta and ARM64 (liblzma 5.4) in one chain before LZMA2, under 7zAES.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
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
"$SEVENZ" a -bd -y -pS3cret-7z -m0=ARM64 -m1=Delta:4 -m2=LZMA2 "$OUT" eicar.com prog.bin >/dev/null

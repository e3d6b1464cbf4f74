# x86 code through BCJ then LZMA2 under 7zAES: the program comes back byte for byte.
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
"$SEVENZ" a -bd -y -pS3cret-7z -m0=BCJ -m1=LZMA2 -ms=on "$OUT" eicar.com prog.bin >/dev/null

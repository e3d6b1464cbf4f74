# x86 code through BCJ2 (four streams: main, CALL, JMP, range coder), each LZMA, each under 7zAES.
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
"$SEVENZ" a -bd -y -pS3cret-7z -m0=BCJ2 -m1=LZMA -m2=LZMA -m3=LZMA -mb0s0:1 -mb0s1:2 -mb0s2:3 "$OUT" eicar.com prog.bin >/dev/null

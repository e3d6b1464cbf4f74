# A FAT whose chain for a file loops back on itself: error.corrupt, what was
# read is scanned, no hang.
mkfs.fat -C "$OUT" 1440 >/dev/null
seq 1 3000 > long.txt
mcopy -i "$OUT" long.txt ::long.txt
$PY - "$OUT" <<'EOF'
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
fat = struct.unpack_from("<H", img, 14)[0] * 512
def set12(n, v):
    off = fat + n + n // 2
    cur = struct.unpack_from("<H", img, off)[0]
    cur = (cur & 0x000F) | (v << 4) if n & 1 else (cur & 0xF000) | v
    struct.pack_into("<H", img, off, cur)
set12(5, 2)  # the file starts at cluster 2: its fourth cluster points back
open(sys.argv[1], "wb").write(img)
EOF

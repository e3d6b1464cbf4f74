# An Apple disk image (UDIF) written from the format's documents: a FAT16
# volume holding an EXE, stored as one blkx partition in four chunks
# (zlib, zero-fill, bzip2, raw) behind the "koly" trailer and its XML
# property list. dmg2img, an independent reader, must give the volume back.
mkfs.fat -F 16 -s 1 -C vol.img 4096 >/dev/null
$PY "$FIXTURES/mkpe.py" payload.exe
mcopy -i vol.img payload.exe ::setup.exe
cat > mkdmg.py <<'PY'
import base64, bz2, struct, sys, uuid, zlib
vol = open(sys.argv[2], "rb").read()
S = 512
total = len(vol) // S
data = bytearray()
chunks = []
def chunk(kind, first, count, stored):
    chunks.append((kind, 0, first, count, len(data), len(stored)))
    data.extend(stored)
q = total // 4
chunk(0x80000005, 0, q, zlib.compress(vol[:q * S]))
assert not any(vol[q * S:2 * q * S])  # FAT16's empty data area: zero-fill
chunk(0, q, q, b"")
chunk(0x80000006, 2 * q, q, bz2.compress(vol[2 * q * S:3 * q * S]))
chunk(1, 3 * q, total - 3 * q, vol[3 * q * S:])
chunk(0xFFFFFFFF, total, 0, b"")
mish = struct.pack(">4sIQQQII24s", b"mish", 1, 0, total, 0, 0x208, 0, bytes(24))
mish += struct.pack(">II128s", 2, 32, bytes(128)) + struct.pack(">I", len(chunks))
mish += b"".join(struct.pack(">IIQQQQ", *c) for c in chunks)
name = "Windows (DOS_FAT_16 : 1)"
b64 = base64.encodebytes(mish).decode()
xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
       "<key>resource-fork</key><dict><key>blkx</key><array><dict>"
       "<key>Attributes</key><string>0x0050</string><key>CFName</key><string>%s</string>"
       "<key>Data</key><data>\n%s</data><key>ID</key><string>0</string>"
       "<key>Name</key><string>%s</string></dict></array></dict></dict></plist>\n"
       % (name, b64, name)).encode()
koly = struct.pack(">4sIIIQQQQQII16sII128sQQ120sII128sIQ12s", b"koly", 4, 512, 1, 0, 0,
                   len(data), 0, 0, 1, 1, uuid.uuid4().bytes, 2, 32, bytes(128), len(data),
                   len(xml), bytes(120), 2, 32, bytes(128), 1, total, bytes(12))
assert len(koly) == 512
open(sys.argv[1], "wb").write(bytes(data) + xml + koly)
PY
$PY mkdmg.py "$OUT" vol.img
dmg2img -s -i "$OUT" -o back.img >/dev/null 2>&1
cmp back.img vol.img

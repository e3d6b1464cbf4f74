# A UDIF with three blkx partitions that cannot be listed: an HFS+ volume
# (raw chunk; "H+" at 1024, Apple TN1150) is not walked, an ADC chunk whose
# first copy reaches before the chunk does not decompress (corrupt), and a
# raw chunk that points past the data fork is corrupt. Each is still handed back as a child and scanned.
cat > mkdmg.py <<'PY'
import base64, struct, sys
S = 512
hfs = bytearray(8 * S)
hfs[1024:1026] = b"H+"
data = bytes(hfs) + b"\x83" + b"A" * 63
def mish(chunks):
    total = sum(c[3] for c in chunks)
    m = struct.pack(">4sIQQQII24s", b"mish", 1, 0, total, 0, 0x208, 0, bytes(24))
    m += struct.pack(">II128s", 2, 32, bytes(128)) + struct.pack(">I", len(chunks) + 1)
    m += b"".join(struct.pack(">IIQQQQ", *c) for c in chunks)
    return m + struct.pack(">IIQQQQ", 0xFFFFFFFF, 0, total, 0, 0, 0)
parts = [("disk image (Apple_HFS : 1)", mish([(1, 0, 0, 8, 0, len(hfs))])),
         ("adc (Apple_Free : 2)", mish([(0x80000004, 0, 0, 1, len(hfs), 64)])),
         ("outside (Apple_Free : 3)", mish([(1, 0, 0, 1, 1 << 40, 512)]))]
dicts = "".join("<dict><key>Data</key><data>%s</data><key>Name</key><string>%s</string></dict>"
                % (base64.b64encode(m).decode(), n) for n, m in parts)
xml = ("<plist><dict><key>resource-fork</key><dict><key>blkx</key><array>%s</array>"
       "</dict></dict></plist>" % dicts).encode()
koly = struct.pack(">4sIIIQQQQQII16sII128sQQ120sII128sIQ12s", b"koly", 4, 512, 1, 0, 0,
                   len(data), 0, 0, 1, 1, bytes(16), 0, 0, bytes(128), len(data), len(xml),
                   bytes(120), 0, 0, bytes(128), 1, 10, bytes(12))
open(sys.argv[1], "wb").write(data + xml + koly)
PY
$PY mkdmg.py "$OUT"

# A UDIF partition in one ADC chunk (Apple Data Compression, 0x80000004),
# written by a small encoder from the method's description (literal runs,
# two- and three-byte copies, overlapping ones too): a tar holding a text
# and EICAR. dmg2img, an independent reader with its own ADC decoder, must
# give the same bytes back; Sekisho must decode them, open the tar and find
# EICAR in it.
$PY - "$EICAR" <<'PY'
import io, sys, tarfile
def member(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    tar.addfile(info, io.BytesIO(data))
with tarfile.open("vol.bin", "w", format=tarfile.USTAR_FORMAT) as tar:
    member(tar, "notes.txt", b"".join(b"line %04d of the volume, the same words again\n" % i
                                      for i in range(80)))
    member(tar, "eicar.com", open(sys.argv[1], "rb").read())
PY
cat > mkdmg.py <<'PY'
import base64, struct, sys, uuid
vol = open(sys.argv[2], "rb").read()

def adc(data):
    """Greedy ADC: a match among the last positions of the same three
    bytes (two-byte copies within 1024 back, three-byte ones within 65536),
    else literal runs of up to 128 bytes."""
    out, lit, seen, i = bytearray(), bytearray(), {}, 0
    def flush():
        while lit:
            run = lit[:128]
            out.append(0x80 | (len(run) - 1))
            out.extend(run)
            del lit[:128]
    while i < len(data):
        best_len, best_off = 0, 0
        for at in seen.get(data[i:i + 3], [])[-8:]:
            off, n = i - at, 0
            while off <= 65536 and n < 67 and i + n < len(data) and data[i + n] == data[at + n]:
                n += 1
            if n > best_len:
                best_len, best_off = n, off
        start = i
        if 3 <= best_len <= 18 and best_off <= 1024:
            flush()
            out.append(((best_len - 3) << 2) | ((best_off - 1) >> 8))
            out.append((best_off - 1) & 0xFF)
            i += best_len
        elif best_len >= 4:
            flush()
            out.append(0x40 | (best_len - 4))
            out.extend((best_off - 1).to_bytes(2, "big"))
            i += best_len
        else:
            lit.append(data[i])
            i += 1
        for k in range(start, i):
            seen.setdefault(data[k:k + 3], []).append(k)
    flush()
    return bytes(out)

S = 512
total = len(vol) // S
stored = adc(vol)
chunks = [(0x80000004, 0, 0, total, 0, len(stored)), (0xFFFFFFFF, 0, total, 0, 0, 0)]
mish = struct.pack(">4sIQQQII24s", b"mish", 1, 0, total, 0, 0x208, 0, bytes(24))
mish += struct.pack(">II128s", 2, 32, bytes(128)) + struct.pack(">I", len(chunks))
mish += b"".join(struct.pack(">IIQQQQ", *c) for c in chunks)
name = "archive (Apple_Free : 1)"
xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
       "<key>resource-fork</key><dict><key>blkx</key><array><dict>"
       "<key>Data</key><data>\n%s</data><key>ID</key><string>0</string>"
       "<key>Name</key><string>%s</string></dict></array></dict></dict></plist>\n"
       % (base64.encodebytes(mish).decode(), name)).encode()
koly = struct.pack(">4sIIIQQQQQII16sII128sQQ120sII128sIQ12s", b"koly", 4, 512, 1, 0, 0,
                   len(stored), 0, 0, 1, 1, uuid.uuid4().bytes, 2, 32, bytes(128), len(stored),
                   len(xml), bytes(120), 2, 32, bytes(128), 1, total, bytes(12))
open(sys.argv[1], "wb").write(stored + xml + koly)
PY
$PY mkdmg.py "$OUT" vol.bin
dmg2img -s -i "$OUT" -o back.bin >/dev/null 2>&1
cmp back.bin vol.bin

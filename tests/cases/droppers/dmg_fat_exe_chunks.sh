# An Apple disk image (UDIF) written from the format's documents: a FAT16
# volume holding an EXE, stored as one blkx partition in four chunks
# (zlib, zero-fill, bzip2, raw) behind the "koly" trailer and its XML
# property list. dmg2img, an independent reader, must give the volume back.
mkfs.fat -F 16 -s 1 -C vol.img 4096 >/dev/null
$PY "$FIXTURES/mkpe.py" payload.exe
mcopy -i vol.img payload.exe ::setup.exe
$PY - "$OUT" vol.img <<'PY'
import bz2, os, sys, zlib
sys.path.insert(0, os.environ["FIXTURES"])
import mkdmg
vol = open(sys.argv[2], "rb").read()
S = mkdmg.SECTOR
total = len(vol) // S
q = total // 4
assert not any(vol[q * S:2 * q * S])  # FAT16's empty data area: zero-fill
data, chunks = bytearray(), []
for kind, first, count, stored in ((mkdmg.ZLIB, 0, q, zlib.compress(vol[:q * S])),
                                   (mkdmg.ZERO, q, q, b""),
                                   (mkdmg.BZIP2, 2 * q, q, bz2.compress(vol[2 * q * S:3 * q * S])),
                                   (mkdmg.RAW, 3 * q, total - 3 * q, vol[3 * q * S:])):
    chunks.append((kind, first, count, len(data), len(stored)))
    data += stored
mkdmg.write(sys.argv[1], data, [("Windows (DOS_FAT_16 : 1)", chunks)])
PY
dmg2img -s -i "$OUT" -o back.img >/dev/null 2>&1
cmp back.img vol.img

# A compound file whose big stream's FAT chain leads to sector 0x00FFFFF0,
# far past the end of the file (MS-CFB 2.3): error.corrupt.
head -c 9000 /dev/zero | tr '\0' 'b' > Big
$PY "$FIXTURES/mkole.py" good.doc --text WordDocument="x" --stream Big=Big
$PY - good.doc <<'PYEOF'
import os, struct, sys
raw = bytearray(open(sys.argv[1], "rb").read())
fat_sector = struct.unpack_from("<I", raw, 0x4C)[0]  # DIFAT[0]
fat_at = 512 + fat_sector * 512
# Big is the first stream placed: sectors 0.. in order; sector 0 points to 1.
assert struct.unpack_from("<I", raw, fat_at)[0] == 1
struct.pack_into("<I", raw, fat_at, 0x00FFFFF0)
open(os.environ["OUT"], "wb").write(bytes(raw))
PYEOF

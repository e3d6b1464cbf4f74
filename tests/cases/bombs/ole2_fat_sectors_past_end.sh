# A compound file whose header declares 1,000,000 FAT sectors (MS-CFB 2.2
# csectFat) in a file of a few KB: error.corrupt, nothing allocated from it.
head -c 9000 /dev/zero | tr '\0' 'b' > Big
$PY "$FIXTURES/mkole.py" good.doc --text WordDocument="x" --stream Big=Big
$PY - good.doc <<'PYEOF'
import os, struct, sys
raw = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", raw, 0x2C, 1000000)  # csectFat
open(os.environ["OUT"], "wb").write(bytes(raw))
PYEOF

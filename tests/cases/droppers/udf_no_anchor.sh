# NSR02 in the volume recognition sequence (ECMA-167 2/9.1) but no anchor
# at sector 256: a UDF image that cannot be read is corrupt, never pass.
$PY - "$OUT" <<'PYEOF'
import sys
img = bytearray(64 * 1024)
for i, ident in enumerate([b"BEA01", b"NSR02", b"TEA01"]):
    off = 32768 + i * 2048
    img[off:off + 7] = b"\0" + ident + b"\1"
open(sys.argv[1], "wb").write(img)
PYEOF

# A pure UDF image (volume recognition sequence BEA01, NSR02, TEA01 from
# 32 KiB, ECMA-167 2/9.1): recognised, not read, never pass.
$PY - "$OUT" <<'EOF'
import sys
img = bytearray(64 * 1024)
for i, ident in enumerate([b"BEA01", b"NSR02", b"TEA01"]):
    off = 32768 + i * 2048
    img[off:off + 7] = b"\0" + ident + b"\1"
open(sys.argv[1], "wb").write(img)
EOF

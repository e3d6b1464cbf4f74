# A BMP whose bfSize is 0 (careless writers): typed bmp by its DIB header,
# its end taken from the pixel array, no trailer: pass (was content.unknown).
$PY "$FIXTURES/mkimage.py" bmp "$OUT"
$PY - "$OUT" <<'PYEOF'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(2)
    f.write(bytes(4))
PYEOF

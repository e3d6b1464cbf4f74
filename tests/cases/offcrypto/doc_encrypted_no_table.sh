# A Word FIB that says fEncrypted (and 1Table) in a file without the table
# stream that should hold the RC4 header: error.corrupt, never pass.
$PY - <<'PYEOF'
import struct
fib = struct.pack("<HHHHHHHI", 0xA5EC, 0x00C1, 0, 0, 0, 0x0300, 0x00BF, 52)  # ..flags, nFibBack, lKey
open("WordDocument", "wb").write(fib.ljust(4096, b"\0"))
PYEOF
$PY "$FIXTURES/mkole.py" "$OUT" --stream WordDocument=WordDocument

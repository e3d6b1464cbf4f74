# A byte flipped in the ciphertext of a stored (Copy) file: the right candidate still
# passes the zero padding (and opens eicar.com), the file's CRC fails: error.corrupt, and
# its bytes are scanned all the same. filler.txt is 3000 bytes (not a multiple of 16), so
# its last block carries padding; the flip at 2000 lies inside it whichever folder is first.
SEVENZ=$(command -v 7zz || command -v 7z)
cp "$EICAR" eicar.com
$PY -c 'open("filler.txt", "w").write("x" * 2999 + "\n")'
"$SEVENZ" a -bd -y -pS3cret-7z -m0=Copy tmp.7z eicar.com filler.txt >/dev/null
$PY - <<'PYEOF'
d = bytearray(open("tmp.7z", "rb").read())
d[32 + 2000] ^= 0x20
import os
open(os.environ["OUT"], "wb").write(d)
PYEOF

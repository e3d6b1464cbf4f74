# An encrypted stored member with one ciphertext byte flipped (in its last
# AES block): the check value still picks the password, the decrypted bytes
# fail the member's HMAC'd CRC32: error.corrupt, and the bytes are scanned
# all the same (the first four blocks decrypt cleanly).
printf 'hello from sekisho, a text long enough for five AES blocks of data here.\n' > note.txt
$MKARCHIVE rar5-aes "$OUT" --password s3cret note.txt=note.txt
$PY - "$OUT" <<'PYEOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
# The data area ends 8 bytes (the end header) before the archive does.
data[-8 - 3] ^= 0x01
open(path, "wb").write(data)
PYEOF

# An encrypted stored RAR4 member with one ciphertext byte flipped: the
# right password decrypts it, but the CRC32 fails, and RAR4 has no check
# value to tell a wrong password from damage: the member stays unopened
# (sandbox), no password is claimed; the archive's own bytes are scanned.
printf 'hello from sekisho, a text long enough for five AES blocks of data here.\n' > note.txt
$MKARCHIVE rar4-aes "$OUT" --password s3cret note.txt=note.txt
$PY - "$OUT" <<'PYEOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
# The data area ends 7 bytes (the end header) before the archive does.
data[-7 - 3] ^= 0x01
open(path, "wb").write(data)
PYEOF

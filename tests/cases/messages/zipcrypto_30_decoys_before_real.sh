# Why this case exists: ZipCrypto (traditional PKWARE encryption) checks a
# password with one byte only. The last of the 12 decrypted header bytes must
# equal the high byte of the entry's CRC-32, or, when general-purpose flag bit 3
# is set (Info-ZIP zip 3.0 sets it on every encrypted entry), the high byte of
# the DOS modification time. About 1 wrong password in 256 passes that check.
# A scanner that stops at the first candidate passing it gives up (or reports
# garbage) long before the real password. Here the body lists 30 such decoys,
# each "PW: <decoy>", before the real "PW: <real>" line: the scan must verify
# decryption + CRC for each candidate and keep going until the real one.
#
# The entry's mtime is 13:05 UTC, so its DOS time high byte (13<<3 | 5>>3 =
# 0x68) equals the high byte of EICAR's CRC-32 (0x6851cf3c): the decoys pass
# the check whichever of the two bytes a reader compares. EICAR is stored
# (not deflated), so only the CRC-32 tells a decoy from the real password.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Re4l#Pw-77' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part
from zipdecoys import decoys_for

REAL = "Re4l#Pw-77"
decoys = decoys_for("invoice.zip", REAL, count=30, seed=20240115)

body = "Hello,\n\nthe passwords we sent before were wrong, sorry. Try these in order:\n"
body += "".join("PW: %s\n" % d for d in decoys)
body += "PW: %s\n\nRegards\n" % REAL

write(mail("zipcrypto_30_decoys_before_real", "Invoice",
           text_part(body, "ascii", "us-ascii", "7bit"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Why this case exists: ZipCrypto (traditional PKWARE encryption) checks a
# password with one byte only. The last of the 12 decrypted header bytes must
# equal the high byte of the entry's CRC-32, or, when general-purpose flag bit 3
# is set (Info-ZIP zip 3.0 sets it on every encrypted entry), the high byte of
# the DOS modification time. About 1 wrong password in 256 passes that check.
# A scanner that stops at the first candidate passing it gives up (or reports
# garbage) long before the real password. Here the body lists 30 such decoys,
# each "PW: <decoy>" (keyword candidates, the highest-ranked source). The real
# password follows only as a quoted string with no keyword, a lower-ranked
# source: the search must get through every keyword candidate and go on.
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
import random
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

REAL = "Re4l#Pw-77"

CRC_TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
    CRC_TABLE.append(c)


def crc32_byte(crc, b):
    return CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)


def check_byte_of(password, header):
    """Decrypts the 12-byte encryption header with `password`; returns its last byte."""
    k0, k1, k2 = 0x12345678, 0x23456789, 0x34567890

    def update(k0, k1, k2, c):
        k0 = crc32_byte(k0, c)
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = crc32_byte(k2, k1 >> 24)
        return k0, k1, k2

    for c in password.encode("utf-8"):
        k0, k1, k2 = update(k0, k1, k2, c)
    plain = 0
    for c in header:
        t = (k2 | 2) & 0xFFFF
        plain = c ^ (((t * (t ^ 1)) >> 8) & 0xFF)
        k0, k1, k2 = update(k0, k1, k2, plain)
    return plain


with open("invoice.zip", "rb") as f:
    data = f.read()
(sig, _ver, flags, method, mtime, _mdate, _crc, _csize, _usize,
 name_len, extra_len) = struct.unpack_from("<IHHHHHIIIHH", data, 0)
assert sig == 0x04034B50 and flags & 1, "first entry is not a ZipCrypto entry"
header = data[30 + name_len + extra_len:30 + name_len + extra_len + 12]
info = zipfile.ZipFile("invoice.zip").infolist()[0]
crc = info.CRC
assert crc == zlib.crc32(open("eicar.com", "rb").read())
want = (mtime >> 8) if flags & 8 else (crc >> 24)
assert (mtime >> 8) == (crc >> 24), "mtime and CRC check bytes differ; check TZ/touch"
assert check_byte_of(REAL, header) == want, "the real password fails its own check"

rng = random.Random(20240115)
# Letters and digits only, so no harvester trims a decoy into another string.
alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
decoys = []
while len(decoys) < 30:
    cand = "".join(rng.choice(alphabet) for _ in range(rng.randint(6, 10)))
    if cand != REAL and cand not in decoys and check_byte_of(cand, header) == want:
        decoys.append(cand)

# Each decoy passes the one-byte check but does not open the entry.
with zipfile.ZipFile("invoice.zip") as z:
    for d in decoys:
        try:
            z.read("eicar.com", pwd=d.encode())
        except zipfile.BadZipFile:
            continue          # "Bad CRC-32": got past the check byte, as intended
        raise SystemExit("decoy %r opened the zip" % d)
    assert z.read("eicar.com", pwd=REAL.encode()) == open("eicar.com", "rb").read()

body = "Hello,\n\nthe passwords we sent before were wrong, sorry. Try these in order:\n"
body += "".join("PW: %s\n" % d for d in decoys)
body += 'If none of them works, use "%s".\n\nRegards\n' % REAL

write(mail("zipcrypto_30_decoys_then_quoted", "Invoice",
           text_part(body, "ascii", "us-ascii", "7bit"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# A 130,292-byte file sent as a part with Content-Transfer-Encoding:
# x-uuencode, its lines ending in CRLF and written by binascii.b2a_uu with
# spaces for zero (so a mailer may strip them at a line's end: every third
# line here is). GMime's own uudecode filter lost its place on such lines
# and handed back 70,470 bytes that differ from byte 61,426 on; the part
# must decode to the file, byte for byte (the sha256 below is the file's).
$PY - <<'PYEOF'
import binascii
import os
import random
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

data = random.Random(18).randbytes(130292)
lines = [binascii.b2a_uu(data[i:i + 45]).decode("ascii").rstrip("\n")
         for i in range(0, len(data), 45)]
lines = [l.rstrip(" ") if n % 3 == 0 else l for n, l in enumerate(lines)]
# Python's decoder reads the stripped lines back to the file (a2b_uu pads a
# short line with zeros, as POSIX uudecode does).
assert b"".join(binascii.a2b_uu(l) for l in lines) == data
uu = "".join(l + "\n" for l in lines)

raw = (
    raw_headers("the photo", "x_uuencode_part_crlf_large") +
    "Content-Type: multipart/mixed; boundary=\"=_uu\"\n"
    "\n"
    "--=_uu\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "The photo from Sunday.\n"
    "--=_uu\n"
    "Content-Type: image/jpeg; name=\"photo.jpg\"\n"
    "Content-Disposition: attachment; filename=\"photo.jpg\"\n"
    "Content-Transfer-Encoding: x-uuencode\n"
    "\n"
    "begin 644 photo.jpg\n" + uu + "`\nend\n"
    "--=_uu--\n"
)
write_raw(raw)  # every line ends in CRLF
PYEOF

# A `begin 644 x` block of 100,000 random bytes in a text body whose lines
# end in CRLF, written by binascii.b2a_uu with spaces for zero and every
# third line's trailing spaces stripped as a mailer may. The block must
# decode to the file, byte for byte (the sha256 below is the file's).
$PY - <<'PYEOF'
import binascii
import os
import random
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

data = random.Random(19).randbytes(100000)
lines = [binascii.b2a_uu(data[i:i + 45]).decode("ascii").rstrip("\n")
         for i in range(0, len(data), 45)]
lines = [l.rstrip(" ") if n % 3 == 0 else l for n, l in enumerate(lines)]
assert b"".join(binascii.a2b_uu(l) for l in lines) == data

raw = (
    raw_headers("the file", "uuencoded_block_crlf_large_in_body") +
    "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "Here it is.\n\nbegin 644 x\n" + "".join(l + "\n" for l in lines) + " \nend\n\nBye\n"
)
write_raw(raw)  # every line ends in CRLF
PYEOF

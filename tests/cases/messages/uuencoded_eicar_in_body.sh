# A single-part text/plain message whose body carries a uuencoded file
# ("begin 644 eicar.com" ... "end", made with binascii.b2a_uu, backticks for
# zero so no line ends in spaces). The uuencoded block is unpacked as its own
# node and scanned: EICAR -> block.
$PY - <<'PYEOF'
import binascii
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

with open(os.environ["EICAR"], "rb") as f:
    data = f.read()
uu = "".join(binascii.b2a_uu(data[i:i + 45], backtick=True).decode("ascii")
             for i in range(0, len(data), 45))
body = ("Hello,\n\nthe file you asked for is below.\n\n"
        "begin 644 eicar.com\n" + uu + "`\nend\n\nRegards\n")
# The block must decode back to the file.
assert b"".join(binascii.a2b_uu(l) for l in uu.splitlines()) == data

raw = (
    raw_headers("the file", "uuencoded_eicar_in_body") +
    "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n" + body
)
write_raw(raw)
PYEOF

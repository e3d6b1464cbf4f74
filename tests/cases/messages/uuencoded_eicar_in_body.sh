# A single-part text/plain message whose body carries a uuencoded file
# ("begin 644 eicar.com" ... "end", made with binascii.b2a_uu, backticks for
# zero so no line ends in spaces). The uuencoded block is unpacked as its own
# node and scanned: EICAR -> block.
$PY - <<'PYEOF'
import binascii
import os

with open(os.environ["EICAR"], "rb") as f:
    data = f.read()
uu = "".join(binascii.b2a_uu(data[i:i + 45], backtick=True).decode("ascii")
             for i in range(0, len(data), 45))
body = ("Hello,\n\nthe file you asked for is below.\n\n"
        "begin 644 eicar.com\n" + uu + "`\nend\n\nRegards\n")
# The block must decode back to the file.
assert b"".join(binascii.a2b_uu(l) for l in uu.splitlines()) == data

raw = (
    "From: Sato Taro <sato@example.co.jp>\n"
    "To: Suzuki Hanako <suzuki@example.jp>\n"
    "Subject: the file\n"
    "Date: Mon, 15 Jan 2024 13:05:00 +0900\n"
    "Message-ID: <uuencoded_eicar_in_body@sekisho.test>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n" + body
)
with open(os.environ["OUT"], "wb") as f:
    f.write(raw.replace("\n", "\r\n").encode("ascii"))
PYEOF

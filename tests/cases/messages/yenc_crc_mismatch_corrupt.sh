# The article of yenc_article_zip_opened with one bit of its =yend crc32=
# flipped: the decoded bytes are not what the sender wrote, so the block is
# error.corrupt (sandbox), and still handed back and scanned.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X notes.zip eicar.com
$PY - <<'PYEOF'
import os
import zlib

with open("notes.zip", "rb") as f:
    data = f.read()


def yencode(data, width=128):
    lines, line = [], bytearray()
    for b in data:
        c = (b + 42) % 256
        if c in (0, 10, 13, 61):
            line += bytes([61, (c + 64) % 256])
        else:
            line.append(c)
        if len(line) >= width:
            lines.append(bytes(line))
            line = bytearray()
    if line:
        lines.append(bytes(line))
    return b"\r\n".join(lines) + b"\r\n"


article = (
    b"From: Sato Taro <sato@example.co.jp>\r\n"
    b"Newsgroups: alt.binaries.test\r\n"
    b"Subject: notes.zip (1/1)\r\n"
    b"Date: Mon, 15 Jan 2024 13:05:00 +0900\r\n"
    b"Message-ID: <yenc_crc_mismatch_corrupt@sekisho.test>\r\n"
    b"\r\n"
    b"=ybegin line=128 size=%d name=notes.zip\r\n" % len(data)
    + yencode(data)
    + b"=yend size=%d crc32=%08x\r\n" % (len(data), zlib.crc32(data) ^ 1)
)
with open(os.environ["OUT"], "wb") as f:
    f.write(article)
PYEOF

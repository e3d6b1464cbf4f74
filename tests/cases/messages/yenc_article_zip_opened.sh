# A Usenet-style article (no MIME) whose body is a yEnc block (yEnc 1.3:
# =ybegin line= size= name=, bytes written (b + 42) mod 256 with NUL, LF, CR
# and '=' escaped as '=' then (b + 106) mod 256, =yend size= crc32=),
# encoded here from the draft. The article is not text (its yEnc lines hold
# control bytes), but its header block is a message's: the block is decoded
# under its name=, its CRC32 checked, and the zip opened: EICAR -> block.
# (yenc_crc_mismatch_corrupt runs this script with YENC_CRC_FLIP=1.)
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X notes.zip eicar.com
$PY - <<'PYEOF'
import os
import zlib

CRC_FLIP = int(os.environ.get("YENC_CRC_FLIP", "0"))

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
    b"Message-ID: <yenc_article_zip_opened@sekisho.test>\r\n"
    b"\r\n"
    b"=ybegin line=128 size=%d name=notes.zip\r\n" % len(data)
    + yencode(data)
    + b"=yend size=%d crc32=%08x\r\n" % (len(data), zlib.crc32(data) ^ CRC_FLIP)
)
with open(os.environ["OUT"], "wb") as f:
    f.write(article)
PYEOF

# Malformed (hostile) MIME: 10,000 multipart/mixed parts nested one inside the
# other, a single short text leaf at the bottom. Far beyond the nesting depth
# limit (12) and the node limit (10,000): the scan must stop, stay bounded in
# time and stack, and fail closed (sandbox, with a limit or corrupt reason).
$PY - <<'PYEOF'
import os

DEPTH = 10000
out = [
    "From: Sato Taro <sato@example.co.jp>\n"
    "To: Suzuki Hanako <suzuki@example.jp>\n"
    "Subject: deep\n"
    "Date: Mon, 15 Jan 2024 13:05:00 +0900\n"
    "Message-ID: <malformed_nested_10000_multiparts@sekisho.test>\n"
    "MIME-Version: 1.0\n"
]
for i in range(DEPTH):
    out.append('Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i))
out.append("Content-Type: text/plain; charset=us-ascii\n\nbottom\n")
for i in reversed(range(DEPTH)):
    out.append("--b%d--\n" % i)
with open(os.environ["OUT"], "wb") as f:
    f.write("".join(out).replace("\n", "\r\n").encode("ascii"))
PYEOF

# Malformed MIME: the message ends in the middle of a base64 attachment (mid
# line, mid 4-character group, no closing boundary), as when a relay truncates
# a mail. Part of the attachment is lost, so the verdict must not be pass:
# sandbox, with a reason.
export TZ=UTC
$PY -c "import random,sys; r=random.Random(11); sys.stdout.write(''.join(r.choice('abcdefghij klmnop\n') for _ in range(6000)))" > report.txt
touch -d '2024-01-15 13:05:00' report.txt
zip -q -X -0 report.zip report.txt
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

raw = mail("malformed_truncated_base64", "report",
           text_part("Hello,\nthe report is attached.\n", "ascii", "us-ascii", "7bit"),
           zip_part("report.zip", "report.zip")).as_bytes()

# Cut halfway through the attachment's base64, 37 characters into a line.
start = raw.index(b"\n\n", raw.index(b'filename="report.zip"')) + 2
lines_start = raw.index(b"\n", start + (len(raw) - start) // 2) + 1
cut = lines_start + 37
assert set(raw[lines_start:cut]) <= set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
write(raw[:cut])
PYEOF

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
from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart

text = MIMEBase("text", "plain", charset="us-ascii")
text.set_payload("Hello,\nthe report is attached.\n")
text["Content-Transfer-Encoding"] = "7bit"
att = MIMEBase("application", "zip", name="report.zip")
with open("report.zip", "rb") as f:
    att.set_payload(f.read())
encoders.encode_base64(att)
att.add_header("Content-Disposition", "attachment", filename="report.zip")

msg = MIMEMultipart("mixed", boundary="=_sekisho_malformed_truncated_base64")
msg["From"] = "Sato Taro <sato@example.co.jp>"
msg["To"] = "Suzuki Hanako <suzuki@example.jp>"
msg["Subject"] = "report"
msg["Date"] = "Mon, 15 Jan 2024 13:05:00 +0900"
msg["Message-ID"] = "<malformed_truncated_base64@sekisho.test>"
msg.attach(text)
msg.attach(att)
raw = msg.as_bytes()

# Cut halfway through the attachment's base64, 37 characters into a line.
start = raw.index(b"\n\n", raw.index(b'filename="report.zip"')) + 2
lines_start = raw.index(b"\n", start + (len(raw) - start) // 2) + 1
cut = lines_start + 37
assert set(raw[lines_start:cut]) <= set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
with open(os.environ["OUT"], "wb") as f:
    f.write(raw[:cut])
PYEOF

# Korean, UTF-8 (base64): 비밀번호: X.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Se0ul!99' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart

BODY = """\
안녕하세요.
청구서를 첨부합니다.
비밀번호: Se0ul!99
감사합니다.
"""


def text_part(text, codec, label, cte, subtype="plain"):
    """A text part: `text` encoded with `codec`, labelled charset=`label`."""
    part = MIMEBase("text", subtype, charset=label)
    part.set_payload(text.encode(codec))
    if cte == "base64":
        encoders.encode_base64(part)
    elif cte == "quoted-printable":
        encoders.encode_quopri(part)
    else:
        part["Content-Transfer-Encoding"] = cte
    return part


def zip_part(path, filename):
    part = MIMEBase("application", "zip", name=filename)
    with open(path, "rb") as f:
        part.set_payload(f.read())
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def headers(msg, subject, case):
    msg["From"] = "Sato Taro <sato@example.co.jp>"
    msg["To"] = "Suzuki Hanako <suzuki@example.jp>"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 15 Jan 2024 13:05:00 +0900"
    msg["Message-ID"] = "<" + case + "@sekisho.test>"


msg = MIMEMultipart("mixed", boundary="=_sekisho_ko_utf8_bimilbeonho")
headers(msg, "Invoice", "ko_utf8_bimilbeonho")
msg.attach(text_part(BODY, "utf-8", "UTF-8", "base64", "plain"))
msg.attach(zip_part("invoice.zip", "invoice.zip"))
with open(os.environ["OUT"], "wb") as f:
    f.write(msg.as_bytes())
PYEOF

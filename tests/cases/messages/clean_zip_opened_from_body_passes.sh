# A legitimate password-protected zip (a clean text file inside) whose password
# is in the body: it is opened with the harvested password and the message
# passes.
export TZ=UTC
printf 'minutes of the meeting\n1. budget approved\n2. next meeting on Friday\n' > minutes.txt
touch -d '2024-01-15 13:05:00' minutes.txt
zip -q -X -P 'Mt-2024#q' minutes.zip minutes.txt
$PY - <<'PYEOF'
import os
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart

BODY = """\
お疲れ様です。
本日の議事録を共有します。
パスワード：Mt-2024#q
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


msg = MIMEMultipart("mixed", boundary="=_sekisho_clean_zip_opened_from_body_passes")
headers(msg, Header("議事録", "iso-2022-jp"), "clean_zip_opened_from_body_passes")
msg.attach(text_part(BODY, "utf-8", "UTF-8", "base64"))
msg.attach(zip_part("minutes.zip", "minutes.zip"))
with open(os.environ["OUT"], "wb") as f:
    f.write(msg.as_bytes())
PYEOF

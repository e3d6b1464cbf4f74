# A forwarded message: the outer body has no password; the message/rfc822
# attachment (filename forwarded.eml) holds the password in its own body
# (UTF-8) and the encrypted zip as its own attachment. Passwords are harvested
# from the whole message before any attachment is opened.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Fw9#dZ4' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.message import MIMEMessage

OUTER = """\
FYI, forwarding the message below.
"""
INNER = """\
Hi,
the invoice is attached.
Password: Fw9#dZ4
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


inner = MIMEMultipart("mixed", boundary="=_sekisho_forwarded_named_inner_password_inner")
headers(inner, "Invoice", "forwarded_named_inner_password-inner")
inner.attach(text_part(INNER, "utf-8", "UTF-8", "base64"))
inner.attach(zip_part("invoice.zip", "invoice.zip"))

msg = MIMEMultipart("mixed", boundary="=_sekisho_forwarded_named_inner_password_outer")
headers(msg, "Fwd: invoice", "forwarded_named_inner_password")
msg.attach(text_part(OUTER, "ascii", "us-ascii", "7bit"))
fwd = MIMEMessage(inner)
fwd.add_header("Content-Disposition", "attachment", filename="forwarded.eml")
msg.attach(fwd)
with open(os.environ["OUT"], "wb") as f:
    f.write(msg.as_bytes())
PYEOF

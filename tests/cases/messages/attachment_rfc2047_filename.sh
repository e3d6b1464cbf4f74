# Japanese, ISO-2022-JP, and an attachment whose filename is an RFC 2047
# encoded word (filename="=?ISO-2022-JP?B?...?=", as Outlook and many Japanese
# mailers write it): the node is named by the decoded name 見積書.zip.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Mk8-ww2P' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart

BODY = """\
お世話になっております。
見積書を添付します。
パスワード：Mk8-ww2P
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


encoded = Header("見積書.zip", "iso-2022-jp").encode()
assert encoded.startswith("=?iso-2022-jp?b?"), encoded
msg = MIMEMultipart("mixed", boundary="=_sekisho_attachment_rfc2047_filename")
headers(msg, "見積書送付", "attachment_rfc2047_filename")
msg.attach(text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit"))
att = MIMEBase("application", "zip")
att.replace_header("Content-Type", 'application/zip; name="' + encoded + '"')
with open("invoice.zip", "rb") as f:
    att.set_payload(f.read())
encoders.encode_base64(att)
att["Content-Disposition"] = 'attachment; filename="' + encoded + '"'
msg.attach(att)
with open(os.environ["OUT"], "wb") as f:
    f.write(msg.as_bytes())
PYEOF

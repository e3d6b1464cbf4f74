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
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, message_part, text_part, write, zip_part

OUTER = """\
FYI, forwarding the message below.
"""
INNER = """\
Hi,
the invoice is attached.
Password: Fw9#dZ4
"""

inner = mail("forwarded_named_inner_password-inner", "Invoice",
             text_part(INNER, "utf-8", "UTF-8", "base64"),
             zip_part("invoice.zip", "invoice.zip"),
             boundary="=_sekisho_forwarded_named_inner_password_inner")
write(mail("forwarded_named_inner_password", "Fwd: invoice",
           text_part(OUTER, "ascii", "us-ascii", "7bit"),
           message_part(inner, "forwarded.eml"),
           boundary="=_sekisho_forwarded_named_inner_password_outer"))
PYEOF

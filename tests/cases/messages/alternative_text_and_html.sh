# multipart/alternative (text/plain UTF-8 + text/html UTF-8) beside the zip, the
# usual shape of mail from modern clients; the password is in both versions.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Alt3rn#8' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, multipart, text_part, write, zip_part

PLAIN = """\
Hello,
Password: Alt3rn#8
"""
HTML = """\
<html><body><p>Hello,</p><p>Password: <strong>Alt3rn#8</strong></p></body></html>
"""

alt = multipart("alternative", "=_sekisho_alternative_inner",
                text_part(PLAIN, "utf-8", "UTF-8", "quoted-printable"),
                text_part(HTML, "utf-8", "UTF-8", "quoted-printable", "html"))
write(mail("alternative_text_and_html", "Report",
           alt,
           zip_part("invoice.zip", "invoice.zip"),
           boundary="=_sekisho_alternative_outer"))
PYEOF

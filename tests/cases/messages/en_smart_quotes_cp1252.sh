# English, windows-1252 (quoted-printable): the password inside curly quotes
# “…”, which are bytes 0x93/0x94 in windows-1252.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'R2d2&C3po' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Dear Sir,
The password is “R2d2&C3po”.
Kind regards
"""

write(mail("en_smart_quotes_cp1252", "Invoice",
           text_part(BODY, "cp1252", "windows-1252", "quoted-printable", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# German, ISO-8859-15 (quoted-printable): Passwort: X.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Zugsp1tze' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Sehr geehrte Damen und Herren,

anbei die Rechnung.
Passwort: Zugsp1tze

Mit freundlichen Grüßen
"""

write(mail("de_iso885915_passwort", "Invoice",
           text_part(BODY, "iso-8859-15", "ISO-8859-15", "quoted-printable", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

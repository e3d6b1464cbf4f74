# French, ISO-8859-1 (quoted-printable): "Mot de passe : X" (French spacing
# before the colon).
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Fr4nc3!' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Bonjour,

Veuillez trouver ci-joint la facture.
Mot de passe : Fr4nc3!

Cordialement,
Hélène
"""

write(mail("fr_iso88591_mot_de_passe", "Invoice",
           text_part(BODY, "iso-8859-1", "ISO-8859-1", "quoted-printable", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

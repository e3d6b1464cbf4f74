# Portuguese, ISO-8859-1 (quoted-printable): Senha: X.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Rio2024$ab' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Olá,
segue em anexo a cotação.
Senha: Rio2024$ab
Atenciosamente
"""

write(mail("pt_iso88591_senha", "Invoice",
           text_part(BODY, "iso-8859-1", "ISO-8859-1", "quoted-printable", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

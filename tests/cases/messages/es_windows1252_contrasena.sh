# Spanish, windows-1252 (8bit): Contraseña: X (the ñ must be decoded to match).
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Ma3drid#' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Hola,
adjunto la factura.
Contraseña: Ma3drid#
Saludos
"""

write(mail("es_windows1252_contrasena", "Invoice",
           text_part(BODY, "cp1252", "windows-1252", "8bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Russian, ISO-8859-5 (8bit): ПАРОЛЬ in upper case.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Pt3rburg' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Добрый день.
Документы во вложении.
ПАРОЛЬ: Pt3rburg
"""

write(mail("ru_iso88595_uppercase", "Invoice",
           text_part(BODY, "iso-8859-5", "ISO-8859-5", "8bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

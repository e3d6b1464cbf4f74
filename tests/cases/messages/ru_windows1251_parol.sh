# Russian, windows-1251 (base64): Пароль: X (capitalised; keyword matching is
# case-insensitive).
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Mo5kva-77' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Здравствуйте!
Счёт во вложении.
Пароль: Mo5kva-77
С уважением
"""

write(mail("ru_windows1251_parol", "Invoice",
           text_part(BODY, "cp1251", "windows-1251", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Japanese, Shift_JIS (base64): a full-width password with a full-width
# symbol (Ｋｙ＃７７ｐ); the zip's password is its NFKC form Ky#77p.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Ky#77p' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
パスワード：Ｋｙ＃７７ｐ
よろしくお願いします。
"""

write(mail("ja_shiftjis_fullwidth_symbols", "Invoice",
           text_part(BODY, "shift_jis", "Shift_JIS", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

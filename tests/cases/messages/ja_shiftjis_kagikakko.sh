# Japanese, Shift_JIS (8bit): パスワードは「…」です。
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Pw-8842' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になります。
契約書を送ります。
パスワードは「Pw-8842」です。
"""

write(mail("ja_shiftjis_kagikakko", "Invoice",
           text_part(BODY, "shift_jis", "Shift_JIS", "8bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

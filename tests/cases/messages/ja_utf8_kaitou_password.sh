# Japanese, UTF-8 (quoted-printable): 解凍パスワード：…
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P '7731-Aq' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
関係者各位

議事録を共有します。
解凍パスワード：7731-Aq
"""

write(mail("ja_utf8_kaitou_password", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "quoted-printable", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Japanese, UTF-8 (base64): パスワードは…です。 with no spaces around the password.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Hk92md' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
書類を添付しました。
パスワードはHk92mdです。
"""

write(mail("ja_utf8_wa_desu", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Japanese, ISO-2022-JP: the password is written in full-width forms
# (ｘＹ１２ｋＱ); the zip's real password is its NFKC form xY12kQ.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'xY12kQ' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
見積書をお送りします。
パスワード：ｘＹ１２ｋＱ
ご確認のほどよろしくお願いいたします。
"""

write(mail("ja_iso2022jp_fullwidth_password", "Invoice",
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

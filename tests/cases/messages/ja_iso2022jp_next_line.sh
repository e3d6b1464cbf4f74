# Japanese, ISO-2022-JP: 解凍パスワード： ends its line; the password is on the next line.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Rt5-wq9Z' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
各位

資料を添付します。
解凍パスワード：
Rt5-wq9Z

以上です。
"""

write(mail("ja_iso2022jp_next_line", "Invoice",
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Chinese (simplified), UTF-8 (base64): 密码：X.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Bj8#20xx' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
您好，
附件是发票，请查收。
密码：Bj8#20xx
谢谢
"""

write(mail("zh_utf8_simplified", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

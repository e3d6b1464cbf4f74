# Japanese, ISO-2022-JP, and an attachment named 請求書.zip through RFC 2231
# (filename*=utf-8''...): the node is named by the decoded name.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Sx4#kk' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
パスワード：Sx4#kk
"""

write(mail("attachment_rfc2231_filename", "Invoice",
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit", "plain"),
           zip_part("invoice.zip", "請求書.zip")))
PYEOF

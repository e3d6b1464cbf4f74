# The password is only in the Subject, an RFC 2047 encoded word in ISO-2022-JP
# (=?iso-2022-jp?b?...?=); the body holds no password.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Ws4kP9z' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys
from email.header import Header

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
添付ファイルをご確認ください。
"""

write(mail("subject_only_iso2022jp", Header("【請求書送付】パスワード：Ws4kP9z", "iso-2022-jp"),
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

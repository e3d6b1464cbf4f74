# The body names a password, but the zip was made with another one that appears
# nowhere in the message (and is no common password): nothing opens it, so the
# member is reported as encrypted.unopened and the verdict is sandbox.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Rj7#Lq2x-Vk9' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys
from email.header import Header

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
パスワード：Wr0ng-pw
"""

write(mail("wrong_password_sandbox", Header("請求書", "iso-2022-jp"),
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Chinese (traditional), UTF-8 (quoted-printable): 密碼：X.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Tw9-pe3K' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
您好，
附件是報價單。
密碼：Tw9-pe3K
"""

write(mail("zh_utf8_traditional", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "quoted-printable", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

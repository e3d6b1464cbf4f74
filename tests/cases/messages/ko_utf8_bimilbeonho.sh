# Korean, UTF-8 (base64): 비밀번호: X.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Se0ul!99' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
안녕하세요.
청구서를 첨부합니다.
비밀번호: Se0ul!99
감사합니다.
"""

write(mail("ko_utf8_bimilbeonho", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

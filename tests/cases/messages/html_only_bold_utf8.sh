# HTML-only body (text/html, UTF-8, base64), Japanese: the password inside <b>…</b>.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Qy6#mN2' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
<html><head><style>p { color: #333; }</style></head><body>
<p>お世話になっております。</p>
<p>パスワード：<b>Qy6#mN2</b></p>
</body></html>
"""

write(mail("html_only_bold_utf8", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "base64", "html"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# HTML-only body (text/html, Shift_JIS, 8bit), Japanese: the password inside a
# styled <span>, a <br> ending the line.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Hm8*qq' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
<html><body><div>ご確認ください。<br>
パスワード：<span style="color:red">Hm8*qq</span><br>
</div></body></html>
"""

write(mail("html_only_shiftjis_span", "Invoice",
           text_part(BODY, "shift_jis", "Shift_JIS", "8bit", "html"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

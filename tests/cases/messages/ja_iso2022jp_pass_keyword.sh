# Japanese, ISO-2022-JP: the ASCII keyword PASS (upper case) in a Japanese body.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Nq5tR2' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
いつもお世話になっております。

添付：請求書.zip
PASS：Nq5tR2
"""

write(mail("ja_iso2022jp_pass_keyword", "Invoice",
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Japanese, EUC-JP (8bit): 暗証番号：<digits>.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P '482913' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
明細を添付します。
暗証番号：482913
"""

write(mail("ja_eucjp_anshou_bangou", "Invoice",
           text_part(BODY, "euc-jp", "EUC-JP", "8bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

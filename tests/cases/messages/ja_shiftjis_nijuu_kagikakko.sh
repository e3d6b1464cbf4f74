# Japanese, Shift_JIS (base64): 解凍パスワード『…』.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'zQ4!mR' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
各位

報告書をお送りします。
解凍パスワード『zQ4!mR』
"""

write(mail("ja_shiftjis_nijuu_kagikakko", "Invoice",
           text_part(BODY, "shift_jis", "Shift_JIS", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Japanese, Shift_JIS (8bit): the keyword in half-width katakana (ﾊﾟｽﾜｰﾄﾞ),
# which NFKC turns into パスワード.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Gh56tY' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
ﾊﾟｽﾜｰﾄﾞ：Gh56tY
"""

write(mail("ja_shiftjis_halfwidth_katakana_keyword", "Invoice",
           text_part(BODY, "shift_jis", "Shift_JIS", "8bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Japanese: Shift_JIS bytes (8bit) in a part labelled charset=ISO-2022-JP
# (a common mislabelling by old mailers).
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Ms77#qa' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
請求書を添付します。
パスワード：Ms77#qa
"""

write(mail("ja_sjis_labelled_iso2022jp_8bit", "Invoice",
           text_part(BODY, "shift_jis", "ISO-2022-JP", "8bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

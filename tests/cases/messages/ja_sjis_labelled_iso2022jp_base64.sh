# Japanese: Shift_JIS bytes, base64, labelled charset=ISO-2022-JP; the password
# is inside 「」.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Jd4-Wq8e' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
ご担当者様
見積書です。
パスワードは「Jd4-Wq8e」です。
"""

write(mail("ja_sjis_labelled_iso2022jp_base64", "Invoice",
           text_part(BODY, "shift_jis", "ISO-2022-JP", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

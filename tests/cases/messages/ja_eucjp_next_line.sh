# Japanese, EUC-JP (base64): パスワードは次の通り： then the password on the next line.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Eu7#jp22' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
パスワードは次の通り：
Eu7#jp22
以上、よろしくお願いいたします。
"""

write(mail("ja_eucjp_next_line", "Invoice",
           text_part(BODY, "euc-jp", "EUC-JP", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

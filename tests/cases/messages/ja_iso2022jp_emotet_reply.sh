# Japanese, ISO-2022-JP: an Emotet-style reply to a real thread; the new text
# holds the password, the quoted thread follows.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Zy7kLw3p' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
下記の件、ファイルを添付いたします。
パスワード: Zy7kLw3p

-----Original Message-----
> 差出人: 鈴木 花子
> 件名: 打ち合わせの件
> 来週の打ち合わせについてご連絡いたします。
"""

write(mail("ja_iso2022jp_emotet_reply", "Invoice",
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# Japanese, ISO-2022-JP as Outlook writes it (CP50221, "ISO-2022-JP-MS"),
# labelled ISO-2022-JP, with half-width katakana (ESC ( I) and ①: the body is written by nkf (--oc=CP50221),
# and the password line in it must still be found.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Kx7#mail' invoice.zip eicar.com
printf 'ｾｲｷｭｳｼｮ ｦ ｿｳﾌ ｼﾏｽ｡\nﾊﾟｽﾜｰﾄﾞ：Kx7#mail\n① 以上\n' | nkf --ic=UTF-8 --oc=CP50221 > body.jis
$PY - <<'PYEOF'
import os
import sys
from email.mime.base import MIMEBase

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, write, zip_part

part = MIMEBase("text", "plain", charset="ISO-2022-JP")
with open("body.jis", "rb") as f:
    part.set_payload(f.read())
part["Content-Transfer-Encoding"] = "7bit"
write(mail("ja_iso2022jp_ms_halfwidth_katakana", "Invoice", part, zip_part("invoice.zip", "invoice.zip")))
PYEOF

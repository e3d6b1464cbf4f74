# Japanese, ISO-2022-JP as Outlook writes it (CP50220, "ISO-2022-JP-MS"),
# labelled ISO-2022-JP, with the NEC special characters ㈱ and ① (row 13), which plain ISO-2022-JP and iconv refuse: the body is written by nkf (--oc=CP50220),
# and the password line in it must still be found.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Ab#12!' invoice.zip eicar.com
printf '㈱サンプル商事 経理部です。\n① 請求書を添付いたします。\n\nパスワード：Ab#12!\n\n以上、よろしくお願いいたします。\n' | nkf --ic=UTF-8 --oc=CP50220 > body.jis
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
write(mail("ja_iso2022jp_ms_nec_special", "Invoice", part, zip_part("invoice.zip", "invoice.zip")))
PYEOF

# One zip, two members with different passwords: one password is in the
# Subject (RFC 2047, ISO-2022-JP), the other in the body (Shift_JIS). Both
# members are opened.
export TZ=UTC
cp "$EICAR" eicar.com
printf 'quarterly numbers\n' > report.txt
touch -d '2024-01-15 13:05:00' eicar.com report.txt
zip -q -X -P 'Alp#h4x' invoice.zip eicar.com
zip -q -X -P 'Bet4-zz9' invoice.zip report.txt
$PY - <<'PYEOF'
import os
import sys
from email.header import Header

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
報告書のパスワード：Bet4-zz9
"""

write(mail("two_passwords_subject_and_body", Header("請求書 パスワード：Alp#h4x", "iso-2022-jp"),
           text_part(BODY, "shift_jis", "Shift_JIS", "base64"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

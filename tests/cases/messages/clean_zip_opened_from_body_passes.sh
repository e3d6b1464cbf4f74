# A legitimate password-protected zip (a clean text file inside) whose password
# is in the body: it is opened with the harvested password and the message
# passes.
export TZ=UTC
printf 'minutes of the meeting\n1. budget approved\n2. next meeting on Friday\n' > minutes.txt
touch -d '2024-01-15 13:05:00' minutes.txt
zip -q -X -P 'Mt-2024#q' minutes.zip minutes.txt
$PY - <<'PYEOF'
import os
import sys
from email.header import Header

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お疲れ様です。
本日の議事録を共有します。
パスワード：Mt-2024#q
"""

write(mail("clean_zip_opened_from_body_passes", Header("議事録", "iso-2022-jp"),
           text_part(BODY, "utf-8", "UTF-8", "base64"),
           zip_part("minutes.zip", "minutes.zip")))
PYEOF

# The Emotet shape end to end: a reply whose body gives the password of an
# attached ZipCrypto zip that holds a Word document with an auto-exec macro
# that shells out. The macro must be reported with its full path:
# invoice.zip/invoice.doc/Macros/VBA/Module1.
export TZ=UTC
printf 'Sub AutoOpen()\r\n    Shell "cmd /c calc.exe", vbHide\r\nEnd Sub\r\n' > module1.bas
$PY "$FIXTURES/mkole.py" invoice.doc --text WordDocument=placeholder --vba Module1=module1.bas
touch -d '2024-01-15 13:05:00' invoice.doc
zip -q -X -P 'Rk4-7qZ' invoice.zip invoice.doc
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = "いつもお世話になっております。\n請求書をお送りします。\n\nパスワード：Rk4-7qZ\n"
write(mail("macro_doc_in_password_zip", "Re: 請求書",
           text_part(BODY, "iso-2022-jp", "iso-2022-jp", "7bit"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

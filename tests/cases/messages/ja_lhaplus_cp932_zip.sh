# The whole Lhaplus shape: a ZIP whose member name (請求書.exe) and ZipCrypto
# password (さくら2022) are both CP932 bytes, attached to an ISO-2022-JP mail
# that says the password. mkzipname.py writes the ZIP (Info-ZIP zip cannot
# be given a name's bytes portably); unzip checks it with the raw password.
cp "$EICAR" eicar.com
NAME=$($PY -c 'print("請求書.exe".encode("cp932").hex())')
PWHEX=$($PY -c 'print("さくら2022".encode("cp932").hex())')
$PY "$FIXTURES/mkzipname.py" invoice.zip --password-hex "$PWHEX" "$NAME=eicar.com"
unzip -tq -P "$(printf '\202\263\202\255\202\3472022')" invoice.zip >/dev/null
$PY - <<'PYEOF'
import os
import sys
from email.header import Header

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
請求書を添付いたします。
パスワード：さくら2022
"""
write(mail("ja_lhaplus_cp932_zip", Header("請求書の送付", "iso-2022-jp"),
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit"),
           zip_part("invoice.zip", "invoice.zip"),
           boundary="=_sekisho_ja_lhaplus_cp932_zip"))
PYEOF

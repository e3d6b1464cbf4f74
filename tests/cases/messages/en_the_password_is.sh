# English, UTF-8 (quoted-printable): "The password is X." with the sentence's
# full stop after the password.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Tr0ub4dor&3' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Dear customer,

The password is Tr0ub4dor&3.

Best regards
"""

write(mail("en_the_password_is", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "quoted-printable", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

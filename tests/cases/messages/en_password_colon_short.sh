# English, us-ascii: Password: <3 characters>.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'x9Q' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Hello,
the document is attached.
Password: x9Q
Thanks
"""

write(mail("en_password_colon_short", "Invoice",
           text_part(BODY, "ascii", "us-ascii", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

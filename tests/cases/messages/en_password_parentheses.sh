# English, us-ascii: the password inside parentheses after the keyword.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Lq0-77a' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Attached is the report, password (Lq0-77a).
"""

write(mail("en_password_parentheses", "Invoice",
           text_part(BODY, "ascii", "us-ascii", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

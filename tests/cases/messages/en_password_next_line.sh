# English, us-ascii: "Here is the password:" then the password, indented, on
# the next line.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Vb7-Rt2q' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Hi team,

Here is the password:
    Vb7-Rt2q

Cheers
"""

write(mail("en_password_next_line", "Invoice",
           text_part(BODY, "ascii", "us-ascii", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# English, us-ascii: PW: <digits>.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P '904417' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Hi,

Please find the invoice attached.
PW: 904417

Regards,
Tom
"""

write(mail("en_pw_colon_digits", "Invoice",
           text_part(BODY, "ascii", "us-ascii", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

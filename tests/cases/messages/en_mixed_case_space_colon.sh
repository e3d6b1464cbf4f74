# English, UTF-8 (base64): mixed-case keyword with a space before the colon.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Kk22@hh' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Hi,
PassWord : Kk22@hh
thanks
"""

write(mail("en_mixed_case_space_colon", "Invoice",
           text_part(BODY, "utf-8", "UTF-8", "base64", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

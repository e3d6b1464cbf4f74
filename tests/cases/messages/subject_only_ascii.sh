# The password is only in a plain ASCII Subject; the body holds no password.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Hj3k9q' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Hello,
please review the attached invoice.
"""

write(mail("subject_only_ascii", "Invoice 4471 (password: Hj3k9q)",
           text_part(BODY, "ascii", "us-ascii", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

# English, us-ascii: an Emotet-style reply; the password line is in the new text
# above the quoted thread.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P '3xr9Tt' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
Please see the attached file.
Password: 3xr9Tt

On Fri, 12 Jan 2024 at 09:14, Suzuki Hanako wrote:
> Could you send the updated figures?
> Thanks
"""

write(mail("en_emotet_reply", "Invoice",
           text_part(BODY, "ascii", "us-ascii", "7bit", "plain"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

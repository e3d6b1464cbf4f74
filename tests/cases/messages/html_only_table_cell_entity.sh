# HTML-only body (text/html, us-ascii, quoted-printable), English: the keyword in one
# table cell and the password in the next, with an HTML entity (&amp;) inside it.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Tb&9lk' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
<html><body>
<p>Invoice attached.</p>
<table border="1"><tr><td>File</td><td>invoice.zip</td></tr>
<tr><td>Password:</td><td>Tb&amp;9lk</td></tr></table>
</body></html>
"""

write(mail("html_only_table_cell_entity", "Invoice",
           text_part(BODY, "ascii", "us-ascii", "quoted-printable", "html"),
           zip_part("invoice.zip", "invoice.zip")))
PYEOF

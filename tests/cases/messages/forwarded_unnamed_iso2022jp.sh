# A forwarded message/rfc822 part with no filename (so its node name is
# generated, message-N.eml; the exact name is not asserted here). The inner body
# is ISO-2022-JP and holds the password; the inner attachment is the zip.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Tn6-8kRe' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys
from email.header import Header

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, message_part, text_part, write, zip_part

OUTER = """\
FYI
"""
INNER = """\
お世話になっております。
請求書を添付いたします。
パスワード：Tn6-8kRe
"""

inner = mail("forwarded_unnamed_iso2022jp-inner", Header("請求書", "iso-2022-jp"),
             text_part(INNER, "iso-2022-jp", "ISO-2022-JP", "7bit"),
             zip_part("invoice.zip", "invoice.zip"),
             boundary="=_sekisho_forwarded_unnamed_iso2022jp_inner")
write(mail("forwarded_unnamed_iso2022jp", "Fwd: invoice",
           text_part(OUTER, "ascii", "us-ascii", "7bit"),
           message_part(inner),
           boundary="=_sekisho_forwarded_unnamed_iso2022jp_outer"))
PYEOF

# Japanese, ISO-2022-JP, and an attachment whose filename is an RFC 2047
# encoded word (filename="=?ISO-2022-JP?B?...?=", as Outlook and many Japanese
# mailers write it): the node is named by the decoded name 見積書.zip.
#
# A fixed mtime keeps the zip headers stable (the 12-byte ZipCrypto header is random).
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X -P 'Mk8-ww2P' invoice.zip eicar.com
$PY - <<'PYEOF'
import os
import sys
from email.header import Header

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import mail, text_part, write, zip_part

BODY = """\
お世話になっております。
見積書を添付します。
パスワード：Mk8-ww2P
"""

encoded = Header("見積書.zip", "iso-2022-jp").encode()
assert encoded.startswith("=?iso-2022-jp?b?"), encoded
# The encoded word goes into both headers as it is, quoted (not RFC 2231).
att = zip_part("invoice.zip", "invoice.zip")
att.replace_header("Content-Type", 'application/zip; name="' + encoded + '"')
att.replace_header("Content-Disposition", 'attachment; filename="' + encoded + '"')
write(mail("attachment_rfc2047_filename", "見積書送付",
           text_part(BODY, "iso-2022-jp", "ISO-2022-JP", "7bit"),
           att))
PYEOF

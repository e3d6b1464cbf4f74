# A delivery report (RFC 3462 multipart/report) as a mail server bounces a
# message: the notice, the delivery status and the returned message's header
# block as text/rfc822-headers. The returned headers say multipart, but the
# parts were left out: they are text, not an empty multipart (which was
# error.corrupt), so the bounce passes and its headers are in body.txt.
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

raw = (
    raw_headers("shape", "bounce_rfc822_headers_multipart_passes") +
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"=_r\"\n"
    "\n"
    "--=_r\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Your message could not be delivered.\n"
    "--=_r\n"
    "Content-Type: message/delivery-status\n"
    "\n"
    "Reporting-MTA: dns; mx.example.jp\n"
    "\n"
    "Final-Recipient: rfc822; nobody@example.jp\n"
    "Action: failed\n"
    "Status: 5.1.1\n"
    "--=_r\n"
    "Content-Type: text/rfc822-headers\n"
    "\n"
    "From: Ito Jiro <ito@example.jp>\n"
    "To: Sato Taro <sato@example.co.jp>\n"
    "Subject: the report\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"=_inner\"\n"
    "--=_r--\n"
)
write_raw(raw)
PYEOF

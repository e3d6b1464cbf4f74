# A forwarded message (message/rfc822) cut to its header block, whose
# Content-Type says multipart: an empty multipart, not error.corrupt.
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

raw = (
    raw_headers("shape", "forward_cut_to_headers_multipart_passes") +
    "Content-Type: multipart/mixed; boundary=\"=_o\"\n"
    "\n"
    "--=_o\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "See the message below.\n"
    "--=_o\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "From: Ito Jiro <ito@example.jp>\n"
    "To: Sato Taro <sato@example.co.jp>\n"
    "Subject: the report\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"=_inner\"\n"
    "--=_o--\n"
)
write_raw(raw)
PYEOF

# A multipart that holds an empty multipart and an empty forwarded
# message: nothing is there to scan, and nothing is an error.
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

raw = (
    raw_headers("shape", "empty_multipart_and_message_pass") +
    "Content-Type: multipart/mixed; boundary=\"=_o\"\n"
    "\n"
    "--=_o\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Nothing attached after all.\n"
    "--=_o\n"
    "Content-Type: multipart/alternative; boundary=\"=_empty\"\n"
    "\n"
    "--=_o\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "--=_o--\n"
)
write_raw(raw)
PYEOF

# A multipart whose declared boundary never occurs, and whose content is
# plain text: that text is the body (body.txt), and the message passes.
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

raw = (
    raw_headers("shape", "multipart_lost_boundary_plain_text_passes") +
    "Content-Type: multipart/mixed; boundary=\"=_never_used\"\n"
    "\n"
    "The meeting moved to Thursday.\n"
)
write_raw(raw)
PYEOF

# A multipart whose declared boundary never occurs, and whose content is
# not text (control bytes throughout): error.corrupt, sandboxed, and the
# content scanned as one part, multipart-content.txt.
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

raw = (
    raw_headers("shape", "multipart_lost_boundary_binary_fail_closed") +
    "Content-Type: multipart/mixed; boundary=\"=_declared\"\n"
    "\n"
    + "".join(chr(c) for c in range(1, 9)) * 64 + "\n"
)
write_raw(raw)
PYEOF

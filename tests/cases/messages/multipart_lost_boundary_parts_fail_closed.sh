# A multipart whose declared boundary never occurs, while its content
# declares parts of its own under another delimiter: which parts were meant
# cannot be known, so it stays error.corrupt and is sandboxed, its content
# scanned as one part.
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

raw = (
    raw_headers("shape", "multipart_lost_boundary_parts_fail_closed") +
    "Content-Type: multipart/mixed; boundary=\"=_declared\"\n"
    "\n"
    "--=_other\n"
    "Content-Type: application/octet-stream; name=\"tool.bin\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
    "--=_other--\n"
)
write_raw(raw)
PYEOF

# A forwarded-looking attachment part whose own header carries a 2 MiB
# field: the message's header block is small, so GMime parses it, and the
# field is reported after (error.corrupt naming it); the parts are scanned.
$PY - <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers
with open(os.environ["OUT"], "wb") as f:
    f.write(raw_headers("part header", "mime_part_header_2mib").encode())
    f.write(b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            b"Content-Type: text/plain\n\nsee attached\n--b\n"
            b"X-Part-Filler: " + b"p" * (2 << 20) + b"\n"
            b'Content-Type: text/plain; name="notes.txt"\n'
            b'Content-Disposition: attachment; filename="notes.txt"\n\nnotes\n--b--\n')
PYEOF

# One header line of 60 MiB (RFC 5322 allows 998 characters), then a short
# plain body: refused before GMime parses it (error.corrupt), never a pass.
$PY - <<'PYEOF'
import os, sys
sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers
with open(os.environ["OUT"], "wb") as f:
    f.write(raw_headers("long header", "mime_header_line_60mib").encode())
    f.write(b"X-Filler: " + b"a" * (60 << 20) + b"\n")
    f.write(b"Content-Type: text/plain; charset=us-ascii\n\nhello\n")
PYEOF

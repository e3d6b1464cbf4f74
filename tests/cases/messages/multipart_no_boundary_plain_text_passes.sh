# Content-Type: multipart/mixed with no boundary, whose content is plain
# text (no part headers of its own): that text is the body, harvested and
# scanned as body.txt, and the message passes. (With part headers inside,
# malformed_missing_boundary, it stays error.corrupt.)
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

raw = (
    raw_headers("shape", "multipart_no_boundary_plain_text_passes") +
    "Content-Type: multipart/mixed\n"
    "\n"
    "The meeting moved to Thursday.\n"
    "Password: Mp7#kQ2\n"
)
write_raw(raw)
PYEOF

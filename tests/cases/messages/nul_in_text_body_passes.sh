# A plain-text message whose body holds NUL bytes (a careless mailer): the
# input is not text, but its header block is a message's, so it is read as
# one; the NULs become spaces in body.txt, which is text, and it passes.
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers

raw = (
    raw_headers("minutes", "nul_in_text_body_passes") +
    "Content-Type: text/plain; charset=us-ascii\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "The minutes of the call:\0\0 nothing new.\n"
)
with open(os.environ["OUT"], "wb") as f:
    f.write(raw.replace("\n", "\r\n").encode("ascii"))
PYEOF

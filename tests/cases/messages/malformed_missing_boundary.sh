# Malformed MIME: Content-Type: multipart/mixed with no boundary parameter.
# The parts below are delimited by a boundary the header never declares, so the
# structure cannot be known from the message; a parser that guesses may miss
# or invent parts. The verdict must not be pass: sandbox, with a reason.
export TZ=UTC
printf 'notes of the call\n' > notes.txt
touch -d '2024-01-15 13:05:00' notes.txt
zip -q -X notes.zip notes.txt
$PY - <<'PYEOF'
import base64
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

with open("notes.zip", "rb") as f:
    b64 = base64.encodebytes(f.read()).decode("ascii")

raw = (
    raw_headers("notes", "malformed_missing_boundary") +
    "Content-Type: multipart/mixed\n"
    "\n"
    "--=_undeclared_boundary\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "Please see the attached notes.\n"
    "--=_undeclared_boundary\n"
    "Content-Type: application/zip; name=\"notes.zip\"\n"
    "Content-Transfer-Encoding: base64\n"
    "Content-Disposition: attachment; filename=\"notes.zip\"\n"
    "\n"
    + b64 +
    "--=_undeclared_boundary--\n"
)
write_raw(raw)
PYEOF

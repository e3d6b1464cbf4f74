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

with open("notes.zip", "rb") as f:
    b64 = base64.encodebytes(f.read()).decode("ascii")

raw = (
    "From: Sato Taro <sato@example.co.jp>\n"
    "To: Suzuki Hanako <suzuki@example.jp>\n"
    "Subject: notes\n"
    "Date: Mon, 15 Jan 2024 13:05:00 +0900\n"
    "Message-ID: <malformed_missing_boundary@sekisho.test>\n"
    "MIME-Version: 1.0\n"
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
with open(os.environ["OUT"], "wb") as f:
    f.write(raw.replace("\n", "\r\n").encode("ascii"))
PYEOF

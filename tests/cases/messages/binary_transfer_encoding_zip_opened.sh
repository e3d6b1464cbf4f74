# A message whose attachment goes in Content-Transfer-Encoding: binary (RFC
# 3030 BINARYMIME): the raw zip, NULs and all, follows its part headers. The
# input is not text, but its header block is a message's, so it is read as
# one and the zip inside is opened: EICAR -> block.
export TZ=UTC
cp "$EICAR" eicar.com
touch -d '2024-01-15 13:05:00' eicar.com
zip -q -X notes.zip eicar.com
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers

with open("notes.zip", "rb") as f:
    data = f.read()
assert b"\0" in data
head = (
    raw_headers("notes", "binary_transfer_encoding_zip_opened") +
    "Content-Type: multipart/mixed; boundary=\"=_bin\"\n"
    "\n"
    "--=_bin\n"
    "Content-Type: text/plain; charset=us-ascii\n"
    "\n"
    "The notes are attached.\n"
    "--=_bin\n"
    "Content-Type: application/zip; name=\"notes.zip\"\n"
    "Content-Disposition: attachment; filename=\"notes.zip\"\n"
    "Content-Transfer-Encoding: binary\n"
    "\n"
).replace("\n", "\r\n").encode("ascii")
with open(os.environ["OUT"], "wb") as f:
    f.write(head + data + b"\r\n--=_bin--\r\n")
PYEOF

# A 30 MiB base64 attachment on one line (RFC 2045 wants lines of at most 76
# characters): a stored zip of 23 MiB of random bytes with EICAR last, so
# the block verdict shows the line was decoded to its very end.
$PY - <<'PYEOF'
import base64, io, os, random, sys, zipfile
sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    z.writestr("filler.bin", random.Random(7).randbytes(23 << 20))
    z.write(os.environ["EICAR"], "eicar.com")
encoded = base64.b64encode(buf.getvalue())
assert len(encoded) > 30 << 20 and b"\n" not in encoded
with open(os.environ["OUT"], "wb") as f:
    f.write(raw_headers("one long line", "mime_base64_no_line_breaks").encode())
    f.write(b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            b"Content-Type: text/plain\n\nsee attached\n--b\n"
            b'Content-Type: application/zip; name="blob.zip"\n'
            b"Content-Transfer-Encoding: base64\n\n")
    f.write(encoded)
    f.write(b"\n--b--\n")
PYEOF

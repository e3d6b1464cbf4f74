# Path-like names where they matter and where they do not. Netscape 4 named
# an attachment by where it lay on the sender's disk, backslashes unescaped
# inside the quoted string (C:\win95\TEMP\x.tiff; RFC 5322 reads "\w" as
# "w", so the part is C:win95TEMPx.tiff, the name as given). Beside it a tar
# (Python's tarfile) whose members climb (../../x.txt), start with a drive
# (C:\win95\TEMP\x.txt) or a UNC share (\\server\share\y.txt): names an
# extraction tool may honour, so each is name.unsafe_path; dir/fine.txt is
# a plain relative name and raises nothing.
$PY - <<'PYEOF'
import base64
import io
import os
import sys
import tarfile

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

members = (("../../x.txt", b"climb\n"), ("C:\\win95\\TEMP\\x.txt", b"drive\n"),
           ("\\\\server\\share\\y.txt", b"unc\n"), ("dir/fine.txt", b"fine\n"))
tar = io.BytesIO()
with tarfile.open(fileobj=tar, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for name, data in members:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
# A little-endian TIFF header and one empty IFD (TIFF 6.0, section 2).
tiff = b"II*\0\x08\0\0\0\0\0\0\0\0\0"


def b64(data):
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))


write_raw(raw_headers("Scan", "path_names_netscape_and_tar") +
          'Content-Type: multipart/mixed; boundary="------------NS4"\n'
          "\n"
          "--------------NS4\n"
          "Content-Type: text/plain; charset=us-ascii\n"
          "\n"
          "The scan and the files.\n"
          "--------------NS4\n"
          'Content-Type: image/tiff; name="C:\\win95\\TEMP\\x.tiff"\n'
          "Content-Transfer-Encoding: base64\n"
          'Content-Disposition: inline; filename="C:\\win95\\TEMP\\x.tiff"\n'
          "\n" + b64(tiff) + "\n"
          "--------------NS4\n"
          'Content-Type: application/x-tar; name="names.tar"\n'
          "Content-Transfer-Encoding: base64\n"
          'Content-Disposition: attachment; filename="names.tar"\n'
          "\n" + b64(tar.getvalue()) + "\n"
          "--------------NS4--\n")
PYEOF

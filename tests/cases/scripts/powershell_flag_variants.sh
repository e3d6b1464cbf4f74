# -EncodedCommand as droppers spell it: /ec with a quoted argument, an en
# dash before "enc", the full flag; -ExecutionPolicy is not taken for it, and
# a base64 run after -e that is not UTF-16LE text is passed over.
$PY - "$OUT" <<'PYEOF'
import base64
import sys

def enc(text):
    return base64.b64encode(text.encode("utf-16-le")).decode()

lines = [
    "powershell -ExecutionPolicy Bypass -NoProfile -File setup.ps1",
    'powershell /ec "%s"' % enc("Write-Output one"),
    "pwsh \u2013enc %s" % enc("Write-Output two"),
    "powershell -e %s" % base64.b64encode(b"\x89PNG not utf-16 text at all").decode(),
    "powershell -EncodedCommand %s" % enc("Write-Output three"),
]
open(sys.argv[1], "w", encoding="utf-8").write("\r\n".join(lines) + "\r\n")
PYEOF

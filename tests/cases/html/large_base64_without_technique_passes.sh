# A large base64 string in a script with no decoding technique (no atob,
# Blob or data: download): passes, and the root is read as HTML.
$PY - "$OUT" <<'PY'
import base64, sys
blob = base64.b64encode(bytes(range(256)) * 4).decode()
open(sys.argv[1], "w").write('<html><body><script>var font = "%s";\nconsole.log(font.length);</script></body></html>\n' % blob)
PY

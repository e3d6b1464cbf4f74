# Malformed (hostile) MIME: 10,000 multipart/mixed parts nested one inside the
# other, a single short text leaf at the bottom. Far beyond the nesting depth
# limit (12) and the node limit (10,000): the scan must stop, stay bounded in
# time and stack, and fail closed (sandbox, with a limit or corrupt reason).
$PY - <<'PYEOF'
import os
import sys

sys.path.insert(0, os.environ["FIXTURES"])
from mkmail import raw_headers, write_raw

DEPTH = 10000
out = [raw_headers("deep", "malformed_nested_10000_multiparts")]
for i in range(DEPTH):
    out.append('Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i))
out.append("Content-Type: text/plain; charset=us-ascii\n\nbottom\n")
for i in reversed(range(DEPTH)):
    out.append("--b%d--\n" % i)
write_raw("".join(out))
PYEOF

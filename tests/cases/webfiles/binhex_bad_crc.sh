# The data fork's CRC flipped: error.corrupt, and the fork is still scanned.
HERE=$(cd "$(dirname "$0")" && pwd)
printf 'WScript.Echo("hi");\n' > data
: > rsrc
$PY "$HERE/hqx.py" "$OUT" payload.js data rsrc --bad-data-crc

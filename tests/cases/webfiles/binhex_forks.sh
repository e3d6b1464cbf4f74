# A script as the data fork and a resource fork, written from RFC 1741 by
# hqx.py and read back by macutils' hexbin first, so the writer is right.
HERE=$(cd "$(dirname "$0")" && pwd)
printf 'WScript.Echo("hi");\n' > data
$PY -c "import sys; open('rsrc','wb').write(b'RSRC' + bytes(300) + b'\x90\x90abc' * 5)"
$PY "$HERE/hqx.py" "$OUT" payload.js data rsrc
mkdir check && (cd check && hexbin -3 "$OUT")
cmp data check/payload.js.data && cmp rsrc check/payload.js.rsrc

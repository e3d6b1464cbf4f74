# 4 KiB of random bytes after a PNG (an encrypted payload for a loader to
# read): more than leftovers, of no known type: content.unknown.
$PY "$FIXTURES/mkimage.py" png "$OUT"
$PY -c 'import random, sys; sys.stdout.buffer.write(random.Random(9).randbytes(4096))' >>"$OUT"

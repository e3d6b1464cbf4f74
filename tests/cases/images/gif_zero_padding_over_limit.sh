# 70,000 zero bytes after a GIF: more filler than writers leave (padding a
# file past a scanner's size limit is an evasion of its own), so it is a
# trailer of no known type: content.unknown.
$PY "$FIXTURES/mkimage.py" gif "$OUT" --pad 70000

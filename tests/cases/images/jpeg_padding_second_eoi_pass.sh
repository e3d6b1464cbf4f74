# What JPEG writers leave after EOI: zero fill and a second EOI. Padding
# (filler only, at most 64 KiB) is no child; the node's info says so.
$PY "$FIXTURES/mkimage.py" jpeg "$OUT" --pad 300
printf '\377\331' >>"$OUT"

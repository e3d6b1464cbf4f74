# 13 bytes of junk after a GIF's 0x3B, as an old encoder left after
# Python idlelib's Icons/tk.gif: a trailer child, but a few bytes of no
# known type are leftovers, not content.unknown: pass.
$PY "$FIXTURES/mkimage.py" gif "$OUT"
printf '\032\024\000;;\272\nD\024\000\000;;' >>"$OUT"

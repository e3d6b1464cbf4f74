# A JPEG cut off inside its entropy-coded data, so no EOI: pass, no child.
$PY "$FIXTURES/mkimage.py" jpeg "$OUT" --size 96x64 --truncate 2500

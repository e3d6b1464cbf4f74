# A camera's Multi-Picture file: a second JPEG (the preview) right after
# the first one's EOI. The trailer is typed jpeg, walked in turn: pass.
$PY "$FIXTURES/mkimage.py" jpeg preview.jpg --size 32x24
$PY "$FIXTURES/mkimage.py" jpeg "$OUT" --size 96x64 --append preview.jpg

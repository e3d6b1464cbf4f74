# Two Copy folders but one file: the second folder's bytes belong to no file.
$PY "$FIXTURES/mk7z.py" orphan "$OUT"

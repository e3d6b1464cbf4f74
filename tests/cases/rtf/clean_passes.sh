# A plain document (bold and italic runs, no \object). The root must be
# read as RTF (type rtf, which is what the rtf unpacker opens), and no
# object child may come out of it.
$PY "$FIXTURES/mkrtf.py" clean "$OUT"
